import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Category } from "@gen/mall/product/v1/product_pb.js";

// The catalog forms' conversions between what an operator types and what
// the contract carries, and the category tree as the console shows it.

// parseYuan reads a price typed in yuan ("12", "12.5", "12.50") as cents;
// null for anything else (a third decimal, a sign, letters).
export function parseYuan(text: string): bigint | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return BigInt(m[1] ?? "0") * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
}

// yuanText is cents as the price field shows them ("12.50").
export function yuanText(cents: bigint): string {
  const whole = cents / 100n;
  const rest = cents % 100n;
  return `${whole}.${rest.toString().padStart(2, "0")}`;
}

// localInput is a time as a datetime-local input holds it, in the
// browser's time zone ("2026-12-03T09:30").
export function localInput(ts: Timestamp | undefined): string {
  if (!ts) return "";
  const d = new Date(timestampMs(ts));
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// fromLocalInput is a datetime-local input's value as a time; undefined
// when it is empty or no time.
export function fromLocalInput(value: string): Timestamp | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : timestampFromMs(ms);
}

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

// descendantsOf is id and every category below it: the parents a
// category cannot move under.
export function descendantsOf(categories: Category[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of categories) {
      if (out.has(c.parentId) && !out.has(c.categoryId)) {
        out.add(c.categoryId);
        grew = true;
      }
    }
  }
  return out;
}

// moved is ids with the one at `from` moved by `by` places (-1 up, +1
// down), unchanged at either end.
export function moved(ids: string[], from: number, by: number): string[] {
  const to = from + by;
  if (from < 0 || from >= ids.length || to < 0 || to >= ids.length) return ids;
  const out = [...ids];
  const [id] = out.splice(from, 1);
  if (id !== undefined) out.splice(to, 0, id);
  return out;
}
