import { useEffect, useState } from "react";

// Past the boundary, so a timer that fires a little early still lands after it.
const margin = 5;

// nextTick is how long to wait from `now` until just after the next time
// t with t ≡ phase (mod every): a countdown to `until` changes its seconds
// when now crosses until - k·1000, so ticks put just after those instants
// (phase = until) show every second once, where ticks at arbitrary points
// (setInterval, which also drifts) show one twice and skip the next.
export function nextTick(now: number, every: number, phase = 0): number {
  const since = (((now - phase) % every) + every) % every;
  return every - since + margin;
}

// useNow re-renders with the current time every `every` ms, just after the
// instants ≡ phase (mod every); a page that comes back into view is brought
// up to date at once (browsers slow a hidden page's timers down).
export function useNow(every = 1000, phase = 0): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      clearTimeout(timer);
      const t = Date.now();
      setNow(t);
      timer = setTimeout(tick, nextTick(t, every, phase));
    };
    timer = setTimeout(tick, nextTick(Date.now(), every, phase));
    const onVisible = () => {
      if (document.visibilityState === "visible") tick();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [every, phase]);
  return now;
}
