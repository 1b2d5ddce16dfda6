import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { OrderKind, OrderStatus, RefundState, type CountOrdersResponse, type Order } from "@gen/mall/order/v1/order_pb.js";

export type OrderTab = "pending" | "paid" | "shipped" | "review" | "refund" | "all";

// orderTabs are the tabs of the orders page, in order; their labels are
// orderTabs.<id> in the texts. "refund" is the after-sale tab (售后): the
// orders with a refund, whatever their status.
export const orderTabs: OrderTab[] = ["pending", "paid", "shipped", "review", "refund", "all"];

// statusesOf is the ListOrders filter of a tab. "To review" lists delivered
// and completed orders; the page then hides those whose lines all have a
// review (GetReviewStatus).
export function statusesOf(tab: OrderTab): OrderStatus[] {
  switch (tab) {
    case "pending":
      return [OrderStatus.PENDING_PAYMENT];
    case "paid":
      return [OrderStatus.PAID];
    case "shipped":
      return [OrderStatus.SHIPPED];
    case "review":
      return [OrderStatus.DELIVERED, OrderStatus.COMPLETED];
    case "refund":
    case "all":
      return [];
  }
}

// listFilterOf is the ListOrders request of a tab's first page.
export function listFilterOf(tab: OrderTab): { statuses: OrderStatus[]; withRefund: boolean } {
  return { statuses: statusesOf(tab), withRefund: tab === "refund" };
}

// countOf is the number shown on a tab, from CountOrders; undefined where
// no count says it. "To review" has none: CountOrders counts delivered and
// completed orders, reviewed or not, and the tab lists only those with a
// line left to review.
export function countOf(tab: OrderTab, c: CountOrdersResponse | undefined): bigint | undefined {
  if (!c) return undefined;
  switch (tab) {
    case "pending":
      return c.pendingPayment;
    case "paid":
      return c.paid;
    case "shipped":
      return c.shipped;
    case "review":
      return undefined;
    case "refund":
      return c.withRefund;
    case "all":
      return c.total;
  }
}

// badgeText is a count as a tab shows it: nothing for none, 99+ past 99
// (a tab stays one line wide on a phone).
export function badgeText(n: bigint | undefined): string {
  if (n === undefined || n <= 0n) return "";
  return n > 99n ? "99+" : n.toString();
}

export function isOrderTab(s: string | null): s is OrderTab {
  return orderTabs.some((t) => t === s);
}

export type StatusName = Exclude<keyof typeof OrderStatus, number>;

const known = new Set<OrderStatus>(Object.values(OrderStatus).filter((v) => typeof v === "number"));

// statusName names a status for its label (orderStatus.<name> in the
// texts); a status newer than this SPA is UNSPECIFIED ("Unknown").
export function statusName(s: OrderStatus): StatusName {
  return known.has(s) ? (OrderStatus[s] as StatusName) : "UNSPECIFIED";
}

export interface OrderActions {
  pay: boolean;
  cancel: boolean;
  confirm: boolean;
  review: boolean;
}

// actionsOf says what the buyer may do with an order now; the services
// enforce the same rules, this only decides which buttons to show.
export function actionsOf(o: Pick<Order, "status" | "kind" | "refundRequestedAt">): OrderActions {
  const s = o.status;
  return {
    pay: s === OrderStatus.PENDING_PAYMENT,
    // An unpaid order is cancelled through its checkout saga, which a flash
    // order does not have (it expires instead); a paid order can be cancelled
    // (refunded) until it ships, once.
    cancel:
      (s === OrderStatus.PENDING_PAYMENT && o.kind !== OrderKind.FLASH_SALE) ||
      (s === OrderStatus.PAID && !o.refundRequestedAt),
    confirm: s === OrderStatus.DELIVERED,
    review: s === OrderStatus.DELIVERED || s === OrderStatus.COMPLETED,
  };
}

// unreviewedLines lists the product ids of an order that have no review yet.
export function unreviewedLines(o: Pick<Order, "orderId" | "lines">, reviewed: { orderId: string; productId: string }[]): string[] {
  const done = new Set(reviewed.filter((r) => r.orderId === o.orderId).map((r) => r.productId));
  return o.lines.map((l) => l.productId).filter((id) => !done.has(id));
}

// Statuses an order's lines can be bought again from: it reached the buyer,
// or it will not (cancelled, refunded).
const buyAgainFrom = new Set([OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED]);

// canBuyAgain says whether an order offers "buy again" (its lines into the
// cart).
export function canBuyAgain(o: Pick<Order, "status">): boolean {
  return buyAgainFrom.has(o.status);
}

// refetchEvery is how often (ms) a page showing an order asks for it again,
// or false: only while the order is about to change by itself. That is a
// payment the shopper made on the provider's page (`paymentStarted`) that
// the mall has not recorded yet, or a refund under way; once the order
// settles, asking stops.
export function refetchEvery(o: Pick<Order, "status" | "refundState"> | undefined, paymentStarted: boolean): number | false {
  if (!o) return false;
  if (o.status === OrderStatus.PENDING_PAYMENT && paymentStarted) return 2000;
  // A refused refund waits for customer service, not for the provider.
  if (o.status === OrderStatus.PAID && o.refundState === RefundState.REQUESTED) return 3000;
  return false;
}

export type RefundName = "requested" | "refunded" | "refused" | "unknown";

export interface RefundProgress {
  // refund.<name> in the texts: 退款中, 已退款, 退款被拒.
  name: RefundName;
  cents: bigint;
  // When it got where it is: asked for, refunded, refused.
  at: Timestamp | undefined;
}

// refundOf is where an order's refund stands, or null when none was asked
// for; a state newer than this SPA reads as "unknown" (after-sale, no
// verdict named).
export function refundOf(
  o: Pick<Order, "refundState" | "refundCents" | "refundRequestedAt" | "refundedAt" | "refundRefusedAt">,
): RefundProgress | null {
  const cents = o.refundCents;
  switch (o.refundState) {
    case RefundState.UNSPECIFIED:
      return null;
    case RefundState.REQUESTED:
      return { name: "requested", cents, at: o.refundRequestedAt };
    case RefundState.REFUNDED:
      return { name: "refunded", cents, at: o.refundedAt ?? o.refundRequestedAt };
    case RefundState.REFUSED:
      return { name: "refused", cents, at: o.refundRefusedAt ?? o.refundRequestedAt };
    default:
      return { name: "unknown", cents, at: o.refundRequestedAt };
  }
}

// paymentStartedBy reads the status the provider's page sends the shopper
// back with (?status=): a charge approved or still being settled means the
// order is about to be paid; a declined or cancelled one does not.
export function paymentStartedBy(returned: string | null): boolean {
  return returned === "succeeded" || returned === "pending";
}
