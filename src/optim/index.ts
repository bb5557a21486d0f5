/**
 * `optim`: optimizers and learning-rate schedulers (`optim.lrScheduler`).
 */
export {};
