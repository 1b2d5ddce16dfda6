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

  it("word only reasons the services give", () => {
    const unknown = [...worded, ...notForShoppers].filter((r) => !declared.has(r) && !fromWorkflows.has(r));
    expect(unknown).toEqual([]);
    expect([...worded].filter((r) => notForShoppers.has(r))).toEqual([]);
  });
});
