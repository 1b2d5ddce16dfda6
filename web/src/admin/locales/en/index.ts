import type adminZhCN from "../zh-CN";
import attention from "./attention";
import audit from "./audit";
import catalog from "./catalog";
import common from "./common";

const adminEn: typeof adminZhCN = { common, catalog, attention, audit };
export default adminEn;
