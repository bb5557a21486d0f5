/**
 * LRScheduler base (torch.optim.lr_scheduler._LRScheduler): the chainable step/getLr
 * protocol, `initialLr` bookkeeping on the optimizer's groups, and state dicts with
 * PyTorch's snake_case keys (`last_epoch`, `base_lrs`, `_last_lr`, ...).
 */
import type { Optimizer, ParamGroup } from "../optimizer.js";
import { deepCopyState, toCamel, toSnake } from "../util.js";

/** Scheduler state: PyTorch's keys, plain JSON-able values. */
export type SchedulerStateDict = Record<string, unknown>;

/** Keys never saved in a scheduler's state dict. */
const NOT_STATE = new Set(["optimizer", "lrLambdas", "_schedulers", "_getLrCalledWithinStep"]);

/** Snapshot of own data fields, snake_case keyed, for `stateDict()`. */
export function schedulerState(obj: object, skip: readonly string[] = []): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(obj)) {
    if (NOT_STATE.has(k) || skip.includes(k) || typeof v === "function") continue;
    out[toSnake(k)] = deepCopyState(v);
  }
  return out;
}

/** Restores fields saved by `schedulerState` (keys may be snake_case or camelCase). */
export function loadSchedulerState(obj: object, sd: SchedulerStateDict, skip: readonly string[] = []): void {
  for (const [k, v] of Object.entries(sd)) {
    const key = toCamel(k);
    if (NOT_STATE.has(key) || skip.includes(key)) continue;
    (obj as Record<string, unknown>)[key] = deepCopyState(v);
  }
}

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** Index of the last epoch when resuming (default -1: start fresh). */
  lastEpoch?: number;
}

/**
 * Base class of the epoch-based schedulers. Subclasses set their fields, then call
 * `this.initialStep()` at the end of their constructor (PyTorch's constructor does
 * the first `step()`, which needs the subclass's fields).
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  optimizer: Optimizer;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** Number of `step()` calls so far minus one (the current "epoch"). */
  lastEpoch: number;
  /** Number of `step()` calls (including the one in the constructor). */
  _stepCount = 0;
  /** The learning rates set by the last `step()`. */
  _lastLr: number[] = [];

  constructor(optimizer: Optimizer, opts: SchedulerOptions = {}) {
    const name = new.target.name;
    if (!optimizer || !Array.isArray((optimizer as Optimizer).paramGroups)) {
      throw new TypeError(`${name}: expected an Optimizer as first argument, got ${typeof optimizer}`);
    }
    this.optimizer = optimizer;
    const lastEpoch = opts.lastEpoch ?? -1;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch=${lastEpoch})`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** @internal PyTorch's `_initial_step`: resets the step count and takes the first step. */
  initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** @internal The chainable learning rates for `lastEpoch` (called by `step`). */
  abstract getLr(): number[];

  /** @internal Closed-form learning rates, used when `step(epoch)` is given an epoch. */
  getClosedFormLr?(): number[];

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /**
   * Advances one epoch and writes the new learning rates into the optimizer's groups.
   * Passing `epoch` (deprecated in PyTorch) jumps there using the closed form.
   */
  step(epoch?: number): void {
    this._stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.getClosedFormLr ? this.getClosedFormLr() : this.getLr();
    }
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** The learning rates computed by the last `step()`, one per group. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** The scheduler's state (everything but the optimizer and functions), PyTorch's keys. */
  stateDict(): SchedulerStateDict {
    return schedulerState(this);
  }

  /** Restores state saved by `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    loadSchedulerState(this, sd);
  }
}
