import { useState } from "react";
import { useTranslation } from "react-i18next";
import { problemOf, reasonOf, type Problem } from "../../lib/errors";
import { i18n } from "../../lib/i18n";
import zhCNFlash from "../locales/zh-CN/flash";

type DeskReason = keyof typeof zhCNFlash.reason;

function isDeskReason(reason: string): reason is DeskReason {
  return Object.hasOwn(zhCNFlash.reason, reason);
}

// deskProblem words a failed call of the flash-sale desk: the refusals an
// operator meets here (not enough stock, a published sale…) in the desk's
// words, anything else as the shop words it.
export function deskProblem(err: unknown): Problem {
  const p = problemOf(err);
  if (Object.keys(p.fields).length > 0) return p;
  const reason = reasonOf(err);
  return isDeskReason(reason) ? { ...p, message: i18n.t(`admin:flash.reason.${reason}`) } : p;
}

// useDeskAction runs an action of the desk with its button busy and keeps
// its failure, worded again on each render (a switch of language).
export function useDeskAction() {
  useTranslation("admin");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { problem: error === null ? null : deskProblem(error), busy, run, setError };
}
