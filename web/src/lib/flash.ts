import { ConnectError } from "@connectrpc/connect";
import { EventState, type FlashSaleEvent } from "@gen/mall/seckill/v1/seckill_pb.js";
import { RetryInfoSchema } from "./errorDetails";
import { reasonOf } from "./errors";
import { millis } from "./format";

type Event = Pick<FlashSaleEvent, "eventId" | "startsAt" | "endsAt" | "remainingStock">;

// stateAt is the event's state at `now`, from its window: the page turns
// live at the start without waiting for a refetch.
export function stateAt(e: Pick<FlashSaleEvent, "startsAt" | "endsAt">, now: number): EventState {
  if (now >= millis(e.endsAt)) return EventState.ENDED;
  if (now >= millis(e.startsAt)) return EventState.LIVE;
  return EventState.UPCOMING;
}

// A purchase the sale refused, kept so the button says why and stays off
// until the situation can change: never for a shopper who already bought
// (or an ended sale, a product off the shelf), once stock comes back for
// "sold out" (`remaining` is what the event showed when refused), once
// `until` (ms) has passed for a sale that had not started by the server's
// clock or a shopper asked to slow down.
export type Refusal =
  | { eventId: string; kind: "bought" | "ended" | "offShelf" }
  | { eventId: string; kind: "soldOut"; remaining: bigint }
  | { eventId: string; kind: "notStarted" | "wait"; until: number };

// Clocks differ: a sale that had not started when the server was asked is
// tried again no sooner than this after the refusal.
const skew = 2000;

// refusalOf reads a failed Purchase as a lasting refusal, by its reason;
// null for a failure that another click may get past (the queue was down,
// no address yet, a network error).
export function refusalOf(err: unknown, e: Event, now: number): Refusal | null {
  const ce = ConnectError.from(err);
  const eventId = e.eventId;
  switch (reasonOf(ce)) {
    case "ALREADY_PURCHASED":
    case "OVER_PER_USER_LIMIT":
      return { eventId, kind: "bought" };
    case "SOLD_OUT":
    case "NOT_ENOUGH_STOCK":
      return { eventId, kind: "soldOut", remaining: e.remainingStock };
    case "EVENT_NOT_STARTED":
      return { eventId, kind: "notStarted", until: Math.max(millis(e.startsAt), now + skew) };
    case "EVENT_ENDED":
      return { eventId, kind: "ended" };
    case "PRODUCT_OFF_SHELF":
      return { eventId, kind: "offShelf" };
    case "RATE_LIMITED": {
      const d = ce.findDetails(RetryInfoSchema)[0]?.retryDelay;
      const wait = d ? Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6) : 1000;
      return { eventId, kind: "wait", until: now + Math.max(1000, wait) };
    }
    default:
      return null;
  }
}

// holds says whether a refusal still stands for this event at `now`.
export function holds(r: Refusal | null, e: Event, now: number): r is Refusal {
  if (r?.eventId !== e.eventId) return false;
  switch (r.kind) {
    case "soldOut":
      return e.remainingStock <= r.remaining;
    case "notStarted":
    case "wait":
      return now < r.until;
    default:
      return true;
  }
}

// What the buy button says (flash.<label> or common.ended) and whether it
// can be pressed.
export type BuyLabel = "buyNow" | "buying" | "notStarted" | "ended" | "soldOut" | "bought" | "offShelf" | "wait";

export function buyButton(e: Event, now: number, refusal: Refusal | null, busy: boolean): { label: BuyLabel; disabled: boolean } {
  const state = stateAt(e, now);
  if (state === EventState.ENDED) return { label: "ended", disabled: true };
  if (holds(refusal, e, now)) return { label: refusal.kind, disabled: true };
  if (state === EventState.UPCOMING) return { label: "notStarted", disabled: true };
  if (e.remainingStock <= 0n) return { label: "soldOut", disabled: true };
  if (busy) return { label: "buying", disabled: true };
  return { label: "buyNow", disabled: false };
}
