// identityOf reads the register form's one identity box: digits (with an
// optional +) are a phone number, anything else a username.
export function identityOf(raw: string): { case: "phone" | "username"; value: string } {
  const value = raw.trim();
  return /^\+?[0-9]+$/.test(value) ? { case: "phone", value } : { case: "username", value };
}

// nextPath is where to go after signing in: only a path on this site, so a
// crafted ?next= cannot send the shopper elsewhere.
export function nextPath(raw: string | null): string {
  return raw && raw.startsWith("/") && !raw.startsWith("//") && !raw.startsWith("/\\") ? raw : "/";
}

// loginPath sends the shopper to sign in and back to where they were.
export function loginPath(from: { pathname: string; search: string }): string {
  return `/login?next=${encodeURIComponent(from.pathname + from.search)}`;
}
