// The console's texts in Simplified Chinese (the i18n namespace "admin"):
// one file per area, each under its file's name, so t("orders.title") is
// the text "title" of orders.ts. Every other language has exactly these
// keys.
import attention from "./attention";
import audit from "./audit";
import catalog from "./catalog";
import common from "./common";
import flash from "./flash";
import orders from "./orders";

const adminZhCN = { common, catalog, orders, flash, attention, audit };
export default adminZhCN;
