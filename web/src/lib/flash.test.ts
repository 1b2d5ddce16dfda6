import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventState, FlashSaleEventSchema } from "@gen/mall/seckill/v1/seckill_pb.js";
import { refused } from "../testing";
import { RetryInfoSchema } from "./errorDetails";
import { buyButton, holds, refusalOf, stateAt } from "./flash";

const start = Date.UTC(2030, 0, 1, 10);
const end = start + 3_600_000;
const event = (remainingStock = 5n, eventId = "ev1") =>
  create(FlashSaleEventSchema, { eventId, startsAt: timestampFromMs(start), endsAt: timestampFromMs(end), remainingStock, totalStock: 10n });
const live = start + 60_000;

describe("stateAt", () => {
  it("follows the sale's window", () => {
    expect(stateAt(event(), start - 1)).toBe(EventState.UPCOMING);
    expect(stateAt(event(), start)).toBe(EventState.LIVE);
    expect(stateAt(event(), end)).toBe(EventState.ENDED);
  });
});

describe("the buy button", () => {
  it("can be pressed while the sale is live with stock, and not while the purchase runs", () => {
    expect(buyButton(event(), live, null, false)).toEqual({ label: "buyNow", disabled: false });
    expect(buyButton(event(), live, null, true)).toEqual({ label: "buying", disabled: true });
  });

  it("says why it cannot be pressed from the event alone", () => {
    expect(buyButton(event(), start - 1000, null, false)).toEqual({ label: "notStarted", disabled: true });
    expect(buyButton(event(), end, null, false)).toEqual({ label: "ended", disabled: true });
    expect(buyButton(event(0n), live, null, false)).toEqual({ label: "soldOut", disabled: true });
  });

  it("stays refused for good after the sale says the shopper already bought", () => {
    const r = refusalOf(refused(Code.AlreadyExists, "ALREADY_PURCHASED"), event(), live);
    expect(r).toEqual({ eventId: "ev1", kind: "bought" });
    expect(buyButton(event(), live, r, false)).toEqual({ label: "bought", disabled: true });
    expect(buyButton(event(), live + 600_000, r, false)).toEqual({ label: "bought", disabled: true });
    expect(refusalOf(refused(Code.FailedPrecondition, "OVER_PER_USER_LIMIT"), event(), live)?.kind).toBe("bought");
  });

  it("stays sold out until stock comes back, though the page still showed some", () => {
    const r = refusalOf(refused(Code.FailedPrecondition, "SOLD_OUT"), event(2n), live);
    expect(r).toEqual({ eventId: "ev1", kind: "soldOut", remaining: 2n });
    expect(buyButton(event(2n), live, r, false)).toEqual({ label: "soldOut", disabled: true });
    expect(buyButton(event(1n), live, r, false)).toEqual({ label: "soldOut", disabled: true });
    // An unpaid order expired and its unit went back to the sale.
    expect(buyButton(event(3n), live, r, false)).toEqual({ label: "buyNow", disabled: false });
  });

  it("waits for the start, or a moment for clocks that differ, after a 'not started'", () => {
    const early = refusalOf(refused(Code.FailedPrecondition, "EVENT_NOT_STARTED"), event(), start - 10_000);
    expect(early).toEqual({ eventId: "ev1", kind: "notStarted", until: start });
    const skewed = refusalOf(refused(Code.FailedPrecondition, "EVENT_NOT_STARTED"), event(), live);
    expect(buyButton(event(), live + 1000, skewed, false)).toEqual({ label: "notStarted", disabled: true });
    expect(buyButton(event(), live + 2000, skewed, false)).toEqual({ label: "buyNow", disabled: false });
  });

  it("waits as long as the rate limit asks", () => {
    const limited = refused(Code.ResourceExhausted, "RATE_LIMITED");
    limited.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: 3n, nanos: 0 } }) });
    const r = refusalOf(limited, event(), live);
    expect(buyButton(event(), live + 2999, r, false)).toEqual({ label: "wait", disabled: true });
    expect(buyButton(event(), live + 3000, r, false)).toEqual({ label: "buyNow", disabled: false });
  });

  it("treats an ended sale and a product off the shelf as final", () => {
    const ended = refusalOf(refused(Code.FailedPrecondition, "EVENT_ENDED"), event(), live);
    expect(buyButton(event(), live, ended, false)).toEqual({ label: "ended", disabled: true });
    const off = refusalOf(refused(Code.FailedPrecondition, "PRODUCT_OFF_SHELF"), event(), live);
    expect(buyButton(event(), live, off, false)).toEqual({ label: "offShelf", disabled: true });
  });

  it("lets the shopper try again after a failure that another click may get past", () => {
    for (const err of [refused(Code.Unavailable, "QUEUE_UNAVAILABLE"), refused(Code.FailedPrecondition, "ADDRESS_REQUIRED"), new Error("offline")]) {
      expect(refusalOf(err, event(), live)).toBeNull();
    }
  });

  it("keeps a refusal to its own event", () => {
    const r = refusalOf(refused(Code.AlreadyExists, "ALREADY_PURCHASED"), event(5n, "ev1"), live);
    expect(holds(r, event(5n, "ev2"), live)).toBe(false);
    expect(buyButton(event(5n, "ev2"), live, r, false)).toEqual({ label: "buyNow", disabled: false });
  });
});
