/**
 * `optim.lrScheduler`: learning-rate schedulers with PyTorch's semantics.
 * @module
 */
export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from "./base.js";
export { LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, type LrLambda } from "./basic.js";
export { CosineAnnealingLR, CosineAnnealingWarmRestarts } from "./cosine.js";
export { OneCycleLR, type OneCycleLROptions } from "./one_cycle.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau.js";
export { SequentialLR, ChainedScheduler } from "./composite.js";
