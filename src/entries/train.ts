/**
 * `myelin/train`: the training toolkit (`fit`, `evaluate`, metrics, callbacks, checkpoints), the same objects as `"myelin"` exports. Loading the backend
 * selection here makes ops run on the fastest backend when only this subpath is imported.
 * @module
 */
import "../backends/select.js";
export * from "../train/index.js";
