import { useEffect, useState } from "react";
import { loadSession, onSessionChange, type Session } from "../lib/session";

// useSession is the signed-in shopper, kept current across sign-ins and
// sign-outs (also those of other components).
export function useSession(): Session | null {
  const [session, setSession] = useState(() => loadSession());
  useEffect(() => onSessionChange(setSession), []);
  return session;
}
