import { describe, expect, it } from "vitest";
import { SearchSort } from "@gen/mall/product/v1/product_pb.js";
import zhCN from "../locales/zh-CN";
import { searchSortOf, searchSorts } from "./search";

describe("search sorts", () => {
  it("offer every order of the contract once, each with a text", () => {
    const contract = Object.values(SearchSort).filter((v) => typeof v === "number" && v !== SearchSort.UNSPECIFIED);
    expect(searchSorts.map((s) => s.sort).sort()).toEqual(contract.sort());
    expect(new Set(searchSorts.map((s) => s.id)).size).toBe(searchSorts.length);
    for (const s of searchSorts) expect(Object.hasOwn(zhCN.search, s.label), s.label).toBe(true);
  });

  it("read the URL's sort, and anything else as relevance", () => {
    expect(searchSortOf("price-asc").sort).toBe(SearchSort.PRICE_ASC);
    expect(searchSortOf("newest").sort).toBe(SearchSort.NEWEST);
    expect(searchSortOf(null).sort).toBe(SearchSort.RELEVANCE);
    expect(searchSortOf("PRICE_ASC").sort).toBe(SearchSort.RELEVANCE);
  });
});
