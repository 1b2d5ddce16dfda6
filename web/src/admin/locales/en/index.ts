import type adminZhCN from "../zh-CN";
import catalog from "./catalog";
import common from "./common";

const adminEn: typeof adminZhCN = { common, catalog };
export default adminEn;
