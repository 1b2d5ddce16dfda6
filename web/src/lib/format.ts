import type { Timestamp } from "@bufbuild/protobuf/wkt";

// Prices travel as integer cents (int64 → bigint); they are never floats.
export function money(cents: bigint | number): string {
  const c = BigInt(cents);
  const sign = c < 0n ? "-" : "";
  const abs = c < 0n ? -c : c;
  const yuan = abs / 100n;
  const fen = (abs % 100n).toString().padStart(2, "0");
  return `${sign}¥${yuan.toLocaleString("en-US")}.${fen}`;
}

export function millis(ts: Timestamp | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

export function dateTime(ts: Timestamp | undefined): string {
  if (!ts) return "";
  const d = new Date(millis(ts));
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// countdown renders the time left until `until` (ms), e.g. "1d 02:03:04",
// "09:59"; "00:00" once it has passed.
export function countdown(until: number, now: number): string {
  let s = Math.max(0, Math.floor((until - now) / 1000));
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const p = (n: number) => String(n).padStart(2, "0");
  const clock = h > 0 || days > 0 ? `${p(h)}:${p(m)}:${p(sec)}` : `${p(m)}:${p(sec)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

export function stars(rating: number): string {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return "★".repeat(r) + "☆".repeat(5 - r);
}
