import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { follow } from "./follow";

interface State {
  n: number;
  cursor: string;
}

// streams plays one scripted stream per open: its messages, then an end
// (or the error given); it records the cursor each open resumed from.
function streams(script: (State[] | Error)[][]) {
  const opened: (string | undefined)[] = [];
  const open = (cursor: string | undefined) => {
    opened.push(cursor);
    const steps = script.shift() ?? [new ConnectError("no more streams", Code.Unavailable)];
    return (async function* () {
      for (const step of steps) {
        if (step instanceof Error) throw step;
        for (const s of step) yield await Promise.resolve(s);
      }
    })();
  };
  return { open, opened };
}

const state = (n: number): State => ({ n, cursor: `c${n}` });

describe("follow", () => {
  it("hands over each message, resumes from the last cursor after a stream ends, and resolves with the final one", async () => {
    const { open, opened } = streams([[[state(1), state(2)]], [[state(3)]]]);
    const seen: number[] = [];
    const last = await follow<State>({
      open,
      cursorOf: (s) => s.cursor,
      fetch: () => Promise.reject(new Error("no polling")),
      done: (s) => s.n === 3,
      onMessage: (s) => seen.push(s.n),
      signal: new AbortController().signal,
    });
    expect(last.n).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(opened).toEqual([undefined, "c2"]);
  });

  it("resumes a broken stream after a pause, then polls once streaming keeps failing", async () => {
    const down = new ConnectError("down", Code.Unavailable);
    const { open, opened } = streams([[[state(1)], down], [down], [down]]);
    let polling = false;
    let fetched = 0;
    const seen: number[] = [];
    const last = await follow<State>({
      open,
      cursorOf: (s) => s.cursor,
      fetch: () => Promise.resolve(state(10 + ++fetched)),
      done: (s) => s.n === 12,
      onMessage: (s) => seen.push(s.n),
      onPolling: () => (polling = true),
      signal: new AbortController().signal,
      backoff: [1, 1],
      pollEvery: 1,
    });
    expect(polling).toBe(true);
    expect(opened).toEqual([undefined, "c1", "c1"]);
    expect(seen).toEqual([1, 11, 12]);
    expect(last.n).toBe(12);
  });

  it("gives up at once when the thing is not the caller's", async () => {
    const { open, opened } = streams([[new ConnectError("no such order", Code.NotFound)]]);
    const p = follow<State>({
      open,
      fetch: () => Promise.reject(new Error("no polling")),
      done: () => false,
      onMessage: () => undefined,
      signal: new AbortController().signal,
      backoff: [1],
    });
    await expect(p).rejects.toMatchObject({ code: Code.NotFound });
    expect(opened).toHaveLength(1);
  });

  it("stops when aborted, without opening again", async () => {
    const ctl = new AbortController();
    const { open, opened } = streams([[new ConnectError("down", Code.Unavailable)]]);
    const p = follow<State>({
      open,
      fetch: () => Promise.resolve(state(0)),
      done: () => false,
      onMessage: () => undefined,
      signal: ctl.signal,
      backoff: [1000],
    });
    setTimeout(() => ctl.abort(new Error("left the page")), 5);
    await expect(p).rejects.toThrow("left the page");
    expect(opened).toHaveLength(1);
  });
});
