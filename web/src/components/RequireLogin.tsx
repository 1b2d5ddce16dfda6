import { Navigate, Outlet, useLocation } from "react-router-dom";
import { useSession } from "../hooks/useSession";
import { loginPath } from "../lib/identity";

// RequireLogin sends a visitor of its routes to sign in and back.
export function RequireLogin() {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={loginPath(location)} replace />;
  return <Outlet />;
}
