import { create } from "@bufbuild/protobuf";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ProductService, type Product } from "@gen/mall/product/v1/product_pb.js";
import { SearchService } from "@gen/mall/search/v1/search_pb.js";
import { SeckillService, UpdateEventRequestSchema, type FlashSaleEvent } from "@gen/mall/seckill/v1/seckill_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem } from "../../components/ui";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { centsOf, fromLocalInput, inputOf, toLocalInput, yuanOf } from "./model";
import { useDeskAction } from "./problems";

// NewFlashPage creates a sale in preview: a product (found by name, or
// given as ?product=<id>), its flash price, units, per-shopper limit and
// window.
export function NewFlashPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("flash.createTitle"));
  const [params] = useSearchParams();
  const [productId, setProductId] = useState(params.get("product") ?? "");
  const navigate = useNavigate();
  return (
    <section className="flash">
      <h1>{t("flash.createTitle")}</h1>
      <p>
        <Link className="button secondary" to="/admin/flash">
          {t("flash.back")}
        </Link>
      </p>
      <ProductPicker productId={productId} onChoose={setProductId} />
      <SaleForm productId={productId} onSaved={(id) => void navigate(`/admin/flash/${id}`)} />
    </section>
  );
}

// EditFlashPage changes a sale still in preview.
export function EditFlashPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("flash.editTitle"));
  const { eventId = "" } = useParams();
  const navigate = useNavigate();
  const q = useQuery(SeckillService.method.getEventDashboard, { eventId });
  return (
    <section className="flash">
      <h1>{t("flash.editTitle")}</h1>
      <p>
        <Link className="button secondary" to={`/admin/flash/${eventId}`}>
          {t("flash.back")}
        </Link>
      </p>
      <QueryView query={q}>
        {(d) =>
          d.event && (
            <>
              <ChosenProduct productId={d.event.productId} />
              <SaleForm productId={d.event.productId} editing={d.event} onSaved={(id) => void navigate(`/admin/flash/${id}`)} />
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function ProductPicker({ productId, onChoose }: { productId: string; onChoose: (id: string) => void }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const [typed, setTyped] = useState("");
  const [keyword, setKeyword] = useState("");
  // The shop's search: a sale is of a product on sale.
  const found = useQuery(SearchService.method.searchProducts, { query: keyword, pageSize: 10 }, { enabled: keyword.trim() !== "" });
  return (
    <div className="admin-panel">
      <form
        className="admin-toolbar"
        onSubmit={(e: SubmitEvent<HTMLFormElement>) => {
          e.preventDefault();
          setKeyword(typed.trim());
        }}
      >
        <label>
          {t("flash.searchProduct")}
          <input type="search" value={typed} placeholder={t("flash.searchPlaceholder")} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <button type="submit" className="secondary">
          {t("flash.searchAction")}
        </button>
      </form>
      {keyword !== "" && (
        <QueryView query={found} isEmpty={(d) => d.hits.length === 0} empty={t("flash.noProducts")}>
          {(d) => (
            <ul className="flash-products">
              {d.hits.flatMap((h) => (h.product ? [h.product] : [])).map((p) => (
                <li key={p.productId}>
                  <span translate="no">{p.title}</span>
                  <small className="muted">
                    {money(p.priceCents, lang)} · {t("flash.available", { stock: p.stock.toString() })}
                  </small>
                  <button type="button" className="secondary small" aria-pressed={p.productId === productId} onClick={() => onChoose(p.productId)}>
                    {t("flash.choose")}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      )}
      {productId !== "" && <ChosenProduct productId={productId} />}
    </div>
  );
}

function ChosenProduct({ productId }: { productId: string }) {
  const q = useQuery(ProductService.method.getProduct, { productId });
  return <QueryView query={q}>{(d) => d.product && <ProductFacts product={d.product} />}</QueryView>;
}

function ProductFacts({ product }: { product: Product }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  return (
    <dl className="admin-facts" data-product={product.productId}>
      <dt>{t("flash.chosen")}</dt>
      <dd>
        <span translate="no">{product.title}</span> <small className="muted" translate="no">{product.productId}</small>
        <br />
        <small className="muted">
          {t("flash.regularPrice", { price: money(product.priceCents, lang) })} · {t("flash.available", { stock: product.stock.toString() })}
        </small>
      </dd>
    </dl>
  );
}

// A new sale starts on the next minute by default and lasts an hour.
function defaults() {
  const start = Math.ceil(Date.now() / 60_000) * 60_000;
  return { startsAt: toLocalInput(start), endsAt: toLocalInput(start + 3_600_000) };
}

// SaleForm creates a sale of a product in preview, or changes one being
// edited, then hands the sale's id to onSaved.
export function SaleForm({ productId, editing, onSaved }: { productId: string; editing?: FlashSaleEvent; onSaved: (eventId: string) => void }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const product = useQuery(ProductService.method.getProduct, { productId }, { enabled: productId !== "" });
  const createEvent = useMutation(SeckillService.method.createEvent);
  const updateEvent = useMutation(SeckillService.method.updateEvent);
  const action = useDeskAction();
  const times = editing ? { startsAt: inputOf(editing.startsAt), endsAt: inputOf(editing.endsAt) } : defaults();
  const [form, setForm] = useState({
    price: editing ? yuanOf(editing.priceCents) : "",
    units: editing ? editing.totalStock.toString() : "",
    limit: editing ? String(editing.perUserLimit) : "1",
    title: editing?.title ?? "",
    ...times,
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  // What the product has available for the sale: its free stock, plus the
  // units this sale holds already when it is being changed.
  const available = (product.data?.product?.stock ?? 0n) + (editing?.totalStock ?? 0n);
  const problem = action.problem ? { ...action.problem, fields: { ...action.problem.fields, ...local } } : { code: undefined, message: "", fields: local };

  const submit = async (e: SubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    const cents = centsOf(form.price);
    if (cents === undefined) fields.price_cents = t("flash.badPrice");
    const startsAt = fromLocalInput(form.startsAt);
    const endsAt = fromLocalInput(form.endsAt);
    if (startsAt && endsAt && new Date(form.endsAt) <= new Date(form.startsAt)) fields.ends_at = t("flash.badWindow");
    if (!productId) fields.product_id = t("flash.chooseProductFirst");
    setLocal(fields);
    if (Object.keys(fields).length > 0 || cents === undefined) return;
    const stock = BigInt(form.units === "" ? "0" : form.units);
    const perUserLimit = Number(form.limit);
    const ok = await action.run(async () => {
      let eventId: string;
      if (editing) {
        const req = create(UpdateEventRequestSchema, { eventId: editing.eventId, priceCents: cents, stock, perUserLimit, startsAt, endsAt });
        if (form.title.trim() !== "") req.title = form.title.trim();
        eventId = (await updateEvent.mutateAsync(req)).event?.eventId ?? editing.eventId;
      } else {
        const res = await createEvent.mutateAsync({ productId, priceCents: cents, stock, perUserLimit, startsAt, endsAt, title: form.title.trim() });
        eventId = res.event?.eventId ?? "";
      }
      await invalidate(SeckillService, ProductService);
      onSaved(eventId);
    });
    if (!ok) return;
  };

  return (
    <form className="admin-panel admin-form" onSubmit={(e: SubmitEvent<HTMLFormElement>) => void submit(e)} noValidate>
      {local.product_id && <div className="error">{local.product_id}</div>}
      <Field label={t("flash.priceYuan")} path="price_cents" problem={problem} inputMode="decimal" value={form.price} onChange={set("price")} required />
      <Field
        label={t("flash.unitsField")}
        path="stock"
        problem={problem}
        type="number"
        min={1}
        value={form.units}
        onChange={set("units")}
        required
      />
      {productId !== "" && product.data && <small className="muted">{t("flash.unitsHint", { stock: available.toString() })}</small>}
      <Field label={t("flash.perUserLimit")} path="per_user_limit" problem={problem} type="number" min={1} max={100} value={form.limit} onChange={set("limit")} />
      <Field label={t("flash.startsAt")} path="starts_at" problem={problem} type="datetime-local" value={form.startsAt} onChange={set("startsAt")} required />
      <Field label={t("flash.endsAt")} path="ends_at" problem={problem} type="datetime-local" value={form.endsAt} onChange={set("endsAt")} required />
      <Field label={t("flash.saleTitle")} path="title" problem={problem} value={form.title} onChange={set("title")} maxLength={200} />
      <FormProblem problem={action.problem} />
      <div>
        <button type="submit" disabled={action.busy}>
          {editing ? t("flash.saveEdit") : t("flash.saveCreate")}
        </button>
      </div>
    </form>
  );
}
