import { skipToken, useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { OrderKind, OrderService, OrderStatus, RefundState, type Order } from "@gen/mall/order/v1/order_pb.js";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../../components/QueryView";
import { ErrorBox, When } from "../../components/ui";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { BulkShipDialog } from "./BulkShipDialog";
import { canShip, filtersFrom, kindNames, listRequestOf, noFilters, paramsOf, statusNames, userLogin, type OrderFilters } from "./filters";

const pageSize = 20;

// OrdersPage lists every buyer's orders, newest first, with the filters in
// the address; paid orders can be picked and shipped together.
export function OrdersPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("orders.title"));
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  // A username or phone in the user filter names the account to list.
  const login = userLogin(filters);
  const account = useQuery(UserService.method.adminFindUser, login ? { login } : skipToken, { retry: false });
  const userId = login ? account.data?.user?.userId : filters.user;
  const q = useInfiniteQuery(
    OrderService.method.adminListOrders,
    userId === undefined ? skipToken : { ...listRequestOf(filters), userId, pageSize, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const [selected, setSelected] = useState<string[]>([]);
  const [shipping, setShipping] = useState(false);
  const orders = q.data?.pages.flatMap((p) => p.orders) ?? [];
  const shippable = orders.filter(canShip).map((o) => o.orderId);
  const picked = selected.filter((id) => shippable.includes(id));

  return (
    <section>
      <h1>{t("orders.title")}</h1>
      <Filters
        key={params.toString()}
        initial={filters}
        onApply={(f) => {
          setSelected([]);
          setParams(paramsOf(f));
        }}
      />
      <div className="admin-toolbar">
        <span className="muted" role="status">
          {t("orders.selected", { count: picked.length })}
        </span>
        <button type="button" disabled={picked.length === 0} onClick={() => setShipping(true)}>
          {t("orders.bulkShip")}
        </button>
        <button type="button" className="secondary" onClick={() => void q.refetch()}>
          {t("common.refresh")}
        </button>
      </div>
      {account.isError ? (
        <ErrorBox error={account.error} />
      ) : (
        <QueryView query={q} isEmpty={() => orders.length === 0} empty={t("orders.empty")}>
        {() => (
          <OrderTable
            orders={orders}
            selected={picked}
            shippable={shippable}
            onSelect={(ids, on) => setSelected((s) => (on ? [...new Set([...s, ...ids])] : s.filter((id) => !ids.includes(id))))}
          />
          )}
        </QueryView>
      )}
      {q.hasNextPage && (
        <p>
          <button type="button" className="secondary" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            {t("common.loadMore")}
          </button>
        </p>
      )}
      {q.isFetchNextPageError && <ErrorBox error={q.error} retry={() => void q.fetchNextPage()} />}
      {shipping && (
        <BulkShipDialog
          orderIds={picked}
          onClose={(shipped) => {
            setShipping(false);
            if (shipped.length > 0) setSelected((s) => s.filter((id) => !shipped.includes(id)));
          }}
        />
      )}
    </section>
  );
}

// Filters is the filter form; it applies when submitted, so typing an id
// does not list orders on every key.
function Filters({ initial, onApply }: { initial: OrderFilters; onApply: (f: OrderFilters) => void }) {
  const { t } = useTranslation("admin");
  const [f, setF] = useState(initial);
  const set = (k: keyof OrderFilters) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setF((old) => ({ ...old, [k]: value }));
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    onApply(f);
  };
  return (
    <form className="admin-toolbar" aria-label={t("orders.filters")} onSubmit={submit}>
      <label>
        {t("orders.status")}
        <select name="status" value={f.status} onChange={set("status")}>
          <option value="">{t("orders.anyStatus")}</option>
          {statusNames.map((s) => (
            <option key={s} value={s}>
              {t(`orders.statusName.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("orders.kind")}
        <select name="kind" value={f.kind} onChange={set("kind")}>
          <option value="">{t("orders.anyKind")}</option>
          {kindNames.map((k) => (
            <option key={k} value={k}>
              {t(`orders.kindName.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("orders.from")}
        <input type="date" name="from" value={f.from} onChange={set("from")} />
      </label>
      <label>
        {t("orders.to")}
        <input type="date" name="to" value={f.to} onChange={set("to")} />
      </label>
      <label>
        {t("orders.user")}
        <input name="user" value={f.user} maxLength={64} onChange={set("user")} autoComplete="off" />
      </label>
      <label>
        {t("orders.product")}
        <input name="product" value={f.product} maxLength={64} onChange={set("product")} autoComplete="off" />
      </label>
      <label>
        {t("orders.orderId")}
        <input name="orderId" type="search" value={f.orderId} maxLength={64} onChange={set("orderId")} autoComplete="off" />
      </label>
      <button type="submit">{t("common.search")}</button>
      <button type="button" className="secondary" onClick={() => onApply(noFilters)}>
        {t("common.reset")}
      </button>
    </form>
  );
}

function OrderTable({
  orders,
  selected,
  shippable,
  onSelect,
}: {
  orders: Order[];
  selected: string[];
  shippable: string[];
  onSelect: (ids: string[], on: boolean) => void;
}) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const all = shippable.length > 0 && shippable.every((id) => selected.includes(id));
  return (
    <table className="admin-table admin-orders">
      <thead>
        <tr>
          <th>
            <label className="admin-check">
              <input
                type="checkbox"
                aria-label={t("orders.selectAll")}
                checked={all}
                disabled={shippable.length === 0}
                onChange={(e) => onSelect(shippable, e.currentTarget.checked)}
              />
            </label>
          </th>
          <th>{t("orders.orderId")}</th>
          <th>{t("orders.created")}</th>
          <th>{t("orders.buyer")}</th>
          <th>{t("orders.status")}</th>
          <th>{t("orders.lines")}</th>
          <th className="num">{t("orders.total")}</th>
        </tr>
      </thead>
      <tbody>
        {orders.map((o) => (
          <tr key={o.orderId} data-order={o.orderId}>
            <td data-label={t("common.actions")}>
              <label className="admin-check">
                <input
                  type="checkbox"
                  aria-label={t("orders.select", { id: o.orderId })}
                  checked={selected.includes(o.orderId)}
                  disabled={!shippable.includes(o.orderId)}
                  onChange={(e) => onSelect([o.orderId], e.currentTarget.checked)}
                />
              </label>
            </td>
            <td data-label={t("orders.orderId")}>
              <Link to={`/admin/orders/${encodeURIComponent(o.orderId)}`} className="mono" translate="no">
                {o.orderId}
              </Link>
              {o.kind === OrderKind.FLASH_SALE && <span className="admin-badge warn">{t("orders.kindName.FLASH_SALE")}</span>}
            </td>
            <td data-label={t("orders.created")}>
              <When at={o.createdAt} />
            </td>
            <td data-label={t("orders.buyer")} className="mono" translate="no">
              {o.userId}
            </td>
            <td data-label={t("orders.status")}>
              <OrderStatusBadge order={o} />
            </td>
            <td data-label={t("orders.lines")} translate="no">
              {linesSummary(o, t)}
            </td>
            <td data-label={t("orders.total")} className="num">
              {money(o.totalCents, lang)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function linesSummary(o: Order, t: ReturnType<typeof useTranslation<"admin">>["t"]): string {
  const first = o.lines[0];
  if (!first) return "";
  const units = o.lines.reduce((n, l) => n + l.quantity, 0);
  return o.lines.length === 1 ? `${first.title} × ${first.quantity}` : t("orders.linesSummary", { title: first.title, count: units });
}

const badgeTone: Partial<Record<OrderStatus, string>> = {
  [OrderStatus.PAID]: "warn",
  [OrderStatus.SHIPPED]: "ok",
  [OrderStatus.DELIVERED]: "ok",
  [OrderStatus.COMPLETED]: "ok",
  [OrderStatus.CANCELLED]: "",
  [OrderStatus.REFUNDED]: "",
};

// OrderStatusBadge names an order's status, and where its refund stands
// when one was asked for.
export function OrderStatusBadge({ order }: { order: Pick<Order, "status" | "refundState"> }) {
  const { t } = useTranslation("admin");
  const name = statusNames.find((s) => OrderStatus[s] === order.status) ?? "UNSPECIFIED";
  const refund = refundNames.find((r) => RefundState[r] === order.refundState);
  return (
    <span className="admin-status" data-status={name}>
      <span className={`admin-badge ${badgeTone[order.status] ?? ""}`}>{t(`orders.statusName.${name}`)}</span>
      {refund && order.status === OrderStatus.PAID && (
        <span className={`admin-badge ${refund === "REFUSED" ? "bad" : "warn"}`} data-refund={refund}>
          {t(`orders.refundName.${refund}`)}
        </span>
      )}
    </span>
  );
}

const refundNames = ["REQUESTED", "REFUNDED", "REFUSED"] as const;
