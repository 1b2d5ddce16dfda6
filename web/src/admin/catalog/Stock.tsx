import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { ProductService, StockAdjustmentKind, type AdminProduct } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem, MoreOnScroll, When } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useAdminTitle } from "../useAdminTitle";

// StockPage adjusts one product's available stock with a reason and shows
// its history (/admin/catalog/stock/<id>); without a product it finds one.
export function StockPage() {
  const { productId = "" } = useParams();
  return productId ? <ProductStock key={productId} productId={productId} /> : <FindProduct />;
}

function FindProduct() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("catalog.stock"));
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const found = useQuery(ProductService.method.adminListProducts, { query, pageSize: 20 }, { enabled: query !== "" });
  return (
    <section>
      <h1>{t("catalog.stock")}</h1>
      <p className="muted">{t("catalog.chooseProduct")}</p>
      <form
        className="admin-toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(text.trim());
        }}
      >
        <label>
          {t("common.search")}
          <input type="search" value={text} placeholder={t("catalog.search")} maxLength={100} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit">{t("common.search")}</button>
      </form>
      {query && (
        <QueryView query={found} isEmpty={(d) => d.products.length === 0} empty={t("catalog.noProducts")}>
          {(data) => (
            <ul>
              {data.products.map(({ product: p }) =>
                p ? (
                  <li key={p.productId}>
                    <Link to={`/admin/catalog/stock/${p.productId}`} translate="no">
                      {p.title} ({p.productId})
                    </Link>
                  </li>
                ) : null,
              )}
            </ul>
          )}
        </QueryView>
      )}
    </section>
  );
}

function ProductStock({ productId }: { productId: string }) {
  const { t } = useTranslation("admin");
  const current = useQuery(ProductService.method.adminListProducts, { query: productId, pageSize: 20 });
  const row = current.data?.products.find((p) => p.product?.productId === productId);
  useAdminTitle(t("catalog.stockTitle", { name: row?.product?.title ?? productId }));
  return (
    <section>
      <h1 translate="no">{t("catalog.stockTitle", { name: row?.product?.title ?? productId })}</h1>
      <p className="admin-links">
        <Link to="/admin/catalog/products">{t("catalog.back")}</Link>
        <Link to={`/admin/catalog/products/${productId}`}>{t("catalog.edit")}</Link>
      </p>
      <QueryView query={current}>{() => (row ? <Levels row={row} /> : <p>{t("catalog.noProducts")}</p>)}</QueryView>
      {row && <AdjustForm productId={productId} />}
      <History productId={productId} />
    </section>
  );
}

function Levels({ row }: { row: AdminProduct }) {
  const { t } = useTranslation("admin");
  const cells = [
    { label: t("catalog.available"), value: row.product?.stock ?? 0n },
    { label: t("catalog.reserved"), value: row.reserved },
    { label: t("catalog.sold"), value: row.sold },
    { label: t("catalog.allocated"), value: row.allocated },
  ];
  return (
    <dl className="admin-stats">
      {cells.map((c) => (
        <div key={c.label}>
          <dt>{c.label}</dt>
          <dd data-level={c.label}>{String(c.value)}</dd>
        </div>
      ))}
    </dl>
  );
}

// AdjustForm sends one adjustment. Its id is made when the form is, and
// kept until the adjustment is made: sending again after a lost answer
// repeats the same adjustment instead of adding another.
function AdjustForm({ productId }: { productId: string }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const [adjustmentId, setAdjustmentId] = useState(() => crypto.randomUUID());
  const [delta, setDelta] = useState("");
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState("");
  const adjust = useMutation(ProductService.method.adjustStock);
  const { problem, busy, submit, fail } = useFormProblem();
  return (
    <form
      className="admin-panel admin-form"
      aria-label={t("catalog.adjust")}
      onSubmit={(e) => {
        e.preventDefault();
        setNotice("");
        const n = Number(delta.trim());
        if (!/^[+-]?\d{1,10}$/.test(delta.trim()) || n === 0) {
          fail(() => ({ code: undefined, message: t("catalog.deltaInvalid"), fields: { delta: t("catalog.deltaInvalid") } }));
          return;
        }
        void submit(async () => {
          const res = await adjust.mutateAsync({ adjustmentId, productId, delta: BigInt(n), reason });
          const a = res.adjustment;
          setNotice(t("catalog.adjusted", { before: String(a?.stockBefore ?? 0n), after: String(a?.stockAfter ?? 0n) }));
          setAdjustmentId(crypto.randomUUID());
          setDelta("");
          setReason("");
          await invalidate(ProductService);
        });
      }}
    >
      <h2>{t("catalog.adjust")}</h2>
      <FormProblem problem={problem} />
      {notice && (
        <p className="admin-badge ok" role="status">
          {notice}
        </p>
      )}
      <Field label={t("catalog.delta")} path="delta" problem={problem} value={delta} inputMode="numeric" required onChange={(e) => setDelta(e.target.value)} />
      <Field
        label={t("catalog.reason")}
        path="reason"
        problem={problem}
        value={reason}
        placeholder={t("catalog.reasonPlaceholder")}
        required
        maxLength={200}
        onChange={(e) => setReason(e.target.value)}
      />
      <div>
        <button type="submit" disabled={busy}>
          {t("catalog.apply")}
        </button>
      </div>
    </form>
  );
}

function History({ productId }: { productId: string }) {
  const { t } = useTranslation("admin");
  const history = useInfiniteQuery(
    ProductService.method.listStockAdjustments,
    { productId, pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  return (
    <section>
      <h2>{t("catalog.history")}</h2>
      <QueryView query={history} isEmpty={(d) => d.pages.every((p) => p.adjustments.length === 0)} empty={t("catalog.noHistory")}>
        {(data) => (
          <>
            <table className="admin-table" aria-label={t("catalog.history")}>
              <thead>
                <tr>
                  <th>{t("catalog.when")}</th>
                  <th className="num">{t("catalog.change")}</th>
                  <th className="num">{t("catalog.beforeAfter")}</th>
                  <th>{t("catalog.reason")}</th>
                  <th>{t("catalog.who")}</th>
                </tr>
              </thead>
              <tbody>
                {data.pages
                  .flatMap((p) => p.adjustments)
                  .map((a) => (
                    <tr key={a.adjustmentId}>
                      <td data-label={t("catalog.when")}>
                        <When at={a.createdAt} />
                      </td>
                      <td className="num" data-label={t("catalog.change")}>
                        {a.delta > 0n ? `+${a.delta}` : String(a.delta)}
                      </td>
                      <td className="num" data-label={t("catalog.beforeAfter")}>
                        {String(a.stockBefore)} → {String(a.stockAfter)}
                      </td>
                      <td data-label={t("catalog.reason")}>
                        {a.kind === StockAdjustmentKind.SET && <span className="admin-badge">{t("catalog.kindSet")}</span>}{" "}
                        <span translate="no">{a.reason}</span>
                      </td>
                      <td data-label={t("catalog.who")} translate="no">
                        {a.actorId}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
            <MoreOnScroll hasMore={history.hasNextPage} loading={history.isFetchingNextPage} onMore={() => void history.fetchNextPage()} />
          </>
        )}
      </QueryView>
    </section>
  );
}
