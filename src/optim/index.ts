/**
 * `optim`: optimizers and learning-rate schedulers (`optim.lrScheduler`).
 * @module
 */
export {};
export { Optimizer, type ParamGroup, type ParamGroupInput, type ParamsInput, type Closure, type OptimizerStateDict, type ParamState } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
export { AdamW } from "./adamw.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export { Adadelta, type AdadeltaOptions } from "./adadelta.js";
export { Adamax, type AdamaxOptions } from "./adamax.js";
export { NAdam, type NAdamOptions } from "./nadam.js";
export { RAdam, type RAdamOptions } from "./radam.js";
export { LBFGS, type LBFGSOptions } from "./lbfgs.js";
export * as lrScheduler from "./lr_scheduler/index.js";
