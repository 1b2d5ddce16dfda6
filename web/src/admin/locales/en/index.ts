import type adminZhCN from "../zh-CN";
import catalog from "./catalog";
import common from "./common";
import orders from "./orders";

const adminEn: typeof adminZhCN = { common, catalog, orders };
export default adminEn;
