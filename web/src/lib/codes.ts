import { StatusChangeCause } from "@gen/mall/order/v1/order_pb.js";
import zhCN from "../locales/zh-CN";
import { i18n } from "./i18n";

// The services say why something happened as a code (an enum value, an
// ErrorInfo reason) beside an English text for their logs; the shop shows
// the code's own words in the reader's language, and for a code newer than
// this SPA a general text, never the services' English.

function isKey<T extends object>(key: string, of: T): key is Extract<keyof T, string> {
  return Object.hasOwn(of, key);
}

// causeText words why an order's status changed (StatusChange.cause), or
// is "" when no cause was recorded: the entry's status says it all then.
export function causeText(cause: StatusChangeCause): string {
  if (cause === StatusChangeCause.UNSPECIFIED) return "";
  const name = Object.hasOwn(StatusChangeCause, cause) ? StatusChangeCause[cause] : "";
  return isKey(name, zhCN.orderHistory.cause)
    ? i18n.t(`orderHistory.cause.${name}`)
    : i18n.t("orderHistory.otherCause");
}

// checkoutFailureText words why a checkout failed
// (GetCheckoutResponse.failure_code), as what the shopper can do about it.
export function checkoutFailureText(code: string): string {
  return isKey(code, zhCN.checkoutFailure) ? i18n.t(`checkoutFailure.${code}`) : i18n.t("checkout.failed");
}

// purchaseFailureText words why a flash purchase failed after it was
// accepted (GetPurchaseResultResponse.failure_code, a reason of the
// services).
export function purchaseFailureText(code: string): string {
  return isKey(code, zhCN.errors.reason) ? i18n.t("flash.failedBecause", { why: i18n.t(`errors.reason.${code}`) }) : i18n.t("flash.failed");
}
