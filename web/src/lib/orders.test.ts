import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { CountOrdersResponseSchema, OrderKind, OrderStatus, RefundState } from "@gen/mall/order/v1/order_pb.js";
import { i18n } from "./i18n";
import {
  actionsOf,
  badgeText,
  canBuyAgain,
  countOf,
  isOrderTab,
  listFilterOf,
  orderTabs,
  paymentStartedBy,
  refetchEvery,
  refundOf,
  statusesOf,
  statusName,
  unreviewedLines,
} from "./orders";

describe("order tabs", () => {
  it("filter by the statuses the tab names", () => {
    expect(statusesOf("pending")).toEqual([OrderStatus.PENDING_PAYMENT]);
    expect(statusesOf("review")).toEqual([OrderStatus.DELIVERED, OrderStatus.COMPLETED]);
    expect(statusesOf("all")).toEqual([]);
  });
  it("accept only known tab names from the URL", () => {
    expect(isOrderTab("paid")).toBe(true);
    expect(isOrderTab("PAID")).toBe(false);
    expect(isOrderTab(null)).toBe(false);
  });
});

describe("statusName", () => {
  it("names a status for its label, and a status newer than the SPA as unspecified", () => {
    expect(statusName(OrderStatus.PENDING_PAYMENT)).toBe("PENDING_PAYMENT");
    expect(statusName(OrderStatus.REFUNDED)).toBe("REFUNDED");
    expect(statusName(99 as unknown as OrderStatus)).toBe("UNSPECIFIED");
  });
});

describe("actionsOf", () => {
  const regular = OrderKind.REGULAR;
  it("offers pay and cancel while unpaid", () => {
    expect(actionsOf({ status: OrderStatus.PENDING_PAYMENT, kind: regular })).toEqual({
      pay: true,
      cancel: true,
      confirm: false,
      review: false,
    });
  });
  it("does not cancel an unpaid flash order (it expires by itself)", () => {
    expect(actionsOf({ status: OrderStatus.PENDING_PAYMENT, kind: OrderKind.FLASH_SALE }).cancel).toBe(false);
  });
  it("cancels a paid order once", () => {
    expect(actionsOf({ status: OrderStatus.PAID, kind: regular }).cancel).toBe(true);
    expect(actionsOf({ status: OrderStatus.PAID, kind: regular, refundRequestedAt: timestampNow() }).cancel).toBe(false);
  });
  it("confirms a delivered order and reviews finished ones", () => {
    expect(actionsOf({ status: OrderStatus.SHIPPED, kind: regular }).confirm).toBe(false);
    expect(actionsOf({ status: OrderStatus.DELIVERED, kind: regular })).toMatchObject({ confirm: true, review: true });
    expect(actionsOf({ status: OrderStatus.COMPLETED, kind: regular })).toMatchObject({ confirm: false, review: true, cancel: false });
  });
});

describe("unreviewedLines", () => {
  it("leaves out the lines reviewed in this order only", () => {
    const order = { orderId: "o1", lines: [{ productId: "p1" }, { productId: "p2" }] } as never;
    const reviewed = [
      { orderId: "o1", productId: "p1" },
      { orderId: "o2", productId: "p2" },
    ];
    expect(unreviewedLines(order, reviewed)).toEqual(["p2"]);
  });
});

describe("canBuyAgain", () => {
  it("is offered once the order reached the buyer or never will", () => {
    for (const s of [OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED]) {
      expect(canBuyAgain({ status: s }), OrderStatus[s]).toBe(true);
    }
    for (const s of [OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.UNSPECIFIED]) {
      expect(canBuyAgain({ status: s }), OrderStatus[s]).toBe(false);
    }
  });
});

describe("refetchEvery", () => {
  const none = RefundState.UNSPECIFIED;
  it("asks again while a payment made on the provider's page is not recorded", () => {
    expect(refetchEvery({ status: OrderStatus.PENDING_PAYMENT, refundState: none }, true)).toBe(2000);
  });
  it("leaves an unpaid order alone when no payment was made", () => {
    expect(refetchEvery({ status: OrderStatus.PENDING_PAYMENT, refundState: none }, false)).toBe(false);
  });
  it("asks again while a refund is under way, whatever the return status says", () => {
    expect(refetchEvery({ status: OrderStatus.PAID, refundState: RefundState.REQUESTED }, false)).toBe(3000);
    expect(refetchEvery({ status: OrderStatus.PAID, refundState: RefundState.REQUESTED }, true)).toBe(3000);
  });
  it("stops once the order has settled, or its refund waits for customer service", () => {
    expect(refetchEvery({ status: OrderStatus.PAID, refundState: none }, true)).toBe(false);
    expect(refetchEvery({ status: OrderStatus.PAID, refundState: RefundState.REFUSED }, false)).toBe(false);
    expect(refetchEvery({ status: OrderStatus.REFUNDED, refundState: RefundState.REFUNDED }, false)).toBe(false);
    expect(refetchEvery({ status: OrderStatus.CANCELLED, refundState: none }, true)).toBe(false);
    expect(refetchEvery(undefined, true)).toBe(false);
  });
});

describe("tab counts", () => {
  const counts = create(CountOrdersResponseSchema, {
    pendingPayment: 3n,
    paid: 1n,
    shipped: 0n,
    delivered: 2n,
    completed: 5n,
    cancelled: 4n,
    refunded: 1n,
    withRefund: 2n,
    total: 16n,
  });
  it("show on each tab the count of what the tab lists", () => {
    expect(Object.fromEntries(orderTabs.map((tab) => [tab, countOf(tab, counts)]))).toEqual({
      pending: 3n,
      paid: 1n,
      shipped: 0n,
      // Delivered and completed orders are not all still to review.
      review: undefined,
      refund: 2n,
      all: 16n,
    });
    expect(countOf("pending", undefined)).toBeUndefined();
  });
  it("are worded as a badge: nothing for none, 99+ past 99", () => {
    expect(badgeText(undefined)).toBe("");
    expect(badgeText(0n)).toBe("");
    expect(badgeText(3n)).toBe("3");
    expect(badgeText(99n)).toBe("99");
    expect(badgeText(100n)).toBe("99+");
  });
  it("go with the after-sale tab's filter: orders with a refund, of any status", () => {
    expect(listFilterOf("refund")).toEqual({ statuses: [], withRefund: true });
    expect(listFilterOf("paid")).toEqual({ statuses: [OrderStatus.PAID], withRefund: false });
    expect(isOrderTab("refund")).toBe(true);
  });
});

describe("refundOf", () => {
  const at = (seconds: bigint) => timestampFromMs(Number(seconds) * 1000);
  const order = {
    refundCents: 9900n,
    refundRequestedAt: at(100n),
    refundedAt: at(200n),
    refundRefusedAt: at(300n),
  };
  it("is nothing when no refund was asked for", () => {
    expect(refundOf({ ...order, refundState: RefundState.UNSPECIFIED })).toBeNull();
  });
  it("names where the refund stands, how much and since when", () => {
    expect(refundOf({ ...order, refundState: RefundState.REQUESTED })).toEqual({ name: "requested", cents: 9900n, at: at(100n) });
    expect(refundOf({ ...order, refundState: RefundState.REFUNDED })).toEqual({ name: "refunded", cents: 9900n, at: at(200n) });
    expect(refundOf({ ...order, refundState: RefundState.REFUSED })).toEqual({ name: "refused", cents: 9900n, at: at(300n) });
  });
  it("reads a state newer than the SPA as unknown, since the request", () => {
    expect(refundOf({ ...order, refundState: 9 as unknown as RefundState })).toEqual({ name: "unknown", cents: 9900n, at: at(100n) });
  });
  it("words each state in both languages", () => {
    const texts = (lang: string) => {
      const t = i18n.getFixedT(lang);
      return [RefundState.REQUESTED, RefundState.REFUNDED, RefundState.REFUSED].map((s) => {
        const r = refundOf({ ...order, refundState: s });
        return r && t(`refund.${r.name}`);
      });
    };
    expect(texts("zh-CN")).toEqual(["退款中", "已退款", "退款被拒"]);
    expect(texts("en")).toEqual(["Refund in progress", "Refunded", "Refund refused"]);
  });
});

describe("paymentStartedBy", () => {
  it("takes an approved or pending charge as a payment on its way", () => {
    expect(paymentStartedBy("succeeded")).toBe(true);
    expect(paymentStartedBy("pending")).toBe(true);
  });
  it("takes anything else as no payment", () => {
    expect(paymentStartedBy("declined")).toBe(false);
    expect(paymentStartedBy("cancelled")).toBe(false);
    expect(paymentStartedBy(null)).toBe(false);
  });
});
