import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { OrderKind, OrderStatus, RefundState } from "@gen/mall/order/v1/order_pb.js";
import { actionsOf, canShip, filtersFrom, listRequestOf, noFilters, paramsOf, startOfDay, userLogin, workflowLink } from "./filters";

describe("order filters", () => {
  it("round-trip through the address, leaving empty ones out", () => {
    const f = { ...noFilters, status: "PAID", from: "2026-12-01", user: " u-1 " };
    const p = paramsOf(f);
    expect(p.toString()).toBe("status=PAID&from=2026-12-01&user=u-1");
    expect(filtersFrom(p)).toEqual({ ...noFilters, status: "PAID", from: "2026-12-01", user: "u-1" });
  });

  it("become the listing's request, the last day included whole", () => {
    const req = listRequestOf({ ...noFilters, status: "SHIPPED", kind: "FLASH_SALE", from: "2026-12-01", to: "2026-12-03", product: "p0001", orderId: " o-1 " });
    expect(req.statuses).toEqual([OrderStatus.SHIPPED]);
    expect(req.kind).toBe(OrderKind.FLASH_SALE);
    expect(req.productId).toBe("p0001");
    expect(req.orderId).toBe("o-1");
    expect(req.createdAfter && timestampDate(req.createdAfter as never).getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(req.createdBefore && timestampDate(req.createdBefore as never).getTime()).toBe(new Date(2026, 11, 4).getTime());
  });

  it("tell a user id from a username or phone to look up", () => {
    expect(userLogin({ ...noFilters, user: "u-5203ed81-7d78" })).toBe("");
    expect(userLogin({ ...noFilters, user: " han_meimei " })).toBe("han_meimei");
    expect(userLogin({ ...noFilters, user: "13900139000" })).toBe("13900139000");
    expect(userLogin(noFilters)).toBe("");
  });

  it("ignore what they cannot read", () => {
    const req = listRequestOf({ ...noFilters, status: "LOST", kind: "x", from: "1.12.2026", to: "2026-13-45x" });
    expect(req.statuses).toBeUndefined();
    expect(req.kind).toBeUndefined();
    expect(req.createdAfter).toBeUndefined();
    expect(req.createdBefore).toBeUndefined();
    expect(startOfDay("")).toBeUndefined();
  });
});

describe("operator actions", () => {
  it("follow the order's state", () => {
    expect(actionsOf({ status: OrderStatus.PAID, refundState: RefundState.UNSPECIFIED })).toEqual({ ship: true, deliver: false, cancel: false, refund: true });
    expect(actionsOf({ status: OrderStatus.PAID, refundState: RefundState.REQUESTED })).toEqual({ ship: false, deliver: false, cancel: false, refund: false });
    expect(actionsOf({ status: OrderStatus.PENDING_PAYMENT, refundState: RefundState.UNSPECIFIED })).toEqual({ ship: false, deliver: false, cancel: true, refund: false });
    expect(actionsOf({ status: OrderStatus.SHIPPED, refundState: RefundState.UNSPECIFIED })).toEqual({ ship: false, deliver: true, cancel: false, refund: false });
    expect(canShip({ status: OrderStatus.DELIVERED, refundState: RefundState.UNSPECIFIED })).toBe(false);
  });

  it("link workflows to the Temporal UI when there is one", () => {
    expect(workflowLink("http://localhost:8233/", "default", "checkout-o/1")).toBe("http://localhost:8233/namespaces/default/workflows/checkout-o%2F1");
    expect(workflowLink("", "default", "checkout-o1")).toBeNull();
  });
});
