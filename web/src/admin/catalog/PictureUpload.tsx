import { useMutation } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { FormProblem } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";

// PictureUpload sends the chosen files to UploadProductImage, one after
// the other, and hands each stored picture's address to onUploaded. The
// services check the content (type, whole, size); their refusal shows
// here.
export function PictureUpload({ onUploaded, multiple = false }: { onUploaded: (url: string) => void; multiple?: boolean }) {
  const { t } = useTranslation("admin");
  const upload = useMutation(ProductService.method.uploadProductImage);
  const { problem, busy, submit } = useFormProblem();
  return (
    <div>
      <label className="button secondary admin-upload" aria-busy={busy}>
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          multiple={multiple}
          disabled={busy}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            // The same file may be chosen again after a refusal.
            e.target.value = "";
            void submit(async () => {
              for (const f of files) {
                const res = await upload.mutateAsync({ data: new Uint8Array(await f.arrayBuffer()) });
                if (res.image) onUploaded(res.image.url);
              }
            });
          }}
        />
        {busy ? t("catalog.uploading") : t("catalog.upload")}
      </label>
      <FormProblem problem={problem} />
    </div>
  );
}
