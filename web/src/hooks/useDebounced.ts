import { useEffect, useState } from "react";

// useDebounced is `value` once it has stayed the same for `ms`: what is
// being typed, asked about only when the typing pauses.
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
