import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { StatusChangeCause } from "@gen/mall/order/v1/order_pb.js";
import en from "../locales/en";
import zhCN from "../locales/zh-CN";
import { causeText, checkoutFailureText, purchaseFailureText } from "./codes";
import { i18n, type Lang } from "./i18n";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

// goSources are the non-test Go files under services/ and workflows/.
function goSources(): string[] {
  const out: string[] = [];
  for (const dir of ["services", "workflows"]) {
    for (const file of readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })) {
      if (file.endsWith(".go") && !file.endsWith("_test.go")) out.push(read(join(dir, file)));
    }
  }
  return out;
}

// The causes the services and workflows record in an order's history.
function recordedCauses(): Set<string> {
  const causes = new Set<string>();
  for (const src of goSources()) {
    for (const m of src.matchAll(/\bStatusChangeCause_STATUS_CHANGE_CAUSE_([A-Z_]+)\b/g)) causes.add(m[1] ?? "");
  }
  causes.delete("UNSPECIFIED");
  return causes;
}

// The codes GetCheckout answers as failure_code, read from the order
// service's checkoutFailureCode: each clause's returned constant, or its
// case labels where it returns the code it was given, and the default.
function checkoutFailureCodes(): Set<string> {
  const consts = new Map<string, string>();
  for (const path of ["services/order/errors.go", "workflows/checkout/errors.go"]) {
    for (const m of read(path).matchAll(/^\s*(\w+)\s*=\s*"([A-Z_]+)"/gm)) consts.set(m[1] ?? "", m[2] ?? "");
  }
  const value = (ident: string) => {
    const v = consts.get(ident.replace(/^\w+\./, ""));
    if (v === undefined) throw new Error(`checkoutFailureCode names ${ident}, which is no string constant here`);
    return v;
  };
  const body = /func checkoutFailureCode\(code string\) string \{([\s\S]*?)\n\}/.exec(read("services/order/errors.go"))?.[1];
  if (!body) throw new Error("checkoutFailureCode not found in services/order/errors.go");
  const parts = /^\s*switch code \{([\s\S]*)\n\t\}\n\treturn (\w+)\s*$/.exec(body);
  if (!parts) throw new Error("checkoutFailureCode is no longer one switch and a default return");
  const [, cases = "", fallback = ""] = parts;
  const codes = new Set([value(fallback)]);
  for (const clause of cases.split(/\bcase\s/).slice(1)) {
    const [labels = "", action = ""] = clause.split(/:\s*\n/, 2);
    const returned = /return (\w+(?:\.\w+)?)/.exec(action)?.[1];
    if (!returned) throw new Error(`a clause of checkoutFailureCode returns nothing readable: ${clause}`);
    if (returned === "code") for (const l of labels.split(",")) codes.add(value(l.trim()));
    else codes.add(value(returned));
  }
  return codes;
}

const languages: Lang[] = ["zh-CN", "en"];
const cjk = /[\u3400-\u9fff]/;
afterAll(() => i18n.changeLanguage("zh-CN"));

describe("history causes", () => {
  const recorded = recordedCauses();

  it("word every cause the services record, and every cause of the contract, in both languages", () => {
    expect(recorded.size).toBeGreaterThan(8);
    const contract = Object.keys(StatusChangeCause).filter((k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED");
    for (const name of new Set([...recorded, ...contract])) {
      expect(Object.hasOwn(zhCN.orderHistory.cause, name), `zh-CN orderHistory.cause.${name}`).toBe(true);
      expect(Object.hasOwn(en.orderHistory.cause, name), `en orderHistory.cause.${name}`).toBe(true);
    }
  });

  it("are the words of the shopper's language; none for no cause, a general one for a newer cause", async () => {
    await i18n.changeLanguage("zh-CN");
    expect(causeText(StatusChangeCause.PAYMENT_EXPIRED)).toBe("超时未付款，订单已自动取消");
    expect(causeText(StatusChangeCause.UNSPECIFIED)).toBe("");
    expect(causeText(99 as unknown as StatusChangeCause)).toBe("订单状态已更新");
    await i18n.changeLanguage("en");
    expect(causeText(StatusChangeCause.PAYMENT_EXPIRED)).toBe("Not paid in time; the order was cancelled");
    expect(causeText(99 as unknown as StatusChangeCause)).toBe("Order status updated");
  });
});

describe("checkout failures", () => {
  const produced = checkoutFailureCodes();

  it("word every failure_code GetCheckout gives, and only those", () => {
    expect(produced).toContain("OUT_OF_STOCK");
    expect(produced).toContain("CHECKOUT_FAILED");
    expect(produced.size).toBeGreaterThan(6);
    expect(Object.keys(zhCN.checkoutFailure).sort()).toEqual([...produced].sort());
    expect(Object.keys(en.checkoutFailure).sort()).toEqual([...produced].sort());
  });

  it("read in the shopper's language, and a code newer than the SPA reads as the general failure", async () => {
    for (const lang of languages) {
      await i18n.changeLanguage(lang);
      for (const code of produced) {
        const text = checkoutFailureText(code);
        expect(text, `${lang} ${code}`).not.toBe(i18n.t("checkout.failed"));
        expect(cjk.test(text), `${lang} ${code}`).toBe(lang === "zh-CN");
      }
      expect(checkoutFailureText("SOMETHING_NEW")).toBe(i18n.t("checkout.failed"));
      expect(checkoutFailureText("")).toBe(i18n.t("checkout.failed"));
    }
    await i18n.changeLanguage("zh-CN");
    expect(checkoutFailureText("OUT_OF_STOCK")).toBe("有商品库存不足，请减少数量后重新提交。");
  });
});

describe("flash purchase failures", () => {
  it("say why by the reason's text, and a code without one as the general failure", async () => {
    await i18n.changeLanguage("zh-CN");
    expect(purchaseFailureText("SOLD_OUT")).toBe("很遗憾，本次抢购未成功：已抢光。");
    expect(purchaseFailureText("SOMETHING_NEW")).toBe("很遗憾，本次抢购未成功。");
    expect(purchaseFailureText("")).toBe("很遗憾，本次抢购未成功。");
    await i18n.changeLanguage("en");
    expect(purchaseFailureText("ADDRESS_NOT_FOUND")).toBe(`Sorry, this purchase did not go through: ${en.errors.reason.ADDRESS_NOT_FOUND}`);
    expect(purchaseFailureText("SOMETHING_NEW")).toBe("Sorry, this purchase did not go through.");
  });
});
