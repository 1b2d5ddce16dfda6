// mainlandMobile is the contract's phone rule (user.proto): a mainland
// China mobile number, 11 digits, the first 1 and the second 3 to 9.
export const mainlandMobile = /^1[3-9][0-9]{9}$/;

// identityOf reads the register form's one identity box: digits (with an
// optional +, spaces or dashes) are a phone number, anything else a
// username. A mainland mobile number written with +86 or 86 before it, or
// with spaces or dashes, is sent as its 11 digits; other digits are sent
// without their spaces and dashes, for the service to refuse.
export function identityOf(raw: string): { case: "phone" | "username"; value: string } {
  const value = raw.trim();
  if (!/^\+?[0-9][0-9 -]*$/.test(value)) return { case: "username", value };
  const digits = value.replace(/[ -]/g, "");
  const national = digits.replace(/^\+?86(?=[0-9]{11}$)/, "");
  return { case: "phone", value: mainlandMobile.test(national) ? national : digits };
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
