import "i18next";
import type zhCN from "./locales/zh-CN";

// Keys and their {{values}} are checked against the zh-CN texts: t() of a
// key that does not exist, or without a value its text puts in, does not
// compile.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof zhCN };
    strictKeyChecks: true;
    strictInterpolationChecks: true;
  }
}
