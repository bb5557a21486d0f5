/**
 * Cosine schedules: CosineAnnealingLR (PyTorch's recursive, chainable form) and
 * CosineAnnealingWarmRestarts (SGDR).
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, type SchedulerOptions } from "./base.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const S = {
  CosineAnnealingLR: argSpec("optim.lrScheduler.CosineAnnealingLR", 1, ["TMax", "etaMin", "lastEpoch", "verbose"]),
  CosineAnnealingWarmRestarts: argSpec("optim.lrScheduler.CosineAnnealingWarmRestarts", 1, ["T0", "TMult", "etaMin", "lastEpoch", "verbose"]),
};

/**
 * Cosine annealing from the initial lr to `etaMin` over `TMax` epochs, computed
 * recursively from the current lr exactly as PyTorch does (so it composes with other
 * schedulers); past `TMax` it rises again (period `2 TMax`).
 * @example new CosineAnnealingLR(opt, {TMax: 100, etaMin: 1e-5});
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { TMax: number; etaMin?: number }, typeof S.CosineAnnealingLR.names>) {
    const opts = S.CosineAnnealingLR.parse<SchedulerOptions & { TMax: number; etaMin?: number }>(args);
    super(optimizer, opts);
    if (!(opts.TMax > 0)) throw new RangeError(`CosineAnnealingLR: TMax must be positive, got ${opts.TMax}`);
    this.TMax = opts.TMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }
  getLr(): number[] {
    const T = this.TMax, e = this.etaMin, t = this.lastEpoch;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => e + ((b - e) * (1 + Math.cos((t * Math.PI) / T))) / 2);
    }
    if (pyMod(t - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - e) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - e) + e);
  }
  override getClosedFormLr(): number[] {
    const e = this.etaMin;
    return this.baseLrs.map((b) => e + ((b - e) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
}

/** Python's modulo (result has the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * Cosine annealing with warm restarts (SGDR): the cosine restarts every `Ti` epochs,
 * with `T0` first and `Ti *= TMult` after each restart. `step(epoch)` accepts
 * fractional epochs, as PyTorch.
 * @example new CosineAnnealingWarmRestarts(opt, {T0: 10, TMult: 2});
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  Ti: number;
  TMult: number;
  etaMin: number;
  TCur: number;
  constructor(optimizer: Optimizer, ...args: PyArgs<SchedulerOptions & { T0: number; TMult?: number; etaMin?: number }, typeof S.CosineAnnealingWarmRestarts.names>) {
    const opts = S.CosineAnnealingWarmRestarts.parse<SchedulerOptions & { T0: number; TMult?: number; etaMin?: number }>(args);
    super(optimizer, opts);
    const T0 = opts.T0, TMult = opts.TMult ?? 1;
    if (!(T0 > 0) || !Number.isInteger(T0)) throw new RangeError(`CosineAnnealingWarmRestarts: expected positive integer T0, but got ${T0}`);
    if (!(TMult >= 1) || !Number.isInteger(TMult)) throw new RangeError(`CosineAnnealingWarmRestarts: expected integer TMult >= 1, but got ${TMult}`);
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = opts.etaMin ?? 0;
    this.TCur = this.lastEpoch;
    this.initialStep();
  }
  getLr(): number[] {
    const e = this.etaMin;
    return this.baseLrs.map((b) => e + ((b - e) * (1 + Math.cos((Math.PI * this.TCur) / this.Ti))) / 2);
  }
  /** Advances one epoch, or jumps to `epoch` (which may be fractional). */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      if (epoch < 0) throw new RangeError(`CosineAnnealingWarmRestarts.step: expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T0) {
        if (this.TMult === 1) {
          this.TCur = epoch % this.T0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.TCur = epoch - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.TCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this._stepCount++;
    const lrs = this.getLr();
    this.groups.forEach((g, i) => (g.lr = lrs[i]));
    this._lastLr = this.groups.map((g) => g.lr);
  }
}
