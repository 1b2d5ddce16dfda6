import { OrderKind, OrderStatus, type Order } from "@gen/mall/order/v1/order_pb.js";

export type OrderTab = "pending" | "paid" | "shipped" | "review" | "all";

export const orderTabs: { id: OrderTab; label: string }[] = [
  { id: "pending", label: "To pay" },
  { id: "paid", label: "Paid" },
  { id: "shipped", label: "Shipped" },
  { id: "review", label: "To review" },
  { id: "all", label: "All" },
];

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
  return orderTabs.some((t) => t.id === s);
}

// A status newer than this SPA has no label: it shows as "Unknown".
const labels: Partial<Record<OrderStatus, string>> = {
  [OrderStatus.UNSPECIFIED]: "Unknown",
  [OrderStatus.PENDING_PAYMENT]: "Pending payment",
  [OrderStatus.PAID]: "Paid",
  [OrderStatus.SHIPPED]: "Shipped",
  [OrderStatus.DELIVERED]: "Delivered",
  [OrderStatus.COMPLETED]: "Completed",
  [OrderStatus.CANCELLED]: "Cancelled",
  [OrderStatus.REFUNDED]: "Refunded",
};

export function statusLabel(s: OrderStatus): string {
  return labels[s] ?? "Unknown";
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
