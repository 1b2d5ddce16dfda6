import { timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Category } from "@gen/mall/product/v1/product_pb.js";

// The catalog forms' conversions between what an operator types and what
// the contract carries, and moves in the category tree.

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
