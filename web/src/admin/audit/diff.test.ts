import { describe, expect, it } from "vitest";
import { changes, pretty } from "./diff";

describe("changes", () => {
  it("lists the fields whose value changed, added or went away", () => {
    const before = JSON.stringify({ order_id: "o1", status: "ORDER_STATUS_PAID", lines: [{ quantity: 1 }], note: "x" });
    const after = JSON.stringify({ order_id: "o1", status: "ORDER_STATUS_SHIPPED", lines: [{ quantity: 2 }], carrier: "SF" });
    expect(changes(before, after)).toEqual([
      { path: "status", before: "ORDER_STATUS_PAID", after: "ORDER_STATUS_SHIPPED" },
      { path: "lines[0].quantity", before: "1", after: "2" },
      { path: "note", before: "x", after: undefined },
      { path: "carrier", before: undefined, after: "SF" },
    ]);
  });

  it("reads a missing state as nothing and a state cut short as one value", () => {
    expect(changes("", JSON.stringify({ handled: true }))).toEqual([{ path: "handled", before: undefined, after: "true" }]);
    expect(changes('{"a":', "")).toEqual([{ path: "", before: '{"a":', after: undefined }]);
    expect(changes("", "")).toEqual([]);
  });

  it("indents JSON and leaves other text alone", () => {
    expect(pretty('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(pretty("cut {")).toBe("cut {");
  });
});
