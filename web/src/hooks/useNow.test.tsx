// @vitest-environment happy-dom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { countdown } from "../lib/format";
import { nextTick, useNow } from "./useNow";

describe("nextTick", () => {
  it("waits until just after the next instant of the phase", () => {
    expect(nextTick(10_000, 1000)).toBe(1005);
    expect(nextTick(10_999, 1000)).toBe(6);
    expect(nextTick(10_200, 1000, 123)).toBe(928);
    expect(nextTick(10_100, 1000, 123)).toBe(28);
    expect(nextTick(10_100, 1000, -877)).toBe(28);
  });
});

function Clock({ until }: { until: number }) {
  const now = useNow(1000, until);
  return <span data-testid="clock">{countdown(until, now, "zh-CN")}</span>;
}

describe("useNow", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("shows each second of a countdown once, however late its timers fire", () => {
    const start = 1_700_000_000_000;
    vi.setSystemTime(start);
    // 2 ms past a whole second of the countdown: a tick a little late
    // in the wrong phase would already show the next second.
    const until = start + 10_002;
    // Each timer fires 150 ms late, as a busy page's may.
    const onTime = globalThis.setTimeout;
    vi.stubGlobal("setTimeout", (fn: () => void, ms: number) => onTime(fn, ms + 150));
    render(<Clock until={until} />);
    const shown = [screen.getByTestId("clock").textContent];
    for (let i = 0; i < 10; i++) {
      act(() => {
        vi.advanceTimersToNextTimer();
      });
      shown.push(screen.getByTestId("clock").textContent);
    }
    expect(shown).toEqual(["00:10", "00:09", "00:08", "00:07", "00:06", "00:05", "00:04", "00:03", "00:02", "00:01", "00:00"]);
  });

  it("catches up at once when the page comes back into view", () => {
    const start = 1_700_000_000_000;
    vi.setSystemTime(start);
    render(<Clock until={start + 60_000} />);
    expect(screen.getByTestId("clock").textContent).toBe("01:00");
    // Hidden for 20 s without a tick (the browser held its timers back).
    vi.setSystemTime(start + 20_000);
    act(() => {
      document.dispatchEvent(new Event("visibilitychange"));
    });
    expect(screen.getByTestId("clock").textContent).toBe("00:40");
  });
});
