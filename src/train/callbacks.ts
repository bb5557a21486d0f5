/**
 * Standard callbacks for `fit`: early stopping with best-weight restore, learning-
 * rate scheduling, gradient clipping, a gradient-norm monitor that warns when
 * gradients vanish or explode, and a history-plot writer.
 */
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import type { Callback, SchedulerLike, TrainContext } from "./types.js";
import { historyToSvg } from "./plot.js";
import { readData } from "../ops/data.js";

function better(mode: "min" | "max", a: number, b: number, minDelta: number): boolean {
  return mode === "min" ? a < b - minDelta : a > b + minDelta;
}

function autoMode(monitor: string): "min" | "max" {
  return /loss|error|mae|mse|rmse/.test(monitor) ? "min" : "max";
}

function snapshot(sd: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(sd)) out[k] = v.detach().clone();
  return out;
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** History key to watch (default "val_loss"). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as improvement (default 0). */
  minDelta?: number;
  /** Whether smaller or larger is better ("auto": smaller for loss/error/mae/mse/rmse keys, else larger). */
  mode?: "min" | "max" | "auto";
  /** Put back the weights of the best epoch when training ends (default false). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored value stops improving (Keras' EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  readonly restoreBestWeights: boolean;
  best = NaN;
  bestEpoch = -1;
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? "val_loss";
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.mode = !opts.mode || opts.mode === "auto" ? autoMode(this.monitor) : opts.mode;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.bestWeights = null;
  }

  onEpochEnd(ctx: TrainContext, logs: Record<string, number>): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new Error(`EarlyStopping: monitored value "${this.monitor}" is not in the epoch logs (have: ${Object.keys(logs).join(", ")})`);
    }
    if (Number.isNaN(this.best) || better(this.mode, v, this.best, this.minDelta)) {
      this.best = v;
      this.bestEpoch = ctx.epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = snapshot(ctx.model.stateDict());
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      ctx.stopTraining = true;
      this.stoppedEpoch = ctx.epoch;
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    if (this.restoreBestWeights && this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}

/**
 * Steps a learning-rate scheduler every epoch (or every batch with
 * `interval: "step"`); with `monitor`, passes that value (ReduceLROnPlateau).
 */
export class LRSchedulerCallback implements Callback {
  constructor(readonly scheduler: SchedulerLike, readonly opts: { interval?: "epoch" | "step"; monitor?: string } = {}) {}

  onBatchEnd(): void {
    if (this.opts.interval === "step") this.scheduler.step();
  }

  onEpochEnd(_ctx: TrainContext, logs: Record<string, number>): void {
    if (this.opts.interval === "step") return;
    if (this.opts.monitor) {
      const v = logs[this.opts.monitor];
      if (v === undefined) throw new Error(`LRSchedulerCallback: monitored value "${this.opts.monitor}" is not in the epoch logs`);
      this.scheduler.step(v);
    } else this.scheduler.step();
  }
}

/** Global L2 norm of the gradients of `params` (params without a grad are skipped). */
export function gradNorm(params: Iterable<Tensor>): number {
  let s = 0;
  for (const p of params) {
    const g = p.grad ? readData(p.grad) : null;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  }
  return Math.sqrt(s);
}

/** Rescales gradients so their global norm is at most `maxNorm` (clipGradNorm_ as a callback). */
export class GradientClipping implements Callback {
  constructor(readonly maxNorm: number) {
    if (!(maxNorm > 0)) throw new RangeError(`GradientClipping: maxNorm must be positive, got ${maxNorm}`);
  }

  onAfterBackward(ctx: TrainContext, logs: Record<string, number>): void {
    const params = ctx.model.parameters();
    const norm = gradNorm(params);
    logs.grad_norm = norm;
    if (norm > this.maxNorm) {
      const coef = this.maxNorm / (norm + 1e-6);
      noGrad(() => {
        for (const p of params) if (p.grad) p.grad.mul_(coef);
      });
    }
  }
}

/** Options of {@link GradNormMonitor}. */
export interface GradNormMonitorOptions {
  /** Warn when some parameter's gradient norm falls below this (default 1e-7). */
  vanishBelow?: number;
  /** Warn when it rises above this or is not finite (default 1e4). */
  explodeAbove?: number;
  /** Where warnings go (default console.warn). */
  warn?: (msg: string) => void;
}

/**
 * Tracks the global gradient norm each step (reported as `grad_norm` in the epoch
 * logs) and warns, naming the parameter with the smallest/largest gradient, when
 * gradients vanish or explode. Warns at most once per epoch and kind.
 */
export class GradNormMonitor implements Callback {
  readonly vanishBelow: number;
  readonly explodeAbove: number;
  readonly warnings: string[] = [];
  private warnedEpoch = new Map<string, number>();
  private sum = 0;
  private count = 0;
  private readonly warn: (msg: string) => void;

  constructor(opts: GradNormMonitorOptions = {}) {
    this.vanishBelow = opts.vanishBelow ?? 1e-7;
    this.explodeAbove = opts.explodeAbove ?? 1e4;
    this.warn = opts.warn ?? ((m) => console.warn(m));
  }

  onEpochBegin(): void {
    this.sum = 0;
    this.count = 0;
  }

  onAfterBackward(ctx: TrainContext): void {
    const named = ctx.model.namedParameters ? [...ctx.model.namedParameters()] : ctx.model.parameters().map((p, i) => [`param${i}`, p] as [string, Tensor]);
    const norms = named.filter(([, p]) => p.grad).map(([n, p]) => [n, gradNorm([p])] as [string, number]);
    const total = Math.sqrt(norms.reduce((s, [, v]) => s + v * v, 0));
    this.sum += total;
    this.count++;
    // Vanishing shows up layer by layer (the output layer's gradient stays large),
    // so it is judged on the smallest parameter gradient; exploding on the global norm.
    const sorted = norms.slice().sort((a, b) => a[1] - b[1]);
    const smallest = sorted[0] ?? ["?", NaN];
    const largest = sorted[sorted.length - 1] ?? ["?", NaN];
    const kind = !Number.isFinite(total) || total > this.explodeAbove ? "explode" : smallest[1] < this.vanishBelow ? "vanish" : null;
    if (!kind || this.warnedEpoch.get(kind) === ctx.epoch) return;
    this.warnedEpoch.set(kind, ctx.epoch);
    const where = `epoch ${ctx.epoch + 1}, step ${ctx.step}`;
    const msg = kind === "vanish"
      ? `GradNormMonitor: gradients are vanishing at ${where}: ${smallest[0]} has gradient norm ${smallest[1].toExponential(2)} < ${this.vanishBelow} (global norm ${total.toExponential(2)}). Consider ReLU/GELU activations, normalization layers, residual connections or a better initialisation.`
      : `GradNormMonitor: gradients are exploding at ${where}: global norm ${total.toExponential(2)} > ${this.explodeAbove} (largest: ${largest[0]} ${largest[1].toExponential(2)}). Consider gradient clipping (GradientClipping), a smaller learning rate or normalization layers.`;
    this.warnings.push(msg);
    this.warn(msg);
  }

  onEpochEnd(_ctx: TrainContext, logs: Record<string, number>): void {
    if (this.count) logs.grad_norm = this.sum / this.count;
  }
}

/** Writes the loss/metric curves as an SVG file after every epoch (Node only). */
export class PlotHistory implements Callback {
  constructor(readonly path: string, readonly title = "Training history") {}

  async onEpochEnd(ctx: TrainContext, logs: Record<string, number>): Promise<void> {
    // fit appends this epoch's logs to the history after the callbacks run.
    const h: Record<string, number[]> = { ...ctx.history };
    for (const [k, v] of Object.entries(logs)) h[k] = [...(ctx.history[k] ?? []), v];
    const { writeFileAtomic } = await import("./node-fs.js");
    await writeFileAtomic(this.path, historyToSvg(h, this.title));
  }
}
