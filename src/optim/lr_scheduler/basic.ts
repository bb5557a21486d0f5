/**
 * Multiplicative-factor schedulers: LambdaLR, MultiplicativeLR, StepLR, MultiStepLR,
 * ConstantLR, LinearLR, ExponentialLR, PolynomialLR, in PyTorch's chainable form
 * (each step multiplies the group's current lr) with closed forms for `step(epoch)`.
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from "./base.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const S = {
  LambdaLR: argSpec("optim.lrScheduler.LambdaLR", 1, ["lrLambda", "lastEpoch", "verbose"]),
  MultiplicativeLR: argSpec("optim.lrScheduler.MultiplicativeLR", 1, ["lrLambda", "lastEpoch", "verbose"]),
  StepLR: argSpec("optim.lrScheduler.StepLR", 1, ["stepSize", "gamma", "lastEpoch", "verbose"]),
  MultiStepLR: argSpec("optim.lrScheduler.MultiStepLR", 1, ["milestones", "gamma", "lastEpoch", "verbose"]),
  ConstantLR: argSpec("optim.lrScheduler.ConstantLR", 1, ["factor", "totalIters", "lastEpoch", "verbose"]),
  LinearLR: argSpec("optim.lrScheduler.LinearLR", 1, ["startFactor", "endFactor", "totalIters", "lastEpoch", "verbose"]),
  ExponentialLR: argSpec("optim.lrScheduler.ExponentialLR", 1, ["gamma", "lastEpoch", "verbose"]),
  PolynomialLR: argSpec("optim.lrScheduler.PolynomialLR", 1, ["totalIters", "power", "lastEpoch", "verbose"]),
};

/** An lr function of the epoch, one for all groups or one per group. */
export type LrLambda = ((epoch: number) => number) | Array<(epoch: number) => number>;

function lambdas(opt: Optimizer, f: LrLambda, name: string): Array<(epoch: number) => number> {
  if (!Array.isArray(f)) return opt.paramGroups.map(() => f);
  if (f.length !== opt.paramGroups.length) throw new Error(`${name}: expected ${opt.paramGroups.length} lrLambdas, but got ${f.length}`);
  return f.slice();
}

/**
 * `lr = initialLr * lrLambda(epoch)`.
 * @example new LambdaLR(opt, {lrLambda: (e) => 0.95 ** e});
 */
export class LambdaLR extends LRScheduler {
  lrLambdas: Array<(epoch: number) => number>;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { lrLambda: LrLambda }, typeof S.LambdaLR.names>) {
    const opts = S.LambdaLR.parse<SchedulerOptions & { lrLambda: LrLambda }>(args);
    super(optimizer, opts);
    this.lrLambdas = lambdas(optimizer, opts.lrLambda, "LambdaLR");
    this.initialStep();
  }
  getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/**
 * Multiplies the lr by `lrLambda(epoch)` every epoch after the first.
 * @example new MultiplicativeLR(opt, {lrLambda: () => 0.95});
 */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: Array<(epoch: number) => number>;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { lrLambda: LrLambda }, typeof S.MultiplicativeLR.names>) {
    const opts = S.MultiplicativeLR.parse<SchedulerOptions & { lrLambda: LrLambda }>(args);
    super(optimizer, opts);
    this.lrLambdas = lambdas(optimizer, opts.lrLambda, "MultiplicativeLR");
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs.
 * @example new StepLR(opt, {stepSize: 30, gamma: 0.1});
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { stepSize: number; gamma?: number }, typeof S.StepLR.names>) {
    const opts = S.StepLR.parse<SchedulerOptions & { stepSize: number; gamma?: number }>(args);
    super(optimizer, opts);
    if (!(opts.stepSize > 0)) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${opts.stepSize}`);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  override getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies the lr by `gamma` at each milestone epoch (repeated milestones compound).
 * @example new MultiStepLR(opt, {milestones: [30, 80], gamma: 0.1});
 */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { milestones: number[]; gamma?: number }, typeof S.MultiStepLR.names>) {
    const opts = S.MultiStepLR.parse<SchedulerOptions & { milestones: number[]; gamma?: number }>(args);
    super(optimizer, opts);
    this.milestones = opts.milestones.slice().sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }
  override getClosedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * Multiplies the lr by `factor` until epoch `totalIters`, then restores it.
 * @example new ConstantLR(opt, {factor: 0.5, totalIters: 4});
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { factor?: number; totalIters?: number }, typeof S.ConstantLR.names>) {
    const opts = S.ConstantLR.parse<SchedulerOptions & { factor?: number; totalIters?: number }>(args);
    super(optimizer, opts);
    this.factor = opts.factor ?? 1 / 3;
    if (this.factor > 1 || this.factor < 0) throw new RangeError(`ConstantLR: factor must be in [0, 1], got ${this.factor}`);
    this.totalIters = opts.totalIters ?? 5;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }
  override getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/**
 * Scales the lr linearly from `startFactor` to `endFactor` over `totalIters` epochs.
 * @example new LinearLR(opt, {startFactor: 0.1, totalIters: 10});
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number }, typeof S.LinearLR.names>) {
    const opts = S.LinearLR.parse<SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number }>(args);
    super(optimizer, opts);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (this.endFactor > 1 || this.endFactor < 0) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const s = this.startFactor, e = this.endFactor;
    const f = 1 + (e - s) / (this.totalIters * s + (this.lastEpoch - 1) * (e - s));
    return this.groups.map((g) => g.lr * f);
  }
  override getClosedFormLr(): number[] {
    const s = this.startFactor, e = this.endFactor;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

/**
 * Multiplies the lr by `gamma` every epoch.
 * @example new ExponentialLR(opt, {gamma: 0.9});
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { gamma: number }, typeof S.ExponentialLR.names>) {
    const opts = S.ExponentialLR.parse<SchedulerOptions & { gamma: number }>(args);
    super(optimizer, opts);
    this.gamma = opts.gamma;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  override getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Decays the lr polynomially to 0 over `totalIters` epochs: `(1 - t/T)^power`.
 * @example new PolynomialLR(opt, {totalIters: 10, power: 2});
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { totalIters?: number; power?: number }, typeof S.PolynomialLR.names>) {
    const opts = S.PolynomialLR.parse<SchedulerOptions & { totalIters?: number; power?: number }>(args);
    super(optimizer, opts);
    this.totalIters = opts.totalIters ?? 5;
    this.power = opts.power ?? 1;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const T = this.totalIters;
    const f = ((1 - this.lastEpoch / T) / (1 - (this.lastEpoch - 1) / T)) ** this.power;
    return this.groups.map((g) => g.lr * f);
  }
  override getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}
