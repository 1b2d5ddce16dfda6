import type { Category } from "@gen/mall/product/v1/product_pb.js";

// TreeRow is a category with how deep it sits (0 for a root).
export interface TreeRow {
  category: Category;
  depth: number;
}

// treeRows orders categories depth first, each parent followed by its
// children by sort order, so a list reads as the tree; a category whose
// parent is missing counts as a root.
export function treeRows(categories: Category[]): TreeRow[] {
  const known = new Set(categories.map((c) => c.categoryId));
  const children = new Map<string, Category[]>();
  for (const c of categories) {
    const parent = known.has(c.parentId) ? c.parentId : "";
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const out: TreeRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.sortOrder - b.sortOrder || a.categoryId.localeCompare(b.categoryId));
    for (const c of list) {
      if (seen.has(c.categoryId)) continue;
      seen.add(c.categoryId);
      out.push({ category: c, depth });
      walk(c.categoryId, depth + 1);
    }
  };
  walk("", 0);
  return out;
}
