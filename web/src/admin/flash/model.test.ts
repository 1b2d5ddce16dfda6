import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AdmissionCountsSchema, AdmissionSecondSchema } from "@gen/mall/seckill/v1/seckill_pb.js";
import { millis } from "../../lib/format";
import { centsOf, conversionBps, fromLocalInput, niceCeiling, stackBars, toLocalInput, yuanOf } from "./model";

const second = (c: Partial<Record<"accepted" | "soldOut" | "limitReached" | "other", bigint>>) =>
  create(AdmissionSecondSchema, { counts: create(AdmissionCountsSchema, c) });

describe("the admissions chart", () => {
  it("scales to a round top above the busiest second", () => {
    expect([0, 1, 2, 3, 7, 10, 11, 180, 501].map(niceCeiling)).toEqual([1, 1, 2, 5, 10, 10, 20, 200, 1000]);
  });

  it("stacks each second's outcomes bottom up, oldest second first", () => {
    const { bars, top } = stackBars([second({}), second({ accepted: 30n, soldOut: 10n }), second({ soldOut: 100n, limitReached: 50n })], 100);
    expect(top).toBe(200);
    expect(bars.map((b) => [b.second, b.total])).toEqual([
      [2, 0],
      [1, 40],
      [0, 150],
    ]);
    expect(bars[0]?.segments).toEqual([]);
    expect(bars[1]?.segments).toEqual([
      { outcome: "accepted", count: 30, y: 85, height: 15 },
      { outcome: "soldOut", count: 10, y: 80, height: 5 },
    ]);
    expect(bars[2]?.segments.map((s) => [s.outcome, s.y, s.height])).toEqual([
      ["soldOut", 50, 50],
      ["limitReached", 25, 25],
    ]);
  });

  it("says conversion in basis points, zero before any order", () => {
    expect(conversionBps(12n, 22n)).toBe(5454);
    expect(conversionBps(0n, 0n)).toBe(0);
  });
});

describe("the sale form", () => {
  it("reads prices in yuan as exact cents and writes them back", () => {
    expect(["9.9", "12", "0.05", " 199.00 ", "1.234", "-1", "abc", ""].map(centsOf)).toEqual([
      990n,
      1200n,
      5n,
      19900n,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([990n, 5n, 120000n].map(yuanOf)).toEqual(["9.90", "0.05", "1200.00"]);
  });

  it("round-trips times through the local clock to the minute", () => {
    const at = new Date(2026, 11, 3, 9, 5, 42).getTime();
    expect(toLocalInput(at)).toBe("2026-12-03T09:05");
    expect(millis(fromLocalInput(toLocalInput(at)))).toBe(new Date(2026, 11, 3, 9, 5).getTime());
    expect(fromLocalInput("")).toBeUndefined();
  });
});
