import { describe, expect, it } from "vitest";
import { SearchSort } from "@gen/mall/search/v1/search_pb.js";
import zhCN from "../locales/zh-CN";
import {
  activeFilters,
  comboKey,
  noFilters,
  priceRangeOf,
  searchParamsOf,
  searchPath,
  searchRequestOf,
  searchSortOf,
  searchSorts,
  searchStateOf,
  yuanParam,
} from "./search";

const url = (query: string) => searchStateOf(new URLSearchParams(query));

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

describe("the search's URL", () => {
  it("holds the query, sort and filters, prices in yuan", () => {
    const s = url("q=+龙井 茶+&sort=price-asc&cat=c01&min=10&max=99.5&stock=1");
    expect(s).toMatchObject({ q: "龙井 茶", categoryId: "c01", min: 1000n, max: 9950n, inStock: true });
    expect(s.sort.sort).toBe(SearchSort.PRICE_ASC);
    expect(searchParamsOf(s).toString()).toBe("q=%E9%BE%99%E4%BA%95+%E8%8C%B6&sort=price-asc&cat=c01&min=10&max=99.5&stock=1");
  });

  it("leaves the defaults out, so a plain search's link is short", () => {
    const s = url("q=tea&sort=relevance&stock=0&cat=");
    expect(s).toMatchObject({ ...noFilters, q: "tea" });
    expect(searchPath(s)).toBe("/search?q=tea");
  });

  it("round-trips every state through the URL", () => {
    for (const query of ["q=a", "q=a&sort=newest&min=0", "q=a&max=0.05&stock=1", "q=a&sort=sales&cat=c05&min=1&max=2"]) {
      expect(searchParamsOf(url(query)).toString(), query).toBe(query);
    }
  });

  it("ignores prices that are none and turns a reversed range round", () => {
    expect(url("q=a&min=abc&max=-1")).toMatchObject({ min: undefined, max: undefined });
    expect(url("q=a&min=50&max=10")).toMatchObject({ min: 1000n, max: 5000n });
  });

  it("writes prices without needless zeros", () => {
    expect([1200n, 1250n, 1205n, 0n, 5n, 10000n].map(yuanParam)).toEqual(["12", "12.5", "12.05", "0", "0.05", "100"]);
  });

  it("is the first page's request, prices set only when bounded", () => {
    expect(searchRequestOf(url("q=龙井&sort=price-desc&cat=c01&min=1&stock=1"))).toEqual({
      query: "龙井",
      sort: SearchSort.PRICE_DESC,
      categoryId: "c01",
      inStockOnly: true,
      pageSize: 20,
      pageToken: "",
      minPriceCents: 100n,
    });
    const plain = searchRequestOf(url("q=tea"));
    expect("minPriceCents" in plain || "maxPriceCents" in plain).toBe(false);
  });

  it("counts the filters set, a price range as one", () => {
    expect(activeFilters(url("q=a"))).toBe(0);
    expect(activeFilters(url("q=a&min=1&max=2"))).toBe(1);
    expect(activeFilters(url("q=a&cat=c01&max=2&stock=1"))).toBe(3);
  });
});

describe("the price filter", () => {
  it("reads yuan as cents, empty as unbounded", () => {
    expect(priceRangeOf("", "")).toEqual({ ok: true, min: undefined, max: undefined });
    expect(priceRangeOf(" 10 ", "99.9")).toEqual({ ok: true, min: 1000n, max: 9990n });
    expect(priceRangeOf("5", "5")).toEqual({ ok: true, min: 500n, max: 500n });
  });

  it("names the field that holds no price", () => {
    expect(priceRangeOf("1.234", "")).toEqual({ ok: false, min: "invalid" });
    expect(priceRangeOf("", "-3")).toEqual({ ok: false, max: "invalid" });
    expect(priceRangeOf("a", "b")).toEqual({ ok: false, min: "invalid", max: "invalid" });
  });

  it("refuses a highest price below the lowest", () => {
    expect(priceRangeOf("100", "99.99")).toEqual({ ok: false, max: "belowMin" });
  });
});

describe("the search box's keys", () => {
  it("move down and up through the options and round through the typed text", () => {
    expect(comboKey("ArrowDown", true, -1, 3)).toEqual({ type: "move", active: 0 });
    expect(comboKey("ArrowDown", true, 1, 3)).toEqual({ type: "move", active: 2 });
    expect(comboKey("ArrowDown", true, 2, 3)).toEqual({ type: "move", active: -1 });
    expect(comboKey("ArrowUp", true, -1, 3)).toEqual({ type: "move", active: 2 });
    expect(comboKey("ArrowUp", true, 0, 3)).toEqual({ type: "move", active: -1 });
  });

  it("open a closed list with Down, and leave an empty one alone", () => {
    expect(comboKey("ArrowDown", false, -1, 3)).toEqual({ type: "open" });
    expect(comboKey("ArrowUp", false, -1, 3)).toEqual({ type: "none" });
    expect(comboKey("ArrowDown", true, -1, 0)).toEqual({ type: "none" });
  });

  it("choose the highlighted option with Enter, else submit what was typed", () => {
    expect(comboKey("Enter", true, 1, 3)).toEqual({ type: "choose", index: 1 });
    expect(comboKey("Enter", true, -1, 3)).toEqual({ type: "none" });
    expect(comboKey("Enter", false, 1, 3)).toEqual({ type: "none" });
    expect(comboKey("Enter", true, 5, 3)).toEqual({ type: "none" });
  });

  it("close the list with Escape, then clear the box", () => {
    expect(comboKey("Escape", true, 0, 3)).toEqual({ type: "close" });
    expect(comboKey("Escape", false, -1, 0)).toEqual({ type: "clear" });
    expect(comboKey("a", true, 0, 3)).toEqual({ type: "none" });
  });
});
