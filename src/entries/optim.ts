/**
 * `myelin/optim`: optimizers and `lrScheduler`, the same objects as `"myelin"` exports. Loading the backend
 * selection here makes ops run on the fastest backend when only this subpath is imported.
 * @module
 */
import "../backends/select.js";
export * from "../optim/index.js";
