/**
 * Metrics for classification and regression, as pure functions over a batch and
 * as accumulating `Metric` objects the training loop updates batch by batch.
 * Classification inputs are logits/probabilities [N, C] (argmax taken) or class
 * indices [N]; targets are int32 class indices [N].
 */
import { Tensor } from "../core/tensor.js";
import { fmtShape } from "../core/shape.js";
import { noGrad } from "../core/autograd.js";
import { readData } from "../ops/data.js";

function predictedClasses(pred: Tensor, op: string): Int32Array {
  if (pred.ndim === 2) return readData(pred.argmax(1)) as Int32Array;
  if (pred.ndim === 1 && pred.dtype === "int32") return readData(pred) as Int32Array;
  if (pred.ndim === 1) {
    // A single probability/logit per sample: binary classification at 0.5 / 0.
    const isProb = Array.prototype.every.call(readData(pred), (v: number) => v >= 0 && v <= 1);
    return Int32Array.from(readData(pred) as ArrayLike<number>, (v: number) => (v > (isProb ? 0.5 : 0) ? 1 : 0));
  }
  throw new Error(`${op}: expected predictions of shape [N, C] (scores) or [N] (classes), got ${fmtShape(pred.shape)}`);
}

function targetClasses(target: Tensor, n: number, op: string): Int32Array {
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new Error(`${op}: expected targets of shape [${n}] (class indices), got ${fmtShape(target.shape)}`);
  }
  return target.dtype === "int32" ? (readData(target) as Int32Array) : Int32Array.from(readData(target) as ArrayLike<number>);
}

/** Fraction of samples whose predicted class equals the target. */
export function accuracy(pred: Tensor, target: Tensor): number {
  const p = predictedClasses(pred, "accuracy");
  const t = targetClasses(target, p.length, "accuracy");
  let hit = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) hit++;
  return p.length ? hit / p.length : 0;
}

/** Fraction of samples whose target is among the k highest scores. */
export function topKAccuracy(scores: Tensor, target: Tensor, k: number): number {
  if (scores.ndim !== 2) throw new Error(`topKAccuracy: expected scores [N, C], got ${fmtShape(scores.shape)}`);
  const [n, c] = scores.shape;
  if (k < 1 || k > c) throw new RangeError(`topKAccuracy: k=${k} must be in [1, ${c}] for ${c} classes`);
  const t = targetClasses(target, n, "topKAccuracy");
  const s = readData(scores);
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const v = s[i * c + t[i]];
    // Rank = number of classes scoring strictly higher (ties favour the target, as torch.topk on sorted order may not).
    let higher = 0;
    for (let j = 0; j < c; j++) if (s[i * c + j] > v) higher++;
    if (higher < k) hit++;
  }
  return n ? hit / n : 0;
}

/** Confusion matrix [numClasses, numClasses]: rows are true classes, columns predictions. */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses?: number): number[][] {
  const p = predictedClasses(pred, "confusionMatrix");
  const t = targetClasses(target, p.length, "confusionMatrix");
  const c = numClasses ?? Math.max(pred.ndim === 2 ? pred.shape[1] : 0, ...Array.from(p, (v) => v + 1), ...Array.from(t, (v) => v + 1));
  const m = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < p.length; i++) {
    if (t[i] < 0 || t[i] >= c || p[i] < 0 || p[i] >= c) throw new RangeError(`confusionMatrix: class ${t[i]}/${p[i]} outside [0, ${c})`);
    m[t[i]][p[i]]++;
  }
  return m;
}

/** Result of {@link precisionRecallF1}: the averaged values and the per-class ones. */
export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
  /** Per-class values, index = class. */
  perClass: { precision: number; recall: number; f1: number; support: number }[];
}

/**
 * Precision, recall and F1 from a confusion matrix: "macro" averages the per-class
 * values (classes with no support and no predictions are skipped), "micro" pools counts,
 * "weighted" weights classes by support. An undefined ratio (0/0) counts as 0, as scikit-learn.
 */
export function precisionRecallF1(cm: number[][], average: "macro" | "micro" | "weighted" = "macro"): PrecisionRecallF1 {
  const c = cm.length;
  const perClass: PrecisionRecallF1["perClass"] = [];
  let tpAll = 0, fpAll = 0, fnAll = 0, supportAll = 0;
  for (let k = 0; k < c; k++) {
    const tp = cm[k][k];
    let fp = 0, fn = 0;
    for (let j = 0; j < c; j++) {
      if (j !== k) {
        fp += cm[j][k];
        fn += cm[k][j];
      }
    }
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support: tp + fn });
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    supportAll += tp + fn;
  }
  if (average === "micro") {
    const precision = tpAll + fpAll ? tpAll / (tpAll + fpAll) : 0;
    const recall = tpAll + fnAll ? tpAll / (tpAll + fnAll) : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, perClass };
  }
  const present = perClass.filter((p, k) => p.support > 0 || cm.some((row) => row[k] > 0));
  const w = (p: (typeof perClass)[number]) => (average === "weighted" ? p.support / (supportAll || 1) : 1 / (present.length || 1));
  const avg = (key: "precision" | "recall" | "f1") => present.reduce((s, p) => s + w(p) * p[key], 0);
  return { precision: avg("precision"), recall: avg("recall"), f1: avg("f1"), perClass };
}

function pairs(pred: Tensor, target: Tensor, op: string): [ArrayLike<number>, ArrayLike<number>] {
  if (pred.numel() !== target.numel()) {
    throw new Error(`${op}: predictions ${fmtShape(pred.shape)} and targets ${fmtShape(target.shape)} must have the same number of elements`);
  }
  return [readData(pred), readData(target)];
}

/** Mean absolute error. */
export function mae(pred: Tensor, target: Tensor): number {
  const [p, t] = pairs(pred, target, "mae");
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - t[i]);
  return p.length ? s / p.length : 0;
}

/** Root mean squared error. */
export function rmse(pred: Tensor, target: Tensor): number {
  const [p, t] = pairs(pred, target, "rmse");
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  return p.length ? Math.sqrt(s / p.length) : 0;
}

/** Coefficient of determination R² = 1 - SS_res / SS_tot. */
export function r2Score(pred: Tensor, target: Tensor): number {
  const [p, t] = pairs(pred, target, "r2Score");
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += t[i];
  mean /= t.length || 1;
  let res = 0, tot = 0;
  for (let i = 0; i < p.length; i++) {
    res += (t[i] - p[i]) ** 2;
    tot += (t[i] - mean) ** 2;
  }
  return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
}

/** An accumulating metric: `update` per batch, `compute` at the end of an epoch. */
export interface Metric {
  readonly name: string;
  /** Clears the accumulated state (start of an epoch). */
  reset(): void;
  /** Adds one batch's predictions and targets. */
  update(pred: Tensor, target: Tensor): void;
  /** The metric over everything added since `reset`. */
  compute(): number;
}

/** Sample-weighted running mean of a per-batch function (exact for accuracy, MAE, MSE). */
class MeanMetric implements Metric {
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, private readonly fn: (p: Tensor, t: Tensor) => number, private readonly finish = (v: number) => v) {}
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  update(pred: Tensor, target: Tensor): void {
    const n = target.shape[0] ?? 1;
    noGrad(() => {
      this.sum += this.fn(pred, target) * n;
    });
    this.count += n;
  }
  compute(): number {
    return this.finish(this.count ? this.sum / this.count : 0);
  }
}

/** Metrics over the whole epoch's confusion matrix (precision/recall/F1, macro). */
class ConfusionMetric implements Metric {
  private cm: number[][] = [];
  constructor(readonly name: string, private readonly key: "precision" | "recall" | "f1") {}
  reset(): void {
    this.cm = [];
  }
  update(pred: Tensor, target: Tensor): void {
    const m = confusionMatrix(pred, target, Math.max(this.cm.length, pred.ndim === 2 ? pred.shape[1] : 2));
    if (this.cm.length < m.length) {
      const old = this.cm;
      this.cm = m.map((row, i) => row.map((v, j) => v + (old[i]?.[j] ?? 0)));
    } else {
      for (let i = 0; i < m.length; i++) for (let j = 0; j < m.length; j++) this.cm[i][j] += m[i][j];
    }
  }
  compute(): number {
    return this.cm.length ? precisionRecallF1(this.cm)[this.key] : 0;
  }
}

/** Names accepted wherever a metric is expected. */
export type MetricName = "accuracy" | "top5" | "top3" | "precision" | "recall" | "f1" | "mae" | "rmse" | "mse";

/** Makes a Metric from a name (or passes a Metric through). */
export function makeMetric(m: MetricName | Metric): Metric {
  if (typeof m !== "string") return m;
  switch (m) {
    case "accuracy": return new MeanMetric("accuracy", accuracy);
    case "top5": return new MeanMetric("top5", (p, t) => topKAccuracy(p, t, Math.min(5, p.shape[1])));
    case "top3": return new MeanMetric("top3", (p, t) => topKAccuracy(p, t, Math.min(3, p.shape[1])));
    case "precision": return new ConfusionMetric("precision", "precision");
    case "recall": return new ConfusionMetric("recall", "recall");
    case "f1": return new ConfusionMetric("f1", "f1");
    case "mae": return new MeanMetric("mae", mae);
    case "mse": return new MeanMetric("mse", (p, t) => rmse(p, t) ** 2);
    case "rmse": return new MeanMetric("rmse", (p, t) => rmse(p, t) ** 2, Math.sqrt);
    default: throw new Error(`metrics: unknown metric "${m as string}"; expected one of accuracy, top3, top5, precision, recall, f1, mae, mse, rmse`);
  }
}

