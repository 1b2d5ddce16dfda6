import { getOption, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { field as fieldRulesOption, FieldRulesSchema, ViolationsSchema, type Violation } from "@gen/buf/validate/validate_pb.js";
import zhCN from "../locales/zh-CN";
import { ErrorInfoSchema, RetryInfoSchema } from "./errorDetails";
import { i18n } from "./i18n";
import { PollTimeout } from "./poll";

export interface Problem {
  code: Code | undefined;
  // message is what the page shows above the form or in place of content.
  message: string;
  // fields maps a request field path ("address.phone") to its violation.
  fields: Record<string, string>;
}

// The request message of each failed call: a violation names the fields
// and the rule it broke, and the rule's values (a minimum length, a range)
// are read from the contract.
const requests = new WeakMap<ConnectError, DescMessage>();

// rememberRequest notes the request message of a call that failed, so
// problemOf can read the rules its violations refer to. Every transport of
// the SPA has it.
export const rememberRequest: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    if (err instanceof ConnectError) requests.set(err, req.method.input);
    throw err;
  }
};

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

// fieldOf finds the violated field in the request message.
function fieldOf(request: DescMessage, v: Violation): DescField | undefined {
  let message: DescMessage | undefined = request;
  let found: DescField | undefined;
  for (const e of v.field?.elements ?? []) {
    found = message?.fields.find((f) => f.number === e.fieldNumber);
    if (!found) return undefined;
    message = messageOf(found);
  }
  return found;
}

// messageOf is the message type a field holds (itself, as list items or as
// map values), for walking a path through it.
function messageOf(f: DescField): DescMessage | undefined {
  switch (f.fieldKind) {
    case "message":
      return f.message;
    case "list":
      return f.listKind === "message" ? f.message : undefined;
    case "map":
      return f.mapKind === "message" ? f.message : undefined;
    default:
      return undefined;
  }
}

// ruleValues are the values of the rules beside the one broken, as the
// contract sets them: for string.min_len {min_len: "8", max_len: "128"},
// for int32.gte_lte {gte: "1", lte: "5"}.
function ruleValues(v: Violation, request: DescMessage | undefined): Record<string, string> {
  const field = request && fieldOf(request, v);
  if (!field) return {};
  let rules: ReflectMessage = reflect(FieldRulesSchema, getOption(field, fieldRulesOption));
  for (const e of (v.rule?.elements ?? []).slice(0, -1)) {
    const f = rules.fields.find((x) => x.number === e.fieldNumber);
    if (f?.fieldKind !== "message" || !rules.isSet(f)) return {};
    rules = rules.get(f);
  }
  const values: Record<string, string> = {};
  for (const f of rules.fields) {
    if (f.fieldKind === "scalar" && rules.isSet(f)) values[f.name] = String(rules.get(f));
  }
  return values;
}

function isKey<T extends object>(key: string, of: T): key is Extract<keyof T, string> {
  return Object.hasOwn(of, key);
}

type RuleValues = Partial<Record<string, string>>;

// byRule words each protovalidate rule the contracts use, by rule id, with
// the rule's values; undefined when a value it needs is unknown (a call
// without rememberRequest), which then reads as violations.unknown.
const byRule: Record<string, (r: RuleValues) => string | undefined> = {
  required: () => i18n.t("violations.required"),
  "string.min_len": ({ min_len: min }) =>
    min === "1" ? i18n.t("violations.required") : min && i18n.t("violations.minLen", { min }),
  "string.max_len": ({ max_len: max }) => max && i18n.t("violations.maxLen", { max }),
  "string.len": ({ len }) => len && i18n.t("violations.len", { len }),
  "string.pattern": () => i18n.t("violations.pattern"),
  "string.uri_ref": () => i18n.t("violations.uri"),
  "repeated.min_items": ({ min_items: min }) => min && i18n.t("violations.minItems", { min }),
  "repeated.max_items": ({ max_items: max }) => max && i18n.t("violations.maxItems", { max }),
  "repeated.unique": () => i18n.t("violations.unique"),
  "enum.defined_only": () => i18n.t("violations.option"),
  // The contracts' own rules (buf.validate cel ids).
  "password.letter_and_digit": () => i18n.t("violations.passwordLetterAndDigit"),
  "username.not_digits": () => i18n.t("violations.usernameNotDigits"),
  "login.phone": () => i18n.t("violations.loginPhone"),
};
// Number ranges read the same for every integer type.
for (const kind of ["int32", "int64", "uint32", "uint64"]) {
  byRule[`${kind}.gte_lte`] = ({ gte: min, lte: max }) => min && max && i18n.t("violations.between", { min, max });
  byRule[`${kind}.gte`] = ({ gte: min }) => min && i18n.t("violations.atLeast", { min });
  byRule[`${kind}.gt`] = ({ gt: min }) => min && i18n.t("violations.moreThan", { min });
  byRule[`${kind}.lte`] = ({ lte: max }) => max && i18n.t("violations.atMost", { max });
  byRule[`${kind}.lt`] = ({ lt: max }) => max && i18n.t("violations.lessThan", { max });
}

// readableViolation is a violation's message for a shopper, by the rule
// broken (its rule id), with the rule's values put in; never protovalidate's
// own English text, and never a regular expression.
export function readableViolation(v: Violation, request?: DescMessage): string {
  const name = v.field?.elements.at(-1)?.fieldName ?? "";
  if (v.ruleId === "string.pattern" && isKey(name, zhCN.violations.patternOf)) return i18n.t(`violations.patternOf.${name}`);
  return byRule[v.ruleId]?.(ruleValues(v, request)) || i18n.t("violations.unknown");
}

// limitText words a refusal by a limit with the numbers its metadata
// gives ("最多可购买 99 件"), or is undefined when a number the text needs is
// missing (the reason's plain text reads then).
function limitText(reason: Extract<keyof typeof zhCN.errors.limit, string>, metadata: Record<string, string>): string | undefined {
  const values: Record<string, string> = {};
  for (const [, name = ""] of zhCN.errors.limit[reason].matchAll(/\{\{(\w+)\}\}/g)) {
    const v = metadata[name];
    if (v === undefined || !/^\d+$/.test(v)) return undefined;
    values[name] = v;
  }
  // The values are the text's own slots, read from it above: the key's
  // typed interpolation cannot follow a key chosen at run time.
  const t = i18n.t.bind(i18n) as (key: `errors.limit.${typeof reason}`, values: Record<string, string>) => string;
  return t(`errors.limit.${reason}`, values);
}

// reasonOf is a failed call's ErrorInfo reason ("" for none).
export function reasonOf(err: unknown): string {
  if (!err) return "";
  return ConnectError.from(err).findDetails(ErrorInfoSchema)[0]?.reason ?? "";
}

// refusal is the sentence for a failed call: by its reason (ErrorInfo),
// else by its code; the server's own text is never shown (it is English,
// and for internal errors not the shopper's business).
function refusal(e: ConnectError): string {
  const reason = reasonOf(e);
  if (reason === "RATE_LIMITED") {
    const delay = e.findDetails(RetryInfoSchema)[0]?.retryDelay;
    if (delay) return i18n.t("errors.retryIn", { seconds: Math.max(1, Math.ceil(Number(delay.seconds) + delay.nanos / 1e9)) });
  }
  if (isKey(reason, zhCN.errors.limit)) {
    const worded = limitText(reason, e.findDetails(ErrorInfoSchema)[0]?.metadata ?? {});
    if (worded) return worded;
  }
  if (isKey(reason, zhCN.errors.reason)) return i18n.t(`errors.reason.${reason}`);
  const code = Code[e.code];
  if (isKey(code, zhCN.errors.code)) return i18n.t(`errors.code.${code}`);
  return i18n.t("errors.generic");
}

// reasonText words an ErrorInfo reason given inside an answer (a bulk
// action's per-item refusal) as refusal words it for a failed call.
export function reasonText(reason: string): string {
  return isKey(reason, zhCN.errors.reason) ? i18n.t(`errors.reason.${reason}`) : i18n.t("errors.generic");
}

// problemOf turns any error from a call into what a shopper can read, in
// the shop's current language: violations by field, a refusal by its
// reason or code.
export function problemOf(err: unknown): Problem {
  if (err instanceof PollTimeout) return { code: undefined, message: i18n.t("errors.stillWorking"), fields: {} };
  const e = ConnectError.from(err);
  const request = requests.get(e);
  const fields: Record<string, string> = {};
  for (const vs of e.findDetails(ViolationsSchema)) {
    for (const v of vs.violations) {
      const path = fieldPath(v);
      if (!(path in fields)) fields[path] = readableViolation(v, request);
    }
  }
  if (Object.keys(fields).length > 0) {
    return { code: e.code, message: i18n.t("errors.fixFields"), fields };
  }
  return { code: e.code, message: refusal(e), fields };
}

// retryable says whether repeating the same call may succeed.
export function retryable(err: unknown): boolean {
  const c = ConnectError.from(err).code;
  return c === Code.Unavailable || c === Code.DeadlineExceeded || c === Code.Unknown || c === Code.Aborted;
}
