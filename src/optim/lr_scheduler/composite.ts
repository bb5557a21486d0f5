/**
 * Schedulers made of schedulers: SequentialLR (switch at milestones) and
 * ChainedScheduler (step all of them every epoch), with PyTorch's exact semantics.
 */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, loadSchedulerState, schedulerState, type SchedulerStateDict } from "./base.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const S = {
  SequentialLR: argSpec("optim.lrScheduler.SequentialLR", 1, ["schedulers", "milestones", "lastEpoch", "verbose"]),
};

/** Anything with PyTorch's scheduler protocol. */
interface Steppable {
  optimizer: Optimizer;
  step(epoch?: number): void;
  getLastLr(): number[];
  stateDict(): SchedulerStateDict;
  loadStateDict(sd: SchedulerStateDict): void;
}

function bisectRight(a: readonly number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Runs `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at
 * epoch 0), and so on.
 * @example new SequentialLR(opt, {schedulers: [warmup, cosine], milestones: [5]});
 */
export class SequentialLR extends LRScheduler {
  _schedulers: LRScheduler[];
  _milestones: number[];
  constructor(optimizer: Optimizer, ...args: PyArgs<{ schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }, typeof S.SequentialLR.names>) {
    const opts = S.SequentialLR.parse<{ schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }>(args);
    super(optimizer, { lastEpoch: -1 });
    const { schedulers, milestones } = opts;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error("SequentialLR: expected a non-empty array of schedulers");
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: expects all schedulers to belong to the same optimizer, but the scheduler at index ${i} has a different one`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(`SequentialLR: expects one more scheduler than milestones, but got ${schedulers.length} schedulers and ${milestones.length} milestones`);
    }
    this._schedulers = schedulers;
    this._milestones = milestones.slice();
    this.lastEpoch = (opts.lastEpoch ?? -1) + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
    this._lastLr = schedulers[0].getLastLr();
  }
  getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  /** Steps the scheduler in charge of the current epoch. */
  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this._lastLr = s.getLastLr();
  }
  override stateDict(): SchedulerStateDict {
    return { ...schedulerState(this), _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }
  override loadStateDict(sd: SchedulerStateDict): void {
    loadSchedulerState(this, sd);
    const subs = sd._schedulers as SchedulerStateDict[] | undefined;
    subs?.forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}

/**
 * Steps every scheduler in turn each epoch, so their multiplicative effects compose.
 * @example const s = new ChainedScheduler([new ConstantLR(opt, {factor: 0.1, totalIters: 2}), new ExponentialLR(opt, {gamma: 0.9})]);
 */
export class ChainedScheduler {
  _schedulers: Steppable[];
  optimizer: Optimizer;
  _lastLr: number[];
  constructor(schedulers: Steppable[]) {
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error("ChainedScheduler: expected a non-empty array of schedulers");
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) throw new Error(`ChainedScheduler: expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
    });
    this._schedulers = schedulers.slice();
    this.optimizer = schedulers[0].optimizer;
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /** Steps every scheduler. */
  step(): void {
    for (const s of this._schedulers) s.step();
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /** The current learning rates, one per group. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }
  /** State of the chain and of each scheduler (`_schedulers`). */
  stateDict(): SchedulerStateDict {
    return { ...schedulerState(this), _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }
  /** Restores state saved by `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    loadSchedulerState(this, sd);
    (sd._schedulers as SchedulerStateDict[] | undefined)?.forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}
