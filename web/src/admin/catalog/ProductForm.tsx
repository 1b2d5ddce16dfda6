import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { ProductService, ProductStatus, type Product } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useAdminTitle } from "../useAdminTitle";
import { CategorySelect } from "./CategorySelect";
import { parseYuan, yuanText } from "../../lib/format";
import { PictureUpload } from "./PictureUpload";

// ProductFormPage creates a product (/admin/catalog/products/new) or edits
// one (/admin/catalog/products/<id>), read from the console's list so it
// is never a cached storefront copy.
export function ProductFormPage() {
  const { t } = useTranslation("admin");
  const { productId = "" } = useParams();
  useAdminTitle(productId ? t("catalog.editTitle") : t("catalog.createTitle"));
  const existing = useQuery(ProductService.method.adminListProducts, { query: productId, pageSize: 20 }, { enabled: productId !== "" });
  if (!productId) return <ProductForm key="new" />;
  return (
    <QueryView query={existing}>
      {(data) => {
        const p = data.products.find((x) => x.product?.productId === productId)?.product;
        return p ? <ProductForm key={p.productId + String(p.updatedAt?.seconds)} product={p} /> : <p>{t("catalog.noProducts")}</p>;
      }}
    </QueryView>
  );
}

function ProductForm({ product }: { product?: Product }) {
  const { t } = useTranslation("admin");
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const categories = useQuery(ProductService.method.adminListCategories, {});
  const [title, setTitle] = useState(product?.title ?? "");
  const [subtitle, setSubtitle] = useState(product?.subtitle ?? "");
  const [description, setDescription] = useState(product?.description ?? "");
  const [categoryId, setCategoryId] = useState(product?.categoryId ?? "");
  const [price, setPrice] = useState(product ? yuanText(product.priceCents) : "");
  const [stock, setStock] = useState("0");
  const [onSale, setOnSale] = useState(product ? product.status === ProductStatus.ON_SALE : true);
  const [pictures, setPictures] = useState<string[]>(product?.imageUrls ?? []);
  // The form is drawn again from the saved product once the list is read
  // again, so what was done travels in the page's state.
  const location = useLocation();
  const done = location.state as { created?: boolean; saved?: boolean } | null;
  const [notice, setNotice] = useState(done?.created ? t("catalog.created") : done?.saved ? t("catalog.saved") : "");
  const create = useMutation(ProductService.method.createProduct);
  const update = useMutation(ProductService.method.updateProduct);
  const { problem, busy, submit, fail } = useFormProblem();
  const heading = product ? t("catalog.editTitle") : t("catalog.createTitle");
  return (
    <section>
      <h1>{heading}</h1>
      <p className="admin-links">
        <Link to="/admin/catalog/products">{t("catalog.back")}</Link>
        {product && (
          <>
            <Link to={`/product/${product.productId}`}>{t("catalog.viewInShop")}</Link>
            <Link to={`/admin/catalog/stock/${product.productId}`}>{t("catalog.stockOf")}</Link>
          </>
        )}
      </p>
      <form
        className="admin-panel admin-form"
        aria-label={heading}
        onSubmit={(e) => {
          e.preventDefault();
          setNotice("");
          const cents = parseYuan(price);
          if (cents === null) {
            fail(() => ({ code: undefined, message: t("catalog.priceInvalid"), fields: { "product.price_cents": t("catalog.priceInvalid") } }));
            return;
          }
          if (pictures.length === 0) {
            fail(() => ({ code: undefined, message: t("catalog.noPictures"), fields: {} }));
            return;
          }
          const spec = {
            title,
            subtitle,
            description,
            categoryId,
            priceCents: cents,
            imageUrls: pictures,
            status: onSale ? ProductStatus.ON_SALE : ProductStatus.OFF_SHELF,
          };
          void submit(async () => {
            if (product) {
              await update.mutateAsync({ productId: product.productId, product: spec });
              setNotice(t("catalog.saved"));
              void navigate(location.pathname, { replace: true, state: { saved: true } });
              await invalidate(ProductService);
              return;
            }
            const res = await create.mutateAsync({ product: spec, initialStock: BigInt(Number.parseInt(stock, 10) || 0) });
            await invalidate(ProductService);
            if (res.product) void navigate(`/admin/catalog/products/${res.product.productId}`, { state: { created: true } });
          });
        }}
      >
        {product && (
          <p className="muted">
            {t("catalog.productId")}: <span translate="no">{product.productId}</span>
          </p>
        )}
        <FormProblem problem={problem} />
        {notice && (
          <p className="admin-badge ok" role="status">
            {notice}
          </p>
        )}
        <Field
          label={t("catalog.productTitle")}
          path="product.title"
          problem={problem}
          value={title}
          required
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
        />
        <Field label={t("catalog.subtitle")} path="product.subtitle" problem={problem} value={subtitle} maxLength={200} onChange={(e) => setSubtitle(e.target.value)} />
        <CategorySelect
          label={t("catalog.category")}
          path="product.category_id"
          problem={problem}
          categories={categories.data?.categories.flatMap((c) => (c.category ? [c.category] : [])) ?? []}
          value={categoryId}
          onChange={setCategoryId}
          emptyLabel={categoryId ? undefined : t("catalog.chooseCategory")}
          required
        />
        <Field
          label={t("catalog.priceYuan")}
          path="product.price_cents"
          problem={problem}
          value={price}
          inputMode="decimal"
          required
          onChange={(e) => setPrice(e.target.value)}
        />
        {!product && (
          <Field
            label={t("catalog.initialStock")}
            path="initial_stock"
            problem={problem}
            type="number"
            min={0}
            max={1000000000}
            value={stock}
            onChange={(e) => setStock(e.target.value)}
          />
        )}
        <label>
          {t("catalog.description")}
          <textarea value={description} maxLength={20000} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <fieldset className="admin-panel">
          <legend>{t("catalog.pictures")}</legend>
          <p className="muted">{t("catalog.picturesHint")}</p>
          {pictures.length > 0 && (
            <ul className="admin-thumbs">
              {pictures.map((url, i) => (
                <li key={url}>
                  <img src={url} alt={t("catalog.pictureN", { n: i + 1 })} width={96} height={96} />
                  <span>
                    {i > 0 && (
                      <button type="button" className="small secondary" onClick={() => setPictures([url, ...pictures.filter((u) => u !== url)])}>
                        {t("catalog.makeCover")}
                      </button>
                    )}{" "}
                    <button
                      type="button"
                      className="small secondary"
                      aria-label={t("catalog.removePicture", { n: i + 1 })}
                      onClick={() => setPictures(pictures.filter((u) => u !== url))}
                    >
                      ×
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
          <PictureUpload multiple onUploaded={(url) => setPictures((list) => (list.includes(url) ? list : [...list, url]))} />
        </fieldset>
        <label style={{ flexDirection: "row", alignItems: "center", gap: "0.5rem", minHeight: "var(--tap)" }}>
          <input type="checkbox" checked={onSale} onChange={(e) => setOnSale(e.target.checked)} style={{ minHeight: 0, width: "1.25rem", height: "1.25rem" }} />
          {t("catalog.onSaleCheck")}
        </label>
        <div>
          <button type="submit" disabled={busy}>
            {t("common.save")}
          </button>
        </div>
      </form>
    </section>
  );
}
