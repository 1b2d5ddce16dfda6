import { OrderKind, OrderStatus, type Order } from "@gen/mall/order/v1/order_pb.js";

export type OrderTab = "pending" | "paid" | "shipped" | "review" | "all";

// orderTabs are the tabs of the orders page, in order; their labels are
// orderTabs.<id> in the texts.
export const orderTabs: OrderTab[] = ["pending", "paid", "shipped", "review", "all"];

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
    case "all":
      return [];
  }
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
export function refetchEvery(o: Pick<Order, "status" | "refundRequestedAt"> | undefined, paymentStarted: boolean): number | false {
  if (!o) return false;
  if (o.status === OrderStatus.PENDING_PAYMENT && paymentStarted) return 2000;
  if (o.status === OrderStatus.PAID && o.refundRequestedAt) return 3000;
  return false;
}

// paymentStartedBy reads the status the provider's page sends the shopper
// back with (?status=): a charge approved or still being settled means the
// order is about to be paid; a declined or cancelled one does not.
export function paymentStartedBy(returned: string | null): boolean {
  return returned === "succeeded" || returned === "pending";
}
