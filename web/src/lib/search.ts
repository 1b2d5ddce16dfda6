import type { MessageInitShape } from "@bufbuild/protobuf";
import { SearchSort, type SearchProductsRequestSchema } from "@gen/mall/search/v1/search_pb.js";
import { parseYuan, yuanText } from "./format";

// A search sort's id is its name in the URL (?sort=), as on the category
// page; its label is search.<label> in the texts.
export interface SearchSortTab {
  id: string;
  label: "relevance" | "sales" | "priceAsc" | "priceDesc" | "newest";
  sort: SearchSort;
}

const relevance: SearchSortTab = { id: "relevance", label: "relevance", sort: SearchSort.RELEVANCE };

// searchSorts are the search page's sort tabs, in order: one per SearchSort
// of the contract.
export const searchSorts: SearchSortTab[] = [
  relevance,
  { id: "sales", label: "sales", sort: SearchSort.SALES },
  { id: "price-asc", label: "priceAsc", sort: SearchSort.PRICE_ASC },
  { id: "price-desc", label: "priceDesc", sort: SearchSort.PRICE_DESC },
  { id: "newest", label: "newest", sort: SearchSort.NEWEST },
];

// searchSortOf reads ?sort=; anything else (none, a name from an older
// link) is relevance, the services' default.
export function searchSortOf(id: string | null): SearchSortTab {
  return searchSorts.find((s) => s.id === id) ?? relevance;
}

// SearchFilters narrow a search; prices are in cents, undefined unbounded.
export interface SearchFilters {
  categoryId: string;
  min: bigint | undefined;
  max: bigint | undefined;
  inStock: boolean;
}

// SearchState is what the search page shows, all of it in the URL
// (?q=&sort=&cat=&min=&max=&stock=1, prices in yuan) so that back, forward
// and a shared link show the same search.
export interface SearchState extends SearchFilters {
  q: string;
  sort: SearchSortTab;
}

export const noFilters: SearchFilters = { categoryId: "", min: undefined, max: undefined, inStock: false };

// priceParam reads a price of the URL; a hand-made one that is no price
// is left out rather than refused.
function priceParam(value: string | null): bigint | undefined {
  return (value === null ? null : parseYuan(value)) ?? undefined;
}

// searchStateOf reads the URL's query string. A range given the wrong way
// round is read the right way round: the services would refuse it.
export function searchStateOf(params: URLSearchParams): SearchState {
  let min = priceParam(params.get("min"));
  let max = priceParam(params.get("max"));
  if (min !== undefined && max !== undefined && max < min) [min, max] = [max, min];
  return {
    q: (params.get("q") ?? "").trim(),
    sort: searchSortOf(params.get("sort")),
    categoryId: params.get("cat") ?? "",
    min,
    max,
    inStock: params.get("stock") === "1",
  };
}

// yuanParam is a price as the URL writes it: "12", "12.5", "0.05".
export function yuanParam(cents: bigint): string {
  return yuanText(cents).replace(/\.?0+$/, "");
}

// searchParamsOf is the URL's query string for a state; what is the
// default is left out, so links stay short.
export function searchParamsOf(s: SearchState): URLSearchParams {
  const p = new URLSearchParams();
  p.set("q", s.q);
  if (s.sort.id !== relevance.id) p.set("sort", s.sort.id);
  if (s.categoryId) p.set("cat", s.categoryId);
  if (s.min !== undefined) p.set("min", yuanParam(s.min));
  if (s.max !== undefined) p.set("max", yuanParam(s.max));
  if (s.inStock) p.set("stock", "1");
  return p;
}

// searchPath is the search page's address for a state.
export function searchPath(s: SearchState): string {
  return `/search?${searchParamsOf(s).toString()}`;
}

// A first page's size; later pages follow next_page_token.
export const searchPageSize = 20;

// searchRequestOf is the first page's SearchProducts request for a state.
export function searchRequestOf(s: SearchState): MessageInitShape<typeof SearchProductsRequestSchema> & { pageToken: string } {
  return {
    query: s.q,
    sort: s.sort.sort,
    categoryId: s.categoryId,
    inStockOnly: s.inStock,
    pageSize: searchPageSize,
    pageToken: "",
    ...(s.min !== undefined ? { minPriceCents: s.min } : {}),
    ...(s.max !== undefined ? { maxPriceCents: s.max } : {}),
  };
}

// activeFilters counts the filters set, for the phone's filter button.
export function activeFilters(f: SearchFilters): number {
  return [f.categoryId !== "", f.min !== undefined || f.max !== undefined, f.inStock].filter(Boolean).length;
}

// PriceRange is what the filter form's two price fields hold: cents when
// the range is usable, else the problem of each field.
export type PriceRange =
  | { ok: true; min: bigint | undefined; max: bigint | undefined }
  | { ok: false; min?: "invalid"; max?: "invalid" | "belowMin" };

// priceRangeOf reads the typed lowest and highest prices in yuan (empty:
// unbounded); the highest may not be below the lowest.
export function priceRangeOf(minText: string, maxText: string): PriceRange {
  const min = minText.trim() === "" ? undefined : parseYuan(minText);
  const max = maxText.trim() === "" ? undefined : parseYuan(maxText);
  if (min === null || max === null) {
    return { ok: false, ...(min === null ? { min: "invalid" } : {}), ...(max === null ? { max: "invalid" } : {}) };
  }
  if (min !== undefined && max !== undefined && max < min) return { ok: false, max: "belowMin" };
  return { ok: true, min, max };
}

// ComboAction is what a key pressed in the search box does to its list.
export type ComboAction =
  | { type: "open" }
  | { type: "move"; active: number }
  | { type: "choose"; index: number }
  | { type: "close" }
  | { type: "clear" }
  // The key does what it does in any input (Enter submits what was typed).
  | { type: "none" };

// comboKey maps a key to its action on a list of `count` options of which
// `active` is highlighted (-1: none, the typed text is). Down and Up go
// round through the typed text; Enter chooses the highlighted option;
// Escape closes the list, and once closed clears the box (as in the WAI-ARIA
// combobox pattern).
export function comboKey(key: string, open: boolean, active: number, count: number): ComboAction {
  switch (key) {
    case "ArrowDown":
      if (!open) return { type: "open" };
      if (count === 0) return { type: "none" };
      return { type: "move", active: active >= count - 1 ? -1 : active + 1 };
    case "ArrowUp":
      if (!open || count === 0) return { type: "none" };
      return { type: "move", active: active <= -1 ? count - 1 : active - 1 };
    case "Enter":
      return open && active >= 0 && active < count ? { type: "choose", index: active } : { type: "none" };
    case "Escape":
      return open ? { type: "close" } : { type: "clear" };
    default:
      return { type: "none" };
  }
}
