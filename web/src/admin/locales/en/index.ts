import type adminZhCN from "../zh-CN";
import attention from "./attention";
import audit from "./audit";
import catalog from "./catalog";
import common from "./common";
import flash from "./flash";
import orders from "./orders";

const adminEn: typeof adminZhCN = { common, catalog, orders, flash, attention, audit };
export default adminEn;
