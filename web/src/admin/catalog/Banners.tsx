import { useMutation, useQuery } from "@connectrpc/connect-query";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { BannerState, ProductService, type AdminBanner, type Banner, type BannerSpecSchema } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem, When } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { bannerTarget } from "../../lib/banner";
import { useAdminTitle } from "../useAdminTitle";
import { CategorySelect } from "./CategorySelect";
import { fromLocalInput, localInput, moved } from "./forms";
import { PictureUpload } from "./PictureUpload";

type TargetKind = "product" | "category" | "keyword" | "link" | "none";

function targetKindOf(b: Banner | undefined): TargetKind {
  if (!b) return "product";
  if (b.productId) return "product";
  if (b.categoryId) return "category";
  if (b.keyword) return "keyword";
  if (b.linkUrl) return "link";
  return "none";
}

const day = 24 * 3_600_000;

// BannersPage lists every banner in carousel order, scheduled, live and
// ended: move one up or down, edit its picture, schedule and target, add
// or delete one. The storefront shows the live ones at once.
export function BannersPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("catalog.banners"));
  const list = useQuery(ProductService.method.adminListBanners, {});
  const invalidate = useInvalidate();
  const reorder = useMutation(ProductService.method.reorderBanners);
  const remove = useMutation(ProductService.method.deleteBanner);
  const [editing, setEditing] = useState<Banner | "new" | null>(null);
  const { problem, busy, submit } = useFormProblem();
  const banners = list.data?.banners ?? [];
  const ids = banners.map((b) => b.banner?.bannerId ?? "");
  const move = (from: number, by: number) =>
    void submit(async () => {
      await reorder.mutateAsync({ bannerIds: moved(ids, from, by) });
      await invalidate(ProductService);
    });
  const nextPlace = Math.min(10000, Math.max(0, ...banners.map((b) => (b.banner?.sortOrder ?? 0) + 1)));
  return (
    <section>
      <h1>{t("catalog.banners")}</h1>
      <div className="admin-toolbar">
        <button type="button" onClick={() => setEditing("new")}>
          {t("catalog.newBanner")}
        </button>
      </div>
      {editing && (
        <BannerForm
          key={editing === "new" ? "new" : editing.bannerId}
          banner={editing === "new" ? undefined : editing}
          nextPlace={nextPlace}
          onDone={() => setEditing(null)}
        />
      )}
      <FormProblem problem={problem} />
      <QueryView query={list} isEmpty={(d) => d.banners.length === 0} empty={t("catalog.noBanners")}>
        {() => (
          <table className="admin-table">
            <thead>
              <tr>
                <th>{t("catalog.order")}</th>
                <th>{t("catalog.bannerTitle")}</th>
                <th>{t("catalog.state")}</th>
                <th>{t("catalog.window")}</th>
                <th>{t("catalog.target")}</th>
                <th>{t("common.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {banners.map((row, i) =>
                row.banner ? (
                  <tr key={row.banner.bannerId} data-banner={row.banner.bannerId}>
                    <td data-label={t("catalog.order")}>
                      <button type="button" className="small secondary" disabled={busy || i === 0} aria-label={t("catalog.moveUp", { title: row.banner.title })} onClick={() => move(i, -1)}>
                        ↑
                      </button>{" "}
                      <button
                        type="button"
                        className="small secondary"
                        disabled={busy || i === banners.length - 1}
                        aria-label={t("catalog.moveDown", { title: row.banner.title })}
                        onClick={() => move(i, 1)}
                      >
                        ↓
                      </button>
                    </td>
                    <td data-label={t("catalog.bannerTitle")}>
                      <ul className="admin-thumbs">
                        <li>
                          <img className="wide" src={row.banner.imageUrl} alt="" width={240} height={80} loading="lazy" />
                          <strong translate="no">{row.banner.title}</strong>
                        </li>
                      </ul>
                    </td>
                    <td data-label={t("catalog.state")}>
                      <StateBadge row={row} />
                    </td>
                    <td data-label={t("catalog.window")}>
                      <When at={row.banner.startsAt} /> –
                      <br />
                      <When at={row.banner.endsAt} />
                    </td>
                    <td data-label={t("catalog.target")}>
                      <Link to={bannerTarget(row.banner)} translate="no">
                        {bannerTarget(row.banner)}
                      </Link>
                    </td>
                    <td data-label={t("common.actions")}>
                      <button type="button" className="small secondary" onClick={() => setEditing(row.banner ?? null)}>
                        {t("catalog.edit")}
                      </button>{" "}
                      <button
                        type="button"
                        className="small secondary"
                        disabled={busy}
                        onClick={() => {
                          const b = row.banner;
                          if (!b || !window.confirm(t("catalog.deleteConfirm", { title: b.title }))) return;
                          void submit(async () => {
                            await remove.mutateAsync({ bannerId: b.bannerId });
                            await invalidate(ProductService);
                          });
                        }}
                      >
                        {t("catalog.delete")}
                      </button>
                    </td>
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}

function StateBadge({ row }: { row: AdminBanner }) {
  const { t } = useTranslation("admin");
  switch (row.state) {
    case BannerState.LIVE:
      return <span className="admin-badge ok">{t("catalog.stateLive")}</span>;
    case BannerState.SCHEDULED:
      return <span className="admin-badge warn">{t("catalog.stateScheduled")}</span>;
    default:
      return <span className="admin-badge">{t("catalog.stateEnded")}</span>;
  }
}

function BannerForm({ banner, nextPlace, onDone }: { banner: Banner | undefined; nextPlace: number; onDone: () => void }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const categories = useQuery(ProductService.method.adminListCategories, {});
  const [now] = useState(() => Date.now());
  const [title, setTitle] = useState(banner?.title ?? "");
  const [imageUrl, setImageUrl] = useState(banner?.imageUrl ?? "");
  const [startsAt, setStartsAt] = useState(localInput(banner?.startsAt ?? timestampFromMs(now)));
  const [endsAt, setEndsAt] = useState(localInput(banner?.endsAt ?? timestampFromMs(now + 30 * day)));
  const [kind, setKind] = useState<TargetKind>(targetKindOf(banner));
  const [productId, setProductId] = useState(banner?.productId ?? "");
  const [categoryId, setCategoryId] = useState(banner?.categoryId ?? "");
  const [keyword, setKeyword] = useState(banner?.keyword ?? "");
  const [linkUrl, setLinkUrl] = useState(banner?.linkUrl ?? "");
  const promoted = useQuery(ProductService.method.getProduct, { productId: productId.trim() }, { enabled: kind === "product" && productId.trim() !== "" });
  const create = useMutation(ProductService.method.createBanner);
  const update = useMutation(ProductService.method.updateBanner);
  const { problem, busy, submit, fail } = useFormProblem();
  const heading = banner ? t("catalog.editBanner") : t("catalog.newBanner");
  return (
    <form
      className="admin-panel admin-form"
      aria-label={heading}
      onSubmit={(e) => {
        e.preventDefault();
        const starts = fromLocalInput(startsAt);
        const ends = fromLocalInput(endsAt);
        if (!starts || !ends || startsAt >= endsAt) {
          fail(() => ({ code: undefined, message: t("catalog.windowInvalid"), fields: { "banner.ends_at": t("catalog.windowInvalid") } }));
          return;
        }
        const spec: MessageInitShape<typeof BannerSpecSchema> = {
          title,
          imageUrl,
          startsAt: starts,
          endsAt: ends,
          sortOrder: banner?.sortOrder ?? nextPlace,
          productId: kind === "product" ? productId.trim() : "",
          categoryId: kind === "category" ? categoryId : "",
          keyword: kind === "keyword" ? keyword.trim() : "",
          linkUrl: kind === "link" ? linkUrl.trim() : "",
        };
        void submit(async () => {
          if (banner) await update.mutateAsync({ bannerId: banner.bannerId, banner: spec });
          else await create.mutateAsync({ banner: spec });
          await invalidate(ProductService);
          onDone();
        });
      }}
    >
      <h2>{heading}</h2>
      <FormProblem problem={problem} />
      <Field label={t("catalog.bannerTitle")} path="banner.title" problem={problem} value={title} required maxLength={100} onChange={(e) => setTitle(e.target.value)} />
      <Field
        label={t("catalog.startsAt")}
        path="banner.starts_at"
        problem={problem}
        type="datetime-local"
        value={startsAt}
        required
        onChange={(e) => setStartsAt(e.target.value)}
      />
      <Field label={t("catalog.endsAt")} path="banner.ends_at" problem={problem} type="datetime-local" value={endsAt} required onChange={(e) => setEndsAt(e.target.value)} />
      <label>
        {t("catalog.targetKind")}
        <select value={kind} onChange={(e) => setKind(e.target.value as TargetKind)}>
          <option value="product">{t("catalog.targetProduct")}</option>
          <option value="category">{t("catalog.targetCategory")}</option>
          <option value="keyword">{t("catalog.targetKeyword")}</option>
          <option value="link">{t("catalog.targetLink")}</option>
          <option value="none">{t("catalog.targetNone")}</option>
        </select>
      </label>
      {kind === "product" && (
        <Field
          label={t("catalog.productIdLabel")}
          path="banner.product_id"
          problem={problem}
          value={productId}
          required
          maxLength={64}
          translate="no"
          onChange={(e) => setProductId(e.target.value)}
        />
      )}
      {kind === "category" && (
        <CategorySelect
          label={t("catalog.targetCategory")}
          path="banner.category_id"
          problem={problem}
          categories={categories.data?.categories.flatMap((c) => (c.category ? [c.category] : [])) ?? []}
          value={categoryId}
          onChange={setCategoryId}
          emptyLabel={categoryId ? undefined : t("catalog.chooseCategory")}
          required
        />
      )}
      {kind === "keyword" && (
        <Field label={t("catalog.keyword")} path="banner.keyword" problem={problem} value={keyword} required maxLength={100} onChange={(e) => setKeyword(e.target.value)} />
      )}
      {kind === "link" && (
        <Field label={t("catalog.link")} path="banner.link_url" problem={problem} value={linkUrl} required maxLength={512} onChange={(e) => setLinkUrl(e.target.value)} />
      )}
      <fieldset className="admin-panel">
        <legend>{t("catalog.image")}</legend>
        {problem?.fields["banner.image_url"] && <small className="field-error">{problem.fields["banner.image_url"]}</small>}
        {imageUrl && (
          <ul className="admin-thumbs">
            <li>
              <img className="wide" src={imageUrl} alt={t("catalog.image")} width={240} height={80} />
            </li>
          </ul>
        )}
        <PictureUpload onUploaded={setImageUrl} />
        {kind === "product" && promoted.data?.product && promoted.data.product.imageUrls.length > 0 && (
          <>
            <p className="muted">{t("catalog.useProductPicture")}</p>
            <ul className="admin-thumbs">
              {promoted.data.product.imageUrls.map((url, i) => (
                <li key={url}>
                  <button type="button" className="small secondary" aria-pressed={url === imageUrl} onClick={() => setImageUrl(url)}>
                    <img src={url} alt={t("catalog.pictureN", { n: i + 1 })} width={96} height={96} />
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </fieldset>
      <div>
        <button type="submit" disabled={busy}>
          {t("common.save")}
        </button>{" "}
        <button type="button" className="secondary" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
