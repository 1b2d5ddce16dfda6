import { Code, ConnectError } from "@connectrpc/connect";
import { ViolationsSchema, type Violation } from "@gen/buf/validate/validate_pb.js";

export interface Problem {
  code: Code | undefined;
  // message is what the page shows above the form or in place of content.
  message: string;
  // fields maps a request field path ("address.phone") to its violation.
  fields: Record<string, string>;
}

// fieldPath renders a violation's field as a dotted path of proto field
// names, e.g. "address.phone"; a repeated element adds "[i]".
export function fieldPath(v: Violation): string {
  const parts: string[] = [];
  for (const e of v.field?.elements ?? []) {
    let p = e.fieldName;
    if (e.subscript.case === "index") p += `[${e.subscript.value}]`;
    else if (e.subscript.case !== undefined) p += `[${String(e.subscript.value)}]`;
    parts.push(p);
  }
  return parts.join(".");
}

// readableViolation is a violation's message for a shopper: protovalidate's
// own are fine ("value length must be at least 8 characters"), except a
// pattern's, which quotes the regular expression.
export function readableViolation(v: Violation): string {
  switch (v.ruleId) {
    case "string.pattern":
      return "This does not look right: please check the format.";
    case "required":
      return "This is required.";
    default:
      return v.message || "This value is not accepted.";
  }
}

const byCode: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]: "Please sign in to continue.",
  [Code.PermissionDenied]: "You are not allowed to do that.",
  [Code.Unavailable]: "The shop is busy right now. Please try again in a moment.",
  [Code.DeadlineExceeded]: "The request took too long. Please try again.",
  [Code.Internal]: "Something went wrong on our side. Please try again.",
  [Code.Unknown]: "Something went wrong. Please check your connection and try again.",
  [Code.Canceled]: "The request was cancelled.",
};

// problemOf turns any error from a call into what a shopper can read. The
// services already keep internal detail out of their messages; codes
// without a useful message get a generic sentence.
export function problemOf(err: unknown): Problem {
  const e = ConnectError.from(err);
  const fields: Record<string, string> = {};
  for (const vs of e.findDetails(ViolationsSchema)) {
    for (const v of vs.violations) {
      const path = fieldPath(v);
      if (!(path in fields)) fields[path] = readableViolation(v);
    }
  }
  if (Object.keys(fields).length > 0) {
    return { code: e.code, message: "Please correct the highlighted fields.", fields };
  }
  const generic = byCode[e.code];
  const text = e.rawMessage.trim();
  const readable = text !== "" && e.code !== Code.Internal && e.code !== Code.Unknown;
  return { code: e.code, message: readable ? capitalize(text) : (generic ?? "Something went wrong."), fields };
}

function capitalize(s: string): string {
  const first = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : first + ".";
}

// retryable says whether repeating the same call may succeed.
export function retryable(err: unknown): boolean {
  const c = ConnectError.from(err).code;
  return c === Code.Unavailable || c === Code.DeadlineExceeded || c === Code.Unknown || c === Code.Aborted;
}
