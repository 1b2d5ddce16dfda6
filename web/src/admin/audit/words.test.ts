import { describe, expect, it } from "vitest";
import { codeName, isAuditAction, splitTarget } from "./words";

describe("splitTarget", () => {
  it("names the kind of target apart from its ids, the longest kind first", () => {
    expect(splitTarget("order o-1")).toEqual({ kind: "order", ids: "o-1" });
    expect(splitTarget("orders o-1, o-2")).toEqual({ kind: "orders", ids: "o-1, o-2" });
    expect(splitTarget("product image pi-1")).toEqual({ kind: "productImage", ids: "pi-1" });
    expect(splitTarget("flash sale ev-1")).toEqual({ kind: "flashSale", ids: "ev-1" });
    expect(splitTarget("banner order")).toEqual({ kind: "bannerOrder", ids: "" });
  });

  it("leaves a target of another form as it is", () => {
    expect(splitTarget("something else")).toEqual({ kind: null, ids: "something else" });
    expect(splitTarget("orderly o-1")).toEqual({ kind: null, ids: "orderly o-1" });
  });
});

describe("codeName", () => {
  it("turns a recorded code into the name of its text", () => {
    expect(codeName("failed_precondition")).toBe("FailedPrecondition");
    expect(codeName("not_found")).toBe("NotFound");
  });
});

describe("isAuditAction", () => {
  it("knows the console's actions and nothing else", () => {
    expect(isAuditAction("ShipOrder")).toBe(true);
    expect(isAuditAction("toString")).toBe(false);
  });
});
