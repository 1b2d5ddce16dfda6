// The signed-in shopper's access token. Identity is the token alone: the
// services derive the user from it, so the SPA keeps nothing else.
const key = "mall.session";

export interface Session {
  token: string;
  expiresAt: number;
  name: string;
  // The account is an operator's: the SPA offers the console. Only a
  // hint for the menu; the services decide from the token.
  admin: boolean;
}

type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

export function loadSession(storage: Pick<Storage, "getItem"> = localStorage, now = Date.now()): Session | null {
  const raw = storage.getItem(key);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.token !== "string" || typeof s.expiresAt !== "number" || s.expiresAt <= now) return null;
    return { token: s.token, expiresAt: s.expiresAt, name: typeof s.name === "string" ? s.name : "", admin: s.admin === true };
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(key, JSON.stringify(s));
  else localStorage.removeItem(key);
  listeners.forEach((l) => l(s));
}

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
