import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { newRequestId, poll, PollTimeout } from "./poll";

describe("newRequestId", () => {
  it("matches the contract's request_id pattern and differs each time", () => {
    const a = newRequestId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(newRequestId()).not.toBe(a);
  });
});

describe("poll", () => {
  it("returns the first final answer", async () => {
    let calls = 0;
    const got = await poll(() => Promise.resolve(++calls), (n) => n >= 3, { every: 1 });
    expect(got).toBe(3);
    expect(calls).toBe(3);
  });
  it("gives up after the timeout", async () => {
    let calls = 0;
    await expect(poll(() => Promise.resolve(++calls), () => false, { every: 5, timeout: 20 })).rejects.toBeInstanceOf(PollTimeout);
    expect(calls).toBeGreaterThan(1);
  });
  it("stops when aborted", async () => {
    const ctl = new AbortController();
    const p = poll(() => Promise.resolve(0), () => false, { every: 1000, signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error("left the page")), 5);
    await expect(p).rejects.toThrow("left the page");
  });
  it("leaves no listener on the signal after each wait", async () => {
    const ctl = new AbortController();
    let calls = 0;
    await poll(() => Promise.resolve(++calls), (n) => n >= 5, { every: 1, signal: ctl.signal });
    expect(calls).toBe(5);
    expect(getEventListeners(ctl.signal, "abort")).toHaveLength(0);
  });
  it("does not call again once aborted, even if the call ignores the signal", async () => {
    const ctl = new AbortController();
    let calls = 0;
    const p = poll(
      () => {
        calls++;
        ctl.abort(new Error("left the page"));
        return Promise.resolve(0);
      },
      () => false,
      { every: 1, signal: ctl.signal },
    );
    await expect(p).rejects.toThrow("left the page");
    expect(calls).toBe(1);
  });
  it("does not start when already aborted", async () => {
    const ctl = new AbortController();
    ctl.abort(new Error("left the page"));
    let calls = 0;
    await expect(poll(() => Promise.resolve(++calls), () => true, { signal: ctl.signal })).rejects.toThrow("left the page");
    expect(calls).toBe(0);
  });
});
