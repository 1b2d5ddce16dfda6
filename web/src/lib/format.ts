import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Lang } from "./i18n";

// Prices travel as integer cents (int64 → bigint); they are never floats:
// Intl formats the decimal string exactly. The shop sells in yuan only, so
// the bare ¥ is not ambiguous (English would otherwise write CN¥).
export function money(cents: bigint | number, lang: Lang): string {
  const c = BigInt(cents);
  const sign = c < 0n ? "-" : "";
  const abs = c < 0n ? -c : c;
  const fen = (abs % 100n).toString().padStart(2, "0");
  const exact = `${sign}${abs / 100n}.${fen}` as Intl.StringNumericLiteral;
  return new Intl.NumberFormat(lang, { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol" }).format(exact);
}

export function millis(ts: Timestamp | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

// dateTime is a date and time to the minute, e.g. "2025/05/01 14:05" or
// "May 1, 2025, 2:05 PM"; timeZone is the viewer's unless given.
export function dateTime(ts: Timestamp | undefined, lang: Lang, timeZone?: string): string {
  if (!ts) return "";
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone }).format(millis(ts));
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

// relativeTime says how long ago (or from now) `at` is, in the largest
// whole unit, e.g. "3天前", "3 days ago", "yesterday"; under a minute it is
// undefined, for the caller's own words ("刚刚", "just now": Intl's "现在"
// reads oddly of something past).
export function relativeTime(at: number, now: number, lang: Lang): string | undefined {
  const diff = at - now;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms) return rtf.format(Math.trunc(diff / ms), unit);
  }
  return undefined;
}

// countdown renders the time left until `until` (ms), e.g. "1天 02:03:04"
// or "1d 02:03:04", "09:59"; "00:00" once it has passed.
export function countdown(until: number, now: number, lang: Lang): string {
  let s = Math.max(0, Math.floor((until - now) / 1000));
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p = (n: number) => String(n).padStart(2, "0");
  const clock = h > 0 || days > 0 ? `${p(h)}:${p(m)}:${p(sec)}` : `${p(m)}:${p(sec)}`;
  if (days === 0) return clock;
  const d = new Intl.NumberFormat(lang, { style: "unit", unit: "day", unitDisplay: "narrow" }).format(days);
  return `${d} ${clock}`;
}

// decimal is a number with `digits` decimals in the language's way.
export function decimal(n: number, lang: Lang, digits = 0): string {
  return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

// percent renders a share given in basis points (0 to 10000), e.g. "96%".
export function percent(bps: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(bps / 10000);
}

export function stars(rating: number): string {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return "★".repeat(r) + "☆".repeat(5 - r);
}

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
