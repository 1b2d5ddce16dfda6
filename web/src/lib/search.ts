import { SearchSort } from "@gen/mall/product/v1/product_pb.js";

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
