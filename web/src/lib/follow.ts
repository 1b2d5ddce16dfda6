import { Code, ConnectError } from "@connectrpc/connect";
import { poll, sleep } from "./poll";

// Codes that no retry changes (the thing is not the caller's, the request
// is wrong, the caller is signed out): follow gives up with them.
const finalCodes = new Set([Code.NotFound, Code.PermissionDenied, Code.Unauthenticated, Code.InvalidArgument]);

// A stream that stayed open this long (ms) without a message did not fail.
const quietStream = 10_000;

export interface FollowOptions<T> {
  // open starts a stream from the last cursor (undefined at first).
  open: (cursor: string | undefined, signal: AbortSignal) => AsyncIterable<T>;
  // cursorOf is what to resume from after a message (none: start over).
  cursorOf?: (message: T) => string;
  // fetch asks once, for the fallback to polling.
  fetch: () => Promise<T>;
  done: (message: T) => boolean;
  onMessage: (message: T) => void;
  // onPolling is told when streaming gave up and polling took over.
  onPolling?: () => void;
  signal: AbortSignal;
  // Pauses (ms) before the 1st, 2nd... resume after a failed stream; once
  // they are used up, follow polls every pollEvery ms instead.
  backoff?: number[];
  pollEvery?: number;
  pollTimeout?: number;
}

// follow keeps one server stream open on something's state and hands every
// message to onMessage until one is done. A stream that ends early (the
// server ends each after a few minutes, or shuts down) is resumed from its
// cursor at once; one that fails is resumed after a growing pause, and
// after a few failures in a row follow falls back to polling with fetch.
// It resolves with the final message, and rejects with a final code's
// error or the signal's reason.
export async function follow<T>(o: FollowOptions<T>): Promise<T> {
  const backoff = o.backoff ?? [500, 1000, 2000, 4000];
  let cursor: string | undefined;
  let failures = 0;
  for (;;) {
    o.signal.throwIfAborted();
    let received = false;
    const opened = Date.now();
    try {
      for await (const message of o.open(cursor, o.signal)) {
        received = true;
        failures = 0;
        if (o.cursorOf) cursor = o.cursorOf(message);
        o.onMessage(message);
        if (o.done(message)) return message;
      }
      // Ended cleanly without a final state (its lifetime is up): resume
      // at once, unless it ended at once with nothing (then it counts as
      // a failure, so a server that keeps doing so is not hammered).
      if (received || Date.now() - opened >= quietStream) {
        failures = 0;
        continue;
      }
    } catch (err) {
      o.signal.throwIfAborted();
      if (finalCodes.has(ConnectError.from(err).code)) throw err;
    }
    const wait = backoff[failures];
    if (wait === undefined) break;
    await sleep(wait, o.signal);
    failures++;
  }
  o.onPolling?.();
  const last = await poll(
    async () => {
      const message = await o.fetch();
      o.onMessage(message);
      return message;
    },
    o.done,
    { every: o.pollEvery ?? 2000, timeout: o.pollTimeout ?? 10 * 60_000, signal: o.signal },
  );
  return last;
}
