/**
 * Anomaly detection with an autoencoder: train the zoo's MLP Autoencoder only on
 * "normal" MNIST digits (every class but one), score images by reconstruction error,
 * and measure how well that error separates the held-out class: AUROC (rank formula)
 * on the 10k test images, and precision/recall at the threshold that maximises F1 on
 * a validation split of the training set.
 *
 * Run: npx tsx examples/anomaly-detection/train.ts [--anomaly 0 | --all] [--epochs 5] [--train-size 30000]
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { F, models } = my;

/**
 * Area under the ROC curve by the rank (Mann–Whitney U) formula:
 * (Σ ranks of positives − P(P+1)/2) / (P·N), ranks 1-based over all scores ascending,
 * tied scores sharing their average rank (so a tie counts as half a correct pair).
 * `labels[i]` is true for positives (anomalies); higher scores should mean "more anomalous".
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`auroc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0, pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j + 2) / 2; // ranks i+1 .. j+1
    for (let k = i; k <= j; k++) if (labels[order[k]]) { rankSum += avgRank; pos++; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) throw new RangeError(`auroc: needs both classes, got ${pos} positives and ${neg} negatives`);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Precision, recall and F1 of the rule "anomaly iff score > threshold". */
export function precisionRecall(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>, threshold: number): { precision: number; recall: number; f1: number } {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] > threshold;
    if (predicted && labels[i]) tp++;
    else if (predicted) fp++;
    else if (labels[i]) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1, recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** The threshold (one of the scores) that maximises F1 on labelled validation data. */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  // Sweep thresholds from high to low, counting true/false positives incrementally: O(n log n).
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) totalPos++;
  let tp = 0, fp = 0, best = -1, bestT = Infinity;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]]) tp++; else fp++;
    // "score > t" flags everything above t: with t just below this score, the top k+1 (and ties) are flagged.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const f1 = (2 * tp) / (tp + fp + totalPos);
    if (f1 > best) { best = f1; bestT = k + 1 < order.length ? scores[order[k + 1]] : -Infinity; }
  }
  return bestT;
}

/** Per-image reconstruction error: mean squared error over pixels of sigmoid(logits) vs x, [N]. */
export function reconstructionErrors(model: InstanceType<typeof models.Autoencoder>, x: Tensor): Float32Array {
  model.eval();
  const out = new Float32Array(x.shape[0]);
  my.noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += 1000) {
      const xb = x.narrow(0, i, Math.min(1000, x.shape[0] - i));
      out.set(model.forward(xb).sigmoid().sub(xb).square().flatten(1).mean(1).data() as Float32Array, i);
    }
  });
  return out;
}

export interface AnomalyOptions {
  /** The digit treated as the anomaly (never seen in training). Default 0. */
  anomaly?: number;
  epochs?: number;
  /** Training images drawn (before removing the anomaly class). Default 30000. */
  trainSize?: number;
  /** Validation images (from the rest of the 60k training set) for the threshold. Default 5000. */
  valSize?: number;
  hidden?: number;
  latent?: number;
  seed?: number;
  /** Pre-loaded MNIST tensors (tests pass subsets); default my.data.mnist(). */
  data?: { trainX: Tensor; trainY: Tensor; testX: Tensor; testY: Tensor };
  onEpoch?: (epoch: number, loss: number, seconds: number) => void;
}

export interface AnomalyResult {
  auroc: number;
  threshold: number;
  /** Precision/recall/F1 on the test set at the validation-chosen threshold. */
  test: { precision: number; recall: number; f1: number };
  /** Mean reconstruction error (MSE per pixel) of normal and anomalous test images. */
  meanErrorNormal: number;
  meanErrorAnomaly: number;
  anomalyFraction: number;
  seconds: number;
}

/** Trains on normal digits only and evaluates detection of the `anomaly` digit. */
export function trainAnomalyDetector(opts: AnomalyOptions = {}): AnomalyResult {
  const t0 = performance.now();
  const seed = opts.seed ?? 0, digit = opts.anomaly ?? 0;
  my.manualSeed(seed);
  let d = opts.data;
  if (!d) {
    const [trainX, trainY] = my.data.mnist(undefined, { train: true }).tensors;
    const [testX, testY] = my.data.mnist(undefined, { train: false }).tensors;
    d = { trainX, trainY, testX, testY };
  }
  const trainSize = opts.trainSize ?? 30000, valSize = opts.valSize ?? 5000;
  const perm = my.randperm(d.trainX.shape[0], { generator: new my.Generator(seed) });
  const trIdx = perm.narrow(0, 0, Math.min(trainSize, perm.shape[0] - valSize));
  const valIdx = perm.narrow(0, perm.shape[0] - valSize, valSize);
  // Normal-only training set: drop the anomaly class.
  const keep = d.trainY.indexSelect(0, trIdx).ne(digit).nonzero().squeeze(1);
  const normalX = d.trainX.indexSelect(0, trIdx.indexSelect(0, keep));

  const model = new models.Autoencoder({ hidden: opts.hidden ?? 128, latent: opts.latent ?? 16 });
  const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
  const g = new my.Generator(seed + 1), n = normalX.shape[0], batch = 128;
  for (let epoch = 1; epoch <= (opts.epochs ?? 5); epoch++) {
    model.train();
    const p = my.randperm(n, { generator: g });
    let sum = 0, steps = 0;
    for (let i = 0; i + batch <= n; i += batch) {
      const x = normalX.indexSelect(0, p.narrow(0, i, batch));
      const loss = F.binaryCrossEntropyWithLogits(model.forward(x), x);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sum += loss.item(); steps++;
    }
    opts.onEpoch?.(epoch, sum / steps, (performance.now() - t0) / 1000);
  }

  const labelsOf = (y: Tensor) => Uint8Array.from(y.data() as Int32Array, (v) => (v === digit ? 1 : 0));
  const valScores = reconstructionErrors(model, d.trainX.indexSelect(0, valIdx));
  const threshold = bestF1Threshold(valScores, labelsOf(d.trainY.indexSelect(0, valIdx)));
  const scores = reconstructionErrors(model, d.testX), labels = labelsOf(d.testY);
  let sumN = 0, sumA = 0, nA = 0;
  for (let i = 0; i < scores.length; i++) if (labels[i]) { sumA += scores[i]; nA++; } else sumN += scores[i];
  return {
    auroc: auroc(scores, labels), threshold, test: precisionRecall(scores, labels, threshold),
    meanErrorNormal: sumN / (scores.length - nA), meanErrorAnomaly: sumA / nA, anomalyFraction: nA / scores.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const epochs = arg("epochs", 5), trainSize = arg("train-size", 30000);
  if (process.argv.includes("--all")) {
    // One detector per held-out digit, sharing the loaded data.
    const [trainX, trainY] = my.data.mnist(undefined, { train: true }).tensors;
    const [testX, testY] = my.data.mnist(undefined, { train: false }).tensors;
    console.log("| anomaly digit | AUROC | precision | recall | F1 | MSE normal | MSE anomaly | s |\n|---|---|---|---|---|---|---|---|");
    for (let digit = 0; digit < 10; digit++) {
      const r = trainAnomalyDetector({ anomaly: digit, epochs, trainSize, data: { trainX, trainY, testX, testY } });
      console.log(`| ${digit} | ${r.auroc.toFixed(3)} | ${r.test.precision.toFixed(3)} | ${r.test.recall.toFixed(3)} | ${r.test.f1.toFixed(3)} | ${r.meanErrorNormal.toFixed(4)} | ${r.meanErrorAnomaly.toFixed(4)} | ${r.seconds.toFixed(0)} |`);
    }
  } else {
    const anomaly = arg("anomaly", 0);
    console.log(`autoencoder 784-128-16 trained on MNIST without digit ${anomaly} (${trainSize} images drawn, ${epochs} epochs)`);
    const r = trainAnomalyDetector({
      anomaly, epochs, trainSize,
      onEpoch: (e, l, s) => console.log(`epoch ${e}  train BCE ${l.toFixed(4)}  ${s.toFixed(0)} s`),
    });
    console.log(`test: ${(r.anomalyFraction * 100).toFixed(1)}% anomalies; mean MSE normal ${r.meanErrorNormal.toFixed(4)}, anomaly ${r.meanErrorAnomaly.toFixed(4)}`);
    console.log(`AUROC ${r.auroc.toFixed(4)}`);
    console.log(`threshold ${r.threshold.toFixed(4)} (max F1 on 5000 validation images): precision ${r.test.precision.toFixed(3)}, recall ${r.test.recall.toFixed(3)}, F1 ${r.test.f1.toFixed(3)}`);
    console.log(`${r.seconds.toFixed(0)} s`);
  }
}
