import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { CategorySchema } from "@gen/mall/product/v1/product_pb.js";
import { treeRows } from "../../lib/categories";
import { descendantsOf, fromLocalInput, localInput, moved } from "./forms";

const cat = (categoryId: string, parentId = "", sortOrder = 0) => create(CategorySchema, { categoryId, parentId, sortOrder, name: categoryId });

describe("times", () => {
  it("round-trips a datetime-local value", () => {
    const ts = fromLocalInput("2030-01-02T03:04");
    expect(ts && localInput(ts)).toBe("2030-01-02T03:04");
    expect(ts && new Date(timestampMs(ts)).getMinutes()).toBe(4);
    expect(fromLocalInput("")).toBeUndefined();
    expect(localInput(undefined)).toBe("");
  });
});

describe("the category tree", () => {
  const all = [cat("b", "a", 2), cat("a"), cat("c", "a", 1), cat("d", "c"), cat("z"), cat("orphan", "gone")];
  it("lists parents before their children, siblings by sort order", () => {
    expect(treeRows(all).map((r) => `${r.depth}${r.category.categoryId}`)).toEqual(["0a", "1c", "2d", "1b", "0orphan", "0z"]);
  });
  it("knows where a category cannot move", () => {
    expect([...descendantsOf(all, "a")].sort()).toEqual(["a", "b", "c", "d"]);
    expect([...descendantsOf(all, "d")]).toEqual(["d"]);
  });
});

describe("moved", () => {
  it("moves one place up or down and stops at the ends", () => {
    expect(moved(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moved(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
    expect(moved(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moved(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });
});
