import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import zhCN from "../locales/zh-CN";

// The reasons (google.rpc.ErrorInfo) the services declare, read from their
// Go sources: `Reason... = "CODE"`.
function declaredReasons(): Set<string> {
  const services = fileURLToPath(new URL("../../../services", import.meta.url));
  const reasons = new Set<string>();
  for (const file of readdirSync(services, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".go") || file.endsWith("_test.go")) continue;
    for (const m of readFileSync(join(services, file), "utf8").matchAll(/\bReason\w*\s*=\s*"([A-Z_]+)"/g)) reasons.add(m[1] ?? "");
  }
  return reasons;
}

// goFiles are the non-test Go sources of services/.
function goFiles(): string[] {
  const services = fileURLToPath(new URL("../../../services", import.meta.url));
  return readdirSync(services, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .map((f) => readFileSync(join(services, f), "utf8"));
}

// callAt is the text of the call whose "(" is at `open`, up to its ")".
function callAt(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "(") depth++;
    else if (src[i] === ")" && --depth === 0) return src.slice(open, i + 1);
  }
  throw new Error("unbalanced call");
}

// The refusals the services give with metadata (rpcerr.NewWithMetadata):
// the reason, and the metadata keys the call names, written out or
// through a helper of the same file that makes the map.
function refusalsWithMetadata(): { reason: string; keys: Set<string> }[] {
  const consts = new Map<string, string>();
  const files = goFiles();
  for (const src of files) for (const m of src.matchAll(/\b(Reason\w*)\s*=\s*"([A-Z_]+)"/g)) consts.set(m[1] ?? "", m[2] ?? "");
  const out: { reason: string; keys: Set<string> }[] = [];
  for (const src of files) {
    for (const m of src.matchAll(/rpcerr\.NewWithMetadata(?=\()/g)) {
      const call = callAt(src, m.index + m[0].length);
      const ident = /^\(\s*[^,]+,\s*(\w+)/.exec(call)?.[1] ?? "";
      const reason = consts.get(ident);
      if (!reason) throw new Error(`NewWithMetadata with a reason that is no constant: ${call}`);
      let keys = call;
      for (const [, helper = ""] of call.matchAll(/\b(\w+)\(/g)) {
        const body = new RegExp(`func ${helper}\\([^)]*\\)[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(src)?.[1];
        if (body?.includes("map[string]string")) keys += body;
      }
      out.push({ reason, keys: new Set([...keys.matchAll(/"(\w+)":/g)].map((k) => k[1] ?? "")) });
    }
  }
  return out;
}

// Reasons only a service, the payment provider or an admin meets: the SPA
// never calls what gives them, so they have no text of their own (the code's
// generic text would show).
const notForShoppers = new Set([
  "SERVICE_CREDENTIAL_REQUIRED", // service-only procedures
  "BAD_SIGNATURE", // the provider's webhook
  "STALE_SIGNATURE",
  "BAD_PAYLOAD",
  "UNKNOWN_CHARGE",
  "PAYMENT_ID_CONFLICT", // the payment workflow's own calls
  "CHARGE_CONFLICT",
  "CHARGE_MISMATCH",
  "ORDER_ID_CONFLICT", // the checkout workflow's CreateOrder
  "RESERVATION_RELEASED", // stock calls between services
  "RESERVATION_CONFLICT",
  "ALLOCATION_CONFLICT",
  "ALLOCATION_EXHAUSTED",
  "ALLOCATION_NOT_FOUND",
  "ALLOCATION_RETURNED",
  "UNITS_CONFIRMED",
  "BANNER_NOT_FOUND", // the admin's banner and flash-sale desk
  "EVENT_WINDOW",
  "NOT_ENOUGH_STOCK",
  "AUDIT_ENTRY_NOT_FOUND", // the audit interceptor's FinishAudit
  "REFUND_NOT_REFUSED", // the ops service's RetryRefund (it answers ATTENTION_ITEM_GONE)
  "EVENT_PUBLISHED", // the flash-sale desk's UpdateEvent (worded in admin:flash.reason)
  "SEARCH_UNAVAILABLE", // the deprecated ProductService.SearchProducts (the SPA searches with SearchService)
]);

// Named in workflows/payment (ErrTypeRefundRefused), the pay service's
// reason for a refused refund.
const fromWorkflows = new Set(["REFUND_REFUSED"]);

describe("reason texts", () => {
  const declared = declaredReasons();
  const worded = new Set(Object.keys(zhCN.errors.reason));

  it("word every reason a shopper can meet", () => {
    expect(declared.size).toBeGreaterThan(50);
    const missing = [...declared].filter((r) => !worded.has(r) && !notForShoppers.has(r));
    expect(missing, "reasons without a text: add one to errors.reason, or to notForShoppers").toEqual([]);
  });

  it("put the numbers of every refusal by a limit into words, from the metadata the services send", () => {
    const sent = refusalsWithMetadata();
    expect(sent.length).toBeGreaterThan(5);
    for (const { reason, keys } of sent) {
      expect(Object.hasOwn(zhCN.errors.limit, reason), `errors.limit.${reason}`).toBe(true);
      const text: string = zhCN.errors.limit[reason as keyof typeof zhCN.errors.limit];
      for (const [, slot = ""] of text.matchAll(/\{\{(\w+)\}\}/g)) expect(keys.has(slot), `${reason} sends ${slot}`).toBe(true);
    }
    const sentReasons = new Set(sent.map((s) => s.reason));
    expect(Object.keys(zhCN.errors.limit).filter((r) => !sentReasons.has(r))).toEqual([]);
  });

  it("word only reasons the services give", () => {
    const unknown = [...worded, ...notForShoppers].filter((r) => !declared.has(r) && !fromWorkflows.has(r));
    expect(unknown).toEqual([]);
    expect([...worded].filter((r) => notForShoppers.has(r))).toEqual([]);
  });
});
