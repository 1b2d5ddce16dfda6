import type { Banner } from "@gen/mall/product/v1/product_pb.js";

// bannerTarget is where a click on a banner goes: the product, category or
// search it promotes, else its campaign link, else the home page.
export function bannerTarget(b: Pick<Banner, "productId" | "categoryId" | "keyword" | "linkUrl">): string {
  if (b.productId) return `/product/${encodeURIComponent(b.productId)}`;
  if (b.categoryId) return `/category/${encodeURIComponent(b.categoryId)}`;
  if (b.keyword) return `/search?q=${encodeURIComponent(b.keyword)}`;
  return b.linkUrl || "/";
}
