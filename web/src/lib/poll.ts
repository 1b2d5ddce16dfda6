// newRequestId names one attempt at an operation (e.g. a checkout): the
// services treat calls with the same id as one, so a retried click cannot
// place two orders. Uses getRandomValues, which insecure origins also have.
export function newRequestId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class PollTimeout extends Error {}

// poll calls fetch until done says its answer is final, waiting `every`
// ms between calls; it gives up with PollTimeout after `timeout` ms, and
// with the signal's reason once the signal aborts (also when the call
// itself does not heed it).
export async function poll<T>(
  fetch: () => Promise<T>,
  done: (answer: T) => boolean,
  { every = 500, timeout = 60_000, signal }: { every?: number; timeout?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    signal?.throwIfAborted();
    const answer = await fetch();
    signal?.throwIfAborted();
    if (done(answer)) return answer;
    if (Date.now() + every > deadline) throw new PollTimeout("still not finished, please check again later");
    await sleep(every, signal);
  }
}

// sleep waits ms, or less when the signal aborts (the caller then checks
// it); either way it takes its listener off the signal, so a long poll does
// not pile up listeners.
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener("abort", wake);
  });
}
