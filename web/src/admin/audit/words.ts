import { i18n } from "../../lib/i18n";
import zhCNAudit from "../locales/zh-CN/audit";

export type AuditAction = keyof typeof zhCNAudit.actionName;
type TargetKind = keyof typeof zhCNAudit.targetKind;

// The actions an operator can pick in the log's filter, in the order of
// the console's areas.
export const auditActions = Object.keys(zhCNAudit.actionName) as AuditAction[];

export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(zhCNAudit.actionName, action);
}

// What the services name a target by, longest first: "product image pi-1"
// is a picture, not a product.
const kinds: [string, TargetKind][] = (
  [
    ["banner order", "bannerOrder"],
    ["flash sale", "flashSale"],
    ["product image", "productImage"],
    ["product", "product"],
    ["orders", "orders"],
    ["order", "order"],
    ["banner", "banner"],
    ["category", "category"],
    ["workflow", "workflow"],
  ] as [string, TargetKind][]
).sort((a, b) => b[0].length - a[0].length);

// splitTarget separates what the services name a target by ("order",
// "flash sale") from its ids, so the kind can be worded in the page's
// language; a target of another form is all ids.
export function splitTarget(target: string): { kind: TargetKind | null; ids: string } {
  for (const [prefix, kind] of kinds) {
    if (target === prefix) return { kind, ids: "" };
    if (target.startsWith(`${prefix} `)) return { kind, ids: target.slice(prefix.length + 1) };
  }
  return { kind: null, ids: target };
}

// codeName turns a recorded Connect code ("failed_precondition") into the
// name the shop's texts use for it ("FailedPrecondition").
export function codeName(code: string): string {
  return code
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

// refusalText words a refused action as the operator saw it: by its reason
// in the console's or the shop's words, else by its code.
export function refusalText(code: string, reason: string): string {
  for (const key of [`admin:flash.reason.${reason}`, `errors.reason.${reason}`]) {
    if (reason && i18n.exists(key)) return i18n.t(key as "errors.generic");
  }
  const byCode = `errors.code.${codeName(code)}`;
  return i18n.exists(byCode) ? i18n.t(byCode as "errors.generic") : i18n.t("errors.generic");
}
