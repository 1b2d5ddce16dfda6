import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { OrderKind, OrderStatus, RefundState, type AdminListOrdersRequestSchema, type Order } from "@gen/mall/order/v1/order_pb.js";

// The order list's filters as the page's address keeps them (?status=PAID
// &from=2026-12-01…), so a filtered list can be linked to and reloaded.
export interface OrderFilters {
  status: string; // an OrderStatus name, or "" for any
  kind: string; // an OrderKind name, or ""
  from: string; // a day (YYYY-MM-DD, the operator's time zone), or ""
  to: string; // the last day shown, or ""
  user: string;
  product: string;
  orderId: string;
}

const fields = ["status", "kind", "from", "to", "user", "product", "orderId"] as const;

export const noFilters: OrderFilters = { status: "", kind: "", from: "", to: "", user: "", product: "", orderId: "" };

// The statuses and kinds a filter may name, in the order the menus list them.
export const statusNames = ["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "COMPLETED", "CANCELLED", "REFUNDED"] as const;
export const kindNames = ["REGULAR", "FLASH_SALE"] as const;

export function filtersFrom(params: URLSearchParams): OrderFilters {
  const f = { ...noFilters };
  for (const k of fields) f[k] = (params.get(k) ?? "").trim();
  return f;
}

// paramsOf is the address's query of filters; empty ones are left out.
export function paramsOf(f: OrderFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of fields) {
    const v = f[k].trim();
    if (v) p.set(k, v);
  }
  return p;
}

const day = /^(\d{4})-(\d{2})-(\d{2})$/;

// startOfDay is the first instant of a YYYY-MM-DD day in the browser's
// time zone (ms), plus `days`; undefined for anything else.
export function startOfDay(s: string, days = 0): number | undefined {
  const m = day.exec(s);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(d.getTime()) ? undefined : d.getTime();
}

// userLogin is the user filter when it names an account by username or
// phone (to be looked up first), or "" when it is a user id or empty: ids
// start with "u-", which neither a username nor a phone number can.
export function userLogin(f: OrderFilters): string {
  const u = f.user.trim();
  return u && !u.startsWith("u-") ? u : "";
}

// listRequestOf is the AdminListOrders filter of f: "to" includes its
// whole day; a status or kind name this SPA does not know filters nothing.
export function listRequestOf(f: OrderFilters): MessageInitShape<typeof AdminListOrdersRequestSchema> {
  const req: MessageInitShape<typeof AdminListOrdersRequestSchema> = {
    userId: f.user.trim(),
    productId: f.product.trim(),
    orderId: f.orderId.trim(),
  };
  const status = statusNames.find((s) => s === f.status);
  if (status) req.statuses = [OrderStatus[status]];
  const kind = kindNames.find((k) => k === f.kind);
  if (kind) req.kind = OrderKind[kind];
  const from = startOfDay(f.from);
  if (from !== undefined) req.createdAfter = timestampFromMs(from);
  const to = startOfDay(f.to, 1);
  if (to !== undefined) req.createdBefore = timestampFromMs(to);
  return req;
}

// canShip tells whether an order may ship: paid, and no refund asked for.
export function canShip(o: Pick<Order, "status" | "refundState">): boolean {
  return o.status === OrderStatus.PAID && o.refundState === RefundState.UNSPECIFIED;
}

export interface AdminActions {
  ship: boolean;
  deliver: boolean;
  // cancel an unpaid order, or refund a paid one that has not shipped
  cancel: boolean;
  refund: boolean;
}

// actionsOf are the operator's actions on an order in its state, as the
// order service allows them.
export function actionsOf(o: Pick<Order, "status" | "refundState">): AdminActions {
  return {
    ship: canShip(o),
    deliver: o.status === OrderStatus.SHIPPED,
    cancel: o.status === OrderStatus.PENDING_PAYMENT,
    refund: canShip(o),
  };
}

// workflowLink is where the Temporal Web UI shows a workflow, or null when
// no UI is configured.
export function workflowLink(ui: string, namespace: string, workflowId: string): string | null {
  if (!ui || !namespace) return null;
  return `${ui.replace(/\/+$/, "")}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
