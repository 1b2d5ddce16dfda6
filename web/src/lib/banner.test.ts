import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { BannerSchema } from "@gen/mall/product/v1/product_pb.js";
import { bannerTarget } from "./banner";

describe("bannerTarget", () => {
  it("opens what the banner promotes", () => {
    expect(bannerTarget(create(BannerSchema, { productId: "p0001", linkUrl: "/flash" }))).toBe("/product/p0001");
    expect(bannerTarget(create(BannerSchema, { categoryId: "c02" }))).toBe("/category/c02");
    expect(bannerTarget(create(BannerSchema, { keyword: "龙井 茶&" }))).toBe("/search?q=%E9%BE%99%E4%BA%95%20%E8%8C%B6%26");
    expect(bannerTarget(create(BannerSchema, { linkUrl: "/flash" }))).toBe("/flash");
    expect(bannerTarget(create(BannerSchema, {}))).toBe("/");
  });
});
