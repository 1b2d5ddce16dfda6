import "i18next";
import type adminZhCN from "./admin/locales/zh-CN";
import type zhCN from "./locales/zh-CN";

// Keys and their {{values}} are checked against the zh-CN texts (the
// shop's, and the console's in the namespace "admin"): t() of a
// key that does not exist, or without a value its text puts in, does not
// compile.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof zhCN; admin: typeof adminZhCN };
    strictKeyChecks: true;
    strictInterpolationChecks: true;
  }
}
