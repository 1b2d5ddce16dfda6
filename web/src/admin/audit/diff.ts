// The changes an action made, read from the states the audit log kept
// before and after it (JSON of the changed thing, protobuf field names).

export interface Change {
  // path names a field, e.g. "shipping_address.city" or "lines[0].quantity".
  path: string;
  // before/after are the values as JSON text; undefined: absent.
  before: string | undefined;
  after: string | undefined;
}

// parse reads a state; text that is no JSON object (an empty state, a
// state cut short) is kept as one value under the path "".
function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

// flatten lists the leaves of a value by path.
function flatten(value: unknown, path: string, out: Map<string, string>) {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, "[]");
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(path, "{}");
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, typeof value === "string" ? value : JSON.stringify(value));
  }
}

// changes lists the fields whose value differs between the two states, in
// the order they appear (before's fields first, then those only after has).
export function changes(beforeJSON: string, afterJSON: string): Change[] {
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  flatten(parse(beforeJSON), "", before);
  flatten(parse(afterJSON), "", after);
  const paths = [...before.keys(), ...[...after.keys()].filter((k) => !before.has(k))];
  return paths
    .filter((p) => before.get(p) !== after.get(p))
    .map((path) => ({ path, before: before.get(path), after: after.get(path) }));
}

// pretty indents a state for reading; text that is no JSON stays as it is.
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
