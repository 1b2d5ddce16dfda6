import { i18n } from "../lib/i18n";
import en from "./locales/en";
import zhCN from "./locales/zh-CN";

// The console's texts come with the console's chunk: a shopper's pages
// never download them.
i18n.addResourceBundle("zh-CN", "admin", zhCN);
i18n.addResourceBundle("en", "admin", en);
