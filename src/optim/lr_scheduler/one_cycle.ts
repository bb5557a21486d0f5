/**
 * OneCycleLR (Smith & Topin's 1cycle policy): lr warms up from `maxLr / divFactor` to
 * `maxLr`, then anneals to `initialLr / finalDivFactor`; momentum (or Adam's beta1)
 * cycles inversely. Two phases, or three with `threePhase`.
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, type SchedulerOptions } from "./base.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const S = {
  OneCycleLR: argSpec("optim.lrScheduler.OneCycleLR", 1, ["maxLr", "totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum", "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase", "lastEpoch", "verbose"]),
};

/** OneCycleLR options (PyTorch's names, camelCase). */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak learning rate (one for all groups, or one per group). */
  maxLr: number | number[];
  /** Total number of steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** `"cos"` (default) or `"linear"`. */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum / beta1 inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum (default 0.85). */
  baseMomentum?: number | number[];
  /** Highest momentum (default 0.95). */
  maxMomentum?: number | number[];
  /** `initialLr = maxLr / divFactor` (default 25). */
  divFactor?: number;
  /** `minLr = initialLr / finalDivFactor` (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals to minLr after a symmetric warmup/cooldown (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle learning-rate policy; call `step()` after every batch.
 * @example new OneCycleLR(opt, {maxLr: 0.1, totalSteps: 1000});
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1 = false;
  _schedulePhases: Phase[];
  constructor(optimizer: Optimizer, ...args: PyArgs<OneCycleLROptions, typeof S.OneCycleLR.names>) {
    const opts = S.OneCycleLR.parse<OneCycleLROptions>(args);
    super(optimizer, { lastEpoch: opts.lastEpoch });
    const name = "OneCycleLR";
    const groups = optimizer.paramGroups;
    const perGroup = (what: string, v: number | number[]): number[] => {
      if (!Array.isArray(v)) return groups.map(() => v);
      if (v.length !== groups.length) throw new Error(`${name}: expected ${groups.length} values for ${what}, got ${v.length}`);
      return v.slice();
    };
    if (opts.totalSteps === undefined && (opts.epochs === undefined || opts.stepsPerEpoch === undefined)) {
      throw new Error(`${name}: you must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    }
    if (opts.totalSteps !== undefined) {
      if (!(opts.totalSteps > 0) || !Number.isInteger(opts.totalSteps)) throw new RangeError(`${name}: expected positive integer totalSteps, but got ${opts.totalSteps}`);
      this.totalSteps = opts.totalSteps;
    } else {
      if (!(opts.epochs! > 0) || !Number.isInteger(opts.epochs)) throw new RangeError(`${name}: expected positive integer epochs, but got ${opts.epochs}`);
      if (!(opts.stepsPerEpoch! > 0) || !Number.isInteger(opts.stepsPerEpoch)) throw new RangeError(`${name}: expected positive integer stepsPerEpoch, but got ${opts.stepsPerEpoch}`);
      this.totalSteps = opts.epochs! * opts.stepsPerEpoch!;
    }
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`${name}: expected pctStart between 0 and 1, but got ${pct}`);
    const N = this.totalSteps;
    this._schedulePhases = opts.threePhase
      ? [
          { endStep: pct * N - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pct * N - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: N - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: pct * N - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: N - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    const strategy = opts.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new RangeError(`${name}: annealStrategy must be one of "cos" or "linear", got ${JSON.stringify(strategy)}`);
    this.annealStrategy = strategy;
    const fresh = (opts.lastEpoch ?? -1) === -1;
    const maxLrs = perGroup("maxLr", opts.maxLr);
    const divFactor = opts.divFactor ?? 25, finalDivFactor = opts.finalDivFactor ?? 1e4;
    if (fresh) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    this.cycleMomentum = opts.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const d = optimizer.defaults;
      if (!("momentum" in d) && !("betas" in d)) throw new Error(`${name}: optimizer must support momentum or betas with the cycleMomentum option enabled`);
      this.useBeta1 = "betas" in d;
      const maxM = perGroup("maxMomentum", opts.maxMomentum ?? 0.95);
      const baseM = perGroup("baseMomentum", opts.baseMomentum ?? 0.85);
      if (fresh) {
        groups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    // PyTorch sets initialLr before the base constructor reads it into baseLrs.
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "cos") return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    return this.groups.map((g) => {
      let startStep = 0;
      let lr = 0, mom = 0;
      const phases = this._schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        if (stepNum <= ph.endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (ph.endStep - startStep);
          lr = this.anneal(g[ph.startLr], g[ph.endLr], pct);
          if (this.cycleMomentum) mom = this.anneal(g[ph.startMomentum], g[ph.endMomentum], pct);
          break;
        }
        startStep = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [mom, ...(g.betas as number[]).slice(1)];
        else g.momentum = mom;
      }
      return lr;
    });
  }
}
