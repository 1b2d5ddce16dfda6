import { timestampNow } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { OrderKind, OrderStatus } from "@gen/mall/order/v1/order_pb.js";
import { actionsOf, canBuyAgain, isOrderTab, paymentStartedBy, refetchEvery, statusesOf, statusName, unreviewedLines } from "./orders";

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
  const refund = timestampNow();
  it("asks again while a payment made on the provider's page is not recorded", () => {
    expect(refetchEvery({ status: OrderStatus.PENDING_PAYMENT }, true)).toBe(2000);
  });
  it("leaves an unpaid order alone when no payment was made", () => {
    expect(refetchEvery({ status: OrderStatus.PENDING_PAYMENT }, false)).toBe(false);
  });
  it("asks again while a refund is under way, whatever the return status says", () => {
    expect(refetchEvery({ status: OrderStatus.PAID, refundRequestedAt: refund }, false)).toBe(3000);
    expect(refetchEvery({ status: OrderStatus.PAID, refundRequestedAt: refund }, true)).toBe(3000);
  });
  it("stops once the order has settled", () => {
    expect(refetchEvery({ status: OrderStatus.PAID }, true)).toBe(false);
    expect(refetchEvery({ status: OrderStatus.REFUNDED, refundRequestedAt: refund }, false)).toBe(false);
    expect(refetchEvery({ status: OrderStatus.CANCELLED }, true)).toBe(false);
    expect(refetchEvery(undefined, true)).toBe(false);
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
