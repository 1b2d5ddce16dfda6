import { useEffect, useState } from "react";
import { Navigate, Outlet, useLocation } from "react-router-dom";
import { loadSession, onSessionChange, type Session } from "../lib/session";

export function useSession(): Session | null {
  const [session, setSession] = useState(() => loadSession());
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

// loginPath sends the shopper to sign in and back to where they were.
export function loginPath(from: { pathname: string; search: string }): string {
  return `/login?next=${encodeURIComponent(from.pathname + from.search)}`;
}

export function RequireLogin() {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={loginPath(location)} replace />;
  return <Outlet />;
}
