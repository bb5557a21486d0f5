/**
 * ReduceLROnPlateau: cuts the lr by `factor` when a metric stops improving for
 * `patience` epochs (with threshold, cooldown and minimum lr), as PyTorch.
 */
import { Tensor } from "../../core/tensor.js";
import type { Optimizer } from "../optimizer.js";
import { loadSchedulerState, schedulerState, type SchedulerStateDict } from "./base.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

/** ReduceLROnPlateau options (PyTorch's names, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** `"min"` (default): lower metric is better; `"max"`: higher is better. */
  mode?: "min" | "max";
  /** Multiplier applied to the lr on a plateau (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before cutting the lr (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** `"rel"` (default): relative to the best; `"abs"`: absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a cut before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (one for all groups, or one per group; default 0). */
  minLr?: number | number[];
  /** Cuts smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the learning rate when a metric has stopped improving; call `step(metric)`
 * once per epoch.
 * @example const s = new ReduceLROnPlateau(opt, {patience: 2}); s.step(valLoss);
 */
const SPEC = argSpec("optim.lrScheduler.ReduceLROnPlateau", 1,
  ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps", "verbose"]);

export class ReduceLROnPlateau {
  optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  _lastLr: number[];

  constructor(optimizer: Optimizer, ...args: PyArgs<ReduceLROnPlateauOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<ReduceLROnPlateauOptions>(args);
    const name = "ReduceLROnPlateau";
    this.factor = opts.factor ?? 0.1;
    if (this.factor >= 1) throw new RangeError(`${name}: factor should be < 1.0, got ${this.factor}`);
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new Error(`${name}: expected ${n} minLrs, got ${minLr.length}`);
      this.minLrs = minLr.slice();
    } else {
      this.minLrs = new Array(n).fill(minLr);
    }
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    this.mode = opts.mode ?? "min";
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? "rel";
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`${name}: mode ${JSON.stringify(this.mode)} is unknown (expected "min" or "max")`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new RangeError(`${name}: thresholdMode ${JSON.stringify(this.thresholdMode)} is unknown (expected "rel" or "abs")`);
    this.eps = opts.eps ?? 1e-8;
    this.modeWorse = this.mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether the cooldown after a cut is still running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric and cuts the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : Number(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The current learning rates, one per group. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** The scheduler's state with PyTorch's keys (`best`, `num_bad_epochs`, ...). */
  stateDict(): SchedulerStateDict {
    return schedulerState(this);
  }

  /** Restores state saved by `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    loadSchedulerState(this, sd);
  }
}
