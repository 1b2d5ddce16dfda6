import type adminZhCN from "../zh-CN";
import common from "./common";

const adminEn: typeof adminZhCN = { common };
export default adminEn;
