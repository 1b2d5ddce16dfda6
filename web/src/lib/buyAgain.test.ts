import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ProductSchema, ProductStatus } from "@gen/mall/product/v1/product_pb.js";
import { refused } from "../testing";
import { buyAgain, planBuyAgain, skipOf } from "./buyAgain";

const onSale = (productId: string, stock: bigint) => create(ProductSchema, { productId, status: ProductStatus.ON_SALE, stock });
const line = (productId: string, quantity: number) => ({ productId, title: `title of ${productId}`, quantity });

describe("planBuyAgain", () => {
  it("adds each line as ordered while stock lasts, capped at what is left", () => {
    const plan = planBuyAgain([line("p1", 2), line("p2", 5)], [onSale("p1", 10n), onSale("p2", 3n)]);
    expect(plan.add).toEqual([
      { productId: "p1", quantity: 2 },
      { productId: "p2", quantity: 3 },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it("skips products that are gone, off the shelf or out of stock, saying which and why", () => {
    const offShelf = create(ProductSchema, { productId: "p2", status: ProductStatus.OFF_SHELF, stock: 9n });
    const plan = planBuyAgain([line("p1", 1), line("p2", 1), line("p3", 1), line("p4", 1)], [offShelf, onSale("p3", 0n), onSale("p4", 1n)]);
    expect(plan.add).toEqual([{ productId: "p4", quantity: 1 }]);
    expect(plan.skipped).toEqual([
      { productId: "p1", title: "title of p1", why: "gone" },
      { productId: "p2", title: "title of p2", why: "offShelf" },
      { productId: "p3", title: "title of p3", why: "outOfStock" },
    ]);
  });
});

describe("skipOf", () => {
  it("reads the cart's refusals about the line", () => {
    expect(skipOf(refused(Code.NotFound, "PRODUCT_NOT_FOUND"))).toBe("gone");
    expect(skipOf(refused(Code.FailedPrecondition, "PRODUCT_OFF_SHELF"))).toBe("offShelf");
    expect(skipOf(refused(Code.FailedPrecondition, "CART_QUANTITY_LIMIT"))).toBe("cartLimit");
    expect(skipOf(refused(Code.FailedPrecondition, "CART_FULL"))).toBe("cartLimit");
  });
  it("leaves other failures to be reported", () => {
    expect(skipOf(refused(Code.Unavailable, "PRODUCT_SERVICE_UNAVAILABLE"))).toBeNull();
    expect(skipOf(new Error("network down"))).toBeNull();
  });
});

describe("buyAgain", () => {
  it("asks for the products once and adds the buyable lines, skipping those the cart refuses", async () => {
    const asked: string[][] = [];
    const added: [string, number][] = [];
    const result = await buyAgain([line("p1", 2), line("p2", 1), line("p3", 1), line("p1", 1)], {
      products: (ids) => {
        asked.push(ids);
        return Promise.resolve([onSale("p1", 5n), onSale("p2", 5n)]);
      },
      addItem: (id, quantity) => {
        added.push([id, quantity]);
        return id === "p2" ? Promise.reject(refused(Code.FailedPrecondition, "PRODUCT_OFF_SHELF")) : Promise.resolve({});
      },
    });
    expect(asked).toEqual([["p1", "p2", "p3"]]);
    expect(added).toEqual([
      ["p1", 2],
      ["p2", 1],
      ["p1", 1],
    ]);
    expect(result.added).toEqual(["p1", "p1"]);
    expect(result.skipped).toEqual([
      { productId: "p3", title: "title of p3", why: "gone" },
      { productId: "p2", title: "title of p2", why: "offShelf" },
    ]);
  });

  it("stops at a failure that is not about a line", async () => {
    const down = refused(Code.Unavailable, "UNAVAILABLE");
    const attempt = buyAgain([line("p1", 1), line("p2", 1)], {
      products: () => Promise.resolve([onSale("p1", 5n), onSale("p2", 5n)]),
      addItem: () => Promise.reject(down),
    });
    await expect(attempt).rejects.toBe(down);
  });
});
