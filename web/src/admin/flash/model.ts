import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { AdmissionCounts, AdmissionSecond } from "@gen/mall/seckill/v1/seckill_pb.js";
import { millis } from "../../lib/format";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

// The outcomes of purchase attempts the dashboard shows, in the order of
// the chart's stack (bottom first) and its legend; each one's text is
// flash.outcomes.<key>.
export const outcomes = ["accepted", "soldOut", "limitReached", "rateLimited", "notStarted", "ended", "other"] as const;
export type Outcome = (typeof outcomes)[number];

export const outcomeColours: Record<Outcome, string> = {
  accepted: "#1a9850",
  soldOut: "#d73027",
  limitReached: "#fc8d59",
  rateLimited: "#fee08b",
  notStarted: "#91bfdb",
  ended: "#4575b4",
  other: "#999999",
};

export type Counts = Record<Outcome, number>;

export function countsOf(c: AdmissionCounts | undefined): Counts {
  return {
    accepted: Number(c?.accepted ?? 0n),
    soldOut: Number(c?.soldOut ?? 0n),
    limitReached: Number(c?.limitReached ?? 0n),
    rateLimited: Number(c?.rateLimited ?? 0n),
    notStarted: Number(c?.notStarted ?? 0n),
    ended: Number(c?.ended ?? 0n),
    other: Number(c?.other ?? 0n),
  };
}

export function totalOf(c: Counts): number {
  return outcomes.reduce((sum, o) => sum + c[o], 0);
}

// niceCeiling is the smallest of 1, 2, 5 × 10^n at or above n (at least
// 1): the chart's top, so its scale reads as a round number.
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

export interface Segment {
  outcome: Outcome;
  count: number;
  y: number;
  height: number;
}

export interface Bar {
  second: number; // seconds before the newest (0 = newest)
  total: number;
  segments: Segment[];
}

// stackBars lays out one bar per second, oldest first, `height` units
// tall at the scale's top, each bar's outcomes stacked bottom up in the
// order of `outcomes` (empty ones left out).
export function stackBars(seconds: AdmissionSecond[], height: number): { bars: Bar[]; top: number } {
  const counted = seconds.map((s) => countsOf(s.counts));
  const top = niceCeiling(Math.max(0, ...counted.map(totalOf)));
  const bars = counted.map((c, i) => {
    let y = height;
    const segments: Segment[] = [];
    for (const outcome of outcomes) {
      if (c[outcome] === 0) continue;
      const h = (c[outcome] / top) * height;
      y -= h;
      segments.push({ outcome, count: c[outcome], y, height: h });
    }
    return { second: counted.length - 1 - i, total: totalOf(c), segments };
  });
  return { bars, top };
}

// conversion is paid / written as basis points (0 to 10000) for percent().
export function conversionBps(paid: bigint, written: bigint): number {
  if (written <= 0n) return 0;
  return Number((paid * 10000n) / written);
}

// The form's times are <input type="datetime-local"> values: the
// operator's wall clock to the minute.
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value: string): Timestamp | undefined {
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : timestampFromMs(ms);
}

export function inputOf(ts: Timestamp | undefined): string {
  return ts ? toLocalInput(millis(ts)) : "";
}

// centsOf reads a price typed in yuan ("9.9", "12", "0.05") as integer
// cents; undefined when it is not such a number.
export function centsOf(yuan: string): bigint | undefined {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(yuan);
  if (!m) return undefined;
  return BigInt(m[1] ?? "0") * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
}

// yuanOf writes cents as the form's price ("9.90").
export function yuanOf(cents: bigint): string {
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
}
