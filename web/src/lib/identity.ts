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
