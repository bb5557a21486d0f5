/**
 * The training loop for people who don't want to write one: `fit(model, {...})`
 * runs epochs of forward, loss, backward, (callbacks), optimizer step, with a
 * progress bar, metrics, validation and a Keras-style history; `evaluate` scores
 * a model on a dataset.
 */
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { DataLoader } from "../data/dataloader.js";
import type { Dataset } from "../data/dataset.js";
import { makeMetric, type Metric, type MetricName } from "./metrics.js";
import { checkDevice, type Device } from "../core/storage.js";
import { ProgressBar, type ProgressStream } from "./progress.js";
import type { Callback, History, LossFn, ModelLike, OptimizerLike, TrainContext } from "./types.js";

type Batch = Tensor[] | { [k: string]: Tensor };
type DataSource = DataLoader<Batch> | Dataset<Batch> | Iterable<Batch>;

export interface FitOptions {
  /** Loss: a function (pred, target) → scalar tensor, or a loss Module. */
  loss: LossFn;
  optimizer: OptimizerLike;
  /** Training data: a DataLoader, a Dataset (batched with batchSize/shuffle), or any iterable of batches. */
  trainData: DataSource;
  /** Validation data, evaluated after every epoch (keys get a "val_" prefix). */
  valData?: DataSource;
  epochs?: number;
  /** Epoch to start from (for resumed runs); epochs counts from 0 to `epochs`. */
  initialEpoch?: number;
  /** Used when trainData/valData are Datasets (default 32). */
  batchSize?: number;
  /** Shuffle a Dataset's batches each epoch (default true). */
  shuffle?: boolean;
  metrics?: (MetricName | Metric)[];
  callbacks?: Callback[];
  /** 0: silent, 1: progress bar (default). */
  verbose?: 0 | 1;
  /** Progress output (default process.stdout). */
  stream?: ProgressStream | null;
  /** Splits a batch into model inputs and target (default: last element is the target). */
  unpack?: (batch: Batch) => [Tensor[], Tensor];
  /** Existing history to extend (resumed runs). */
  history?: History;
  /**
   * Where to train ("cpu" default, or "webgpu" after `await my.webgpu.init()`): the model
   * moves there in place and every batch is moved there. The loss and metrics are read
   * back asynchronously once per progress-bar update, not once per step.
   */
  device?: Device;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  loss?: LossFn;
  metrics?: (MetricName | Metric)[];
  batchSize?: number;
  /** Splits a batch into model inputs and target (default: last element is the target). */
  unpack?: (batch: Batch) => [Tensor[], Tensor];
  /** Device the model is on ({@link evaluateAsync}): batches are moved there. */
  device?: Device;
}

function defaultUnpack(batch: Batch): [Tensor[], Tensor] {
  if (Array.isArray(batch)) {
    if (batch.length < 2) throw new Error(`fit: a batch must hold inputs and a target, got ${batch.length} element(s); pass {unpack} for other layouts`);
    return [batch.slice(0, -1), batch[batch.length - 1]];
  }
  const { input, target, x, y } = batch as Record<string, Tensor>;
  if ((input ?? x) && (target ?? y)) return [[(input ?? x)!], (target ?? y)!];
  throw new Error("fit: batch objects need {input, target} or {x, y} fields; pass {unpack} for other layouts");
}

function lossOf(loss: LossFn, pred: Tensor, target: Tensor): Tensor {
  return typeof loss === "function" ? loss(pred, target) : loss.forward(pred, target);
}

function asLoader(src: DataSource, batchSize: number, shuffle: boolean): Iterable<Batch> & { len?(): number } {
  if (src instanceof DataLoader) return src;
  const ds = src as Dataset<Batch>;
  if (typeof ds.len === "function" && typeof ds.get === "function") return new DataLoader(ds, { batchSize, shuffle });
  return src as Iterable<Batch>;
}

function batchCount(src: Iterable<Batch> & { len?(): number }): number {
  return typeof src.len === "function" ? src.len() : Array.isArray(src) ? src.length : NaN;
}

function forward(model: ModelLike, inputs: Tensor[]): Tensor {
  const out = (model.forward as (...xs: Tensor[]) => unknown)(...inputs);
  if (!(out instanceof Tensor)) throw new TypeError("fit: model.forward must return a Tensor (the predictions)");
  return out;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** What evaluate and evaluateAsync share: the loader, the metrics, and the weighted loss sum. */
function scorer(model: ModelLike, data: DataSource, opts: EvaluateOptions) {
  const loader = asLoader(data, opts.batchSize ?? 256, false);
  const metrics = (opts.metrics ?? []).map(makeMetric);
  metrics.forEach((m) => m.reset());
  let lossSum = 0, count = 0;
  model.eval();
  return {
    loader,
    unpack: opts.unpack ?? defaultUnpack,
    /** One batch: its mean loss (or null), and predictions and target on the CPU. */
    add(loss: number | null, pred: Tensor, target: Tensor): void {
      const n = target.shape[0] ?? 1;
      if (loss !== null) lossSum += loss * n;
      count += n;
      for (const m of metrics) m.update(pred, target);
    },
    result(): Record<string, number> {
      const out: Record<string, number> = {};
      if (opts.loss) out.loss = count ? lossSum / count : NaN;
      for (const m of metrics) out[m.name] = m.compute();
      return out;
    },
  };
}

/**
 * Scores `model` on `data`: mean loss (if `loss` given) and metrics, in eval mode
 * without gradients. Returns e.g. `{loss: 0.05, accuracy: 0.99}`.
 */
export function evaluate(model: ModelLike, data: DataSource, opts: EvaluateOptions = {}): Record<string, number> {
  const sc = scorer(model, data, opts);
  noGrad(() => {
    for (const batch of sc.loader) {
      const [inputs, target] = sc.unpack(batch);
      const pred = forward(model, inputs);
      sc.add(opts.loss ? lossOf(opts.loss, pred, target).item() : null, pred, target);
    }
  });
  return sc.result();
}

/**
 * {@link evaluate} for a model on any device: batches go to `opts.device`, predictions
 * come back with an asynchronous read per batch.
 */
export async function evaluateAsync(model: ModelLike, data: DataSource, opts: EvaluateOptions = {}): Promise<Record<string, number>> {
  const device = opts.device === undefined ? "cpu" : checkDevice(opts.device, "evaluateAsync");
  if (device === "cpu") return evaluate(model, data, opts);
  const sc = scorer(model, data, opts);
  for (const batch of sc.loader) {
    const [inputs, target] = sc.unpack(batch);
    const [pred, loss] = noGrad(() => {
      const p = forward(model, inputs.map((t) => t.to(device)));
      return [p, opts.loss ? lossOf(opts.loss, p, target.to(device)) : null] as const;
    });
    sc.add(loss ? await loss.itemAsync() : null, await pred.toAsync("cpu"), target);
  }
  return sc.result();
}

/**
 * Trains `model` and returns the history (`{loss: [...], accuracy: [...],
 * val_loss: [...], lr: [...]}` by epoch).
 * @example const h = await fit(model, {loss: F.crossEntropy, optimizer, trainData, valData, epochs: 5, metrics: ["accuracy"]});
 */
export async function fit(model: ModelLike, opts: FitOptions): Promise<History> {
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 32;
  const train = asLoader(opts.trainData, batchSize, opts.shuffle ?? true);
  const val = opts.valData ? asLoader(opts.valData, Math.max(batchSize, 256), false) : null;
  const metrics = (opts.metrics ?? []).map(makeMetric);
  const callbacks = opts.callbacks ?? [];
  const unpack = opts.unpack ?? defaultUnpack;
  const history: History = opts.history ?? {};
  const ctx: TrainContext = { model, optimizer: opts.optimizer, history, epoch: opts.initialEpoch ?? 0, epochs, step: 0, stopTraining: false };
  const push = (k: string, v: number) => (history[k] ??= []).push(v);
  const device = opts.device === undefined ? "cpu" : checkDevice(opts.device, "fit");
  if (device !== "cpu") {
    const m = model as ModelLike & { to?(d: Device): unknown };
    if (typeof m.to !== "function") throw new Error(`fit: {device: "${device}"} needs a model with a to(device) method (an nn.Module)`);
    m.to(device);
  }
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  for (let epoch = opts.initialEpoch ?? 0; epoch < epochs && !ctx.stopTraining; epoch++) {
    ctx.epoch = epoch;
    for (const cb of callbacks) await cb.onEpochBegin?.(ctx);
    model.train();
    metrics.forEach((m) => m.reset());
    const total = batchCount(train);
    const bar = opts.verbose === 0 ? null : new ProgressBar(total, `Epoch ${epoch + 1}/${epochs}`, { stream: opts.stream });
    let lossSum = 0, seen = 0, batchIndex = 0, lastYield = Date.now();
    // On a device: the loss summed there and predictions kept, read back at each log point.
    let lossAcc: Tensor | null = null, readUpTo = 0, seenRead = 0;
    let pending: [Tensor, Tensor][] = [];
    const readBack = async (): Promise<void> => {
      if (lossAcc === null) return;
      const total = await lossAcc.itemAsync();
      if (!Number.isFinite(total)) {
        throw new Error(`fit: the loss became ${total} at epoch ${epoch + 1}, by batch ${batchIndex} (after batch ${readUpTo}); lower the learning rate or add gradient clipping`);
      }
      lossSum = total;
      readUpTo = batchIndex;
      seenRead = seen;
      const batchPreds = pending;
      pending = [];
      for (const [p, t] of batchPreds) {
        const pc = await p.toAsync("cpu");
        noGrad(() => metrics.forEach((m) => m.update(pc, t)));
      }
    };
    for (const batch of train) {
      let [inputs, target] = unpack(batch);
      const targetCpu = target;
      if (device !== "cpu") {
        inputs = inputs.map((t) => t.to(device));
        target = target.to(device);
      }
      const pred = forward(model, inputs);
      const loss = lossOf(opts.loss, pred, target);
      if (loss.numel() !== 1) throw new Error(`fit: the loss must be a scalar, got shape [${loss.shape.join(", ")}] (use reduction "mean" or "sum")`);
      opts.optimizer.zeroGrad();
      loss.backward();
      const stepLogs: Record<string, number> = {};
      for (const cb of callbacks) cb.onAfterBackward?.(ctx, stepLogs);
      opts.optimizer.step();
      ctx.step++;
      const n = target.shape[0] ?? 1;
      seen += n;
      if (device === "cpu") {
        const lv = loss.item();
        if (!Number.isFinite(lv)) {
          throw new Error(`fit: the loss became ${lv} at epoch ${epoch + 1}, batch ${batchIndex + 1}; lower the learning rate or add gradient clipping`);
        }
        lossSum += lv * n;
        noGrad(() => metrics.forEach((m) => m.update(pred.detach(), target)));
      } else {
        const ln = noGrad(() => loss.detach().mul(n));
        lossAcc = lossAcc === null ? ln : noGrad(() => lossAcc!.add(ln));
        pending.push([pred.detach(), targetCpu]);
      }
      batchIndex++;
      const logPoint = Date.now() - lastYield > 200;
      if (logPoint && device !== "cpu") await readBack();
      const running: Record<string, number> = { loss: lossSum / (device === "cpu" ? seen : seenRead) };
      for (const cb of callbacks) cb.onBatchEnd?.(ctx, { ...running, ...stepLogs });
      if (device === "cpu" || logPoint) bar?.update(batchIndex, running);
      if (logPoint) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    await readBack();
    const logs: Record<string, number> = { loss: seen ? lossSum / seen : NaN };
    for (const m of metrics) logs[m.name] = m.compute();
    if (val) {
      const v = await evaluateAsync(model, val, { loss: opts.loss, metrics, unpack, device });
      for (const [k, x] of Object.entries(v)) logs[`val_${k}`] = x;
    }
    const lr = opts.optimizer.paramGroups?.[0]?.lr;
    if (lr !== undefined) logs.lr = lr;
    for (const cb of callbacks) await cb.onEpochEnd?.(ctx, logs);
    for (const [k, v] of Object.entries(logs)) push(k, v);
    push("epoch", epoch + 1);
    bar?.finish(logs);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  return history;
}
