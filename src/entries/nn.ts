/**
 * `myelin/nn`: layers (`Module`, `Linear`, `Conv2d`, ...), `nn.init`, `nn.utils`, `nn.functional`, the same objects as `"myelin"` exports. Loading the backend
 * selection here makes ops run on the fastest backend when only this subpath is imported.
 * @module
 */
import "../backends/select.js";
export * from "../nn/index.js";
