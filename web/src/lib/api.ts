import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { rememberRequest } from "./errors";
import { loadSession, saveSession } from "./session";

// Bearer token on every call; a rejected token ends the session so the
// next page asks the shopper to sign in again, unless the session has a
// new token meanwhile (a password change revokes the one a call in flight
// was sent with).
const auth: Interceptor = (next) => async (req) => {
  const s = loadSession();
  if (s) req.header.set("Authorization", `Bearer ${s.token}`);
  try {
    return await next(req);
  } catch (err) {
    if (s && ConnectError.from(err).code === Code.Unauthenticated && loadSession()?.token === s.token) saveSession(null);
    throw err;
  }
};

// The API shares the SPA's origin (mall serves web/dist; vite proxies in
// development). Read-only RPCs go over HTTP GET so they can be cached. A
// failed call keeps its request's type, for explaining its violations.
export const transport = createConnectTransport({
  baseUrl: window.location.origin,
  useHttpGet: true,
  interceptors: [auth, rememberRequest],
});
