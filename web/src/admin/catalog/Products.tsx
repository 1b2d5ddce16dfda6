import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { ProductService, ProductStatus } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../../components/QueryView";
import { MoreOnScroll } from "../../components/ui";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { CategorySelect } from "./CategorySelect";

// statusOf reads the status filter of the address (none: both).
function statusOf(param: string | null): ProductStatus {
  if (param === String(ProductStatus.ON_SALE)) return ProductStatus.ON_SALE;
  if (param === String(ProductStatus.OFF_SHELF)) return ProductStatus.OFF_SHELF;
  return ProductStatus.UNSPECIFIED;
}

// ProductsPage lists every product, on sale or not, newest first, filtered
// by text (title or id), category and status; the filters live in the
// address, so a list can be shared and comes back after an edit.
export function ProductsPage() {
  const { t } = useTranslation("admin");
  const lang = useLang();
  useAdminTitle(t("catalog.products"));
  const [params, setParams] = useSearchParams();
  const query = params.get("q") ?? "";
  const categoryId = params.get("category") ?? "";
  const status = statusOf(params.get("status"));
  const [text, setText] = useState(query);
  const categories = useQuery(ProductService.method.adminListCategories, {});
  const list = useInfiniteQuery(
    ProductService.method.adminListProducts,
    { query, categoryId, status, pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return (
    <section>
      <h1>{t("catalog.products")}</h1>
      <form
        className="admin-toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set("q", text.trim());
        }}
      >
        <label>
          {t("common.search")}
          <input type="search" value={text} placeholder={t("catalog.search")} maxLength={100} onChange={(e) => setText(e.target.value)} />
        </label>
        <CategorySelect
          label={t("catalog.category")}
          path="category_id"
          categories={categories.data?.categories.flatMap((c) => (c.category ? [c.category] : [])) ?? []}
          value={categoryId}
          onChange={(id) => set("category", id)}
          emptyLabel={t("catalog.allCategories")}
        />
        <label>
          {t("catalog.status")}
          <select value={String(status)} onChange={(e) => set("status", e.target.value === "0" ? "" : e.target.value)}>
            <option value="0">{t("catalog.allStatuses")}</option>
            <option value={String(ProductStatus.ON_SALE)}>{t("catalog.onSale")}</option>
            <option value={String(ProductStatus.OFF_SHELF)}>{t("catalog.offShelf")}</option>
          </select>
        </label>
        <button type="submit">{t("common.search")}</button>
        <Link className="button" to="/admin/catalog/products/new">
          {t("catalog.newProduct")}
        </Link>
      </form>
      <QueryView query={list} isEmpty={(d) => d.pages.every((p) => p.products.length === 0)} empty={t("catalog.noProducts")}>
        {(data) => (
          <>
            <table className="admin-table">
              <thead>
                <tr>
                  <th>{t("catalog.product")}</th>
                  <th className="num">{t("catalog.price")}</th>
                  <th className="num">{t("catalog.available")}</th>
                  <th>{t("catalog.status")}</th>
                  <th>{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {data.pages
                  .flatMap((p) => p.products)
                  .map(({ product: p }) =>
                    p ? (
                      <tr key={p.productId} data-product={p.productId}>
                        <td data-label={t("catalog.product")}>
                          <div className="admin-toolbar" style={{ margin: 0, flexWrap: "nowrap", alignItems: "center" }}>
                            <ul className="admin-thumbs">
                              <li>
                                <img src={p.imageUrls[0]} alt="" width={48} height={48} style={{ width: "3rem", height: "3rem" }} loading="lazy" />
                              </li>
                            </ul>
                            <span>
                              <strong translate="no">{p.title}</strong>
                              <br />
                              <small className="muted" translate="no">
                                {p.productId}
                              </small>
                            </span>
                          </div>
                        </td>
                        <td className="num" data-label={t("catalog.price")}>
                          {money(p.priceCents, lang)}
                        </td>
                        <td className="num" data-label={t("catalog.available")}>
                          {String(p.stock)}
                        </td>
                        <td data-label={t("catalog.status")}>
                          {p.status === ProductStatus.ON_SALE ? (
                            <span className="admin-badge ok">{t("catalog.onSale")}</span>
                          ) : (
                            <span className="admin-badge">{t("catalog.offShelf")}</span>
                          )}
                        </td>
                        <td data-label={t("common.actions")}>
                          <span className="admin-row-actions">
                            <Link className="button secondary small" to={`/admin/catalog/products/${p.productId}`}>
                              {t("catalog.edit")}
                            </Link>
                            <Link className="button secondary small" to={`/admin/catalog/stock/${p.productId}`}>
                              {t("catalog.stockOf")}
                            </Link>
                          </span>
                        </td>
                      </tr>
                    ) : null,
                  )}
              </tbody>
            </table>
            <MoreOnScroll hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onMore={() => void list.fetchNextPage()} />
          </>
        )}
      </QueryView>
    </section>
  );
}
