/**
 * Explaining an MNIST CNN: trains the zoo's mnistCnn briefly, explains its decisions on
 * test digits with every attribution method of `my.explain`, and measures them:
 * - the pixel-deletion curve: remove (set to 0) the most-attributed pixels first and watch
 *   the probability of the predicted class and the accuracy fall, against a random order;
 * - the model-randomisation sanity check (Adebayo et al. 2018): re-initialise the layers
 *   from the top down and see whether the maps change (they should).
 * Writes grid.png (digits × methods), results.json and prints the numbers for the README.
 *
 * Run: npx tsx examples/explain-mnist/explain.ts [--train-size 10000] [--epochs 1] [--n 32] [--out examples/explain-mnist/output]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { explain, F } = my;
type Model = InstanceType<typeof my.nn.Sequential>;
type Method = (m: Model, x: Tensor, target: number[]) => Tensor;

export interface ExplainMnistOptions {
  trainSize?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Test digits explained (the first n correctly classified ones). */
  n?: number;
  /** Integration steps of IG and the layer methods. */
  steps?: number;
  /** Fewer perturbation evaluations (coarser windows and patches), for CI. */
  quick?: boolean;
  seed?: number;
  outDir?: string;
  data?: { trainX: Tensor; trainY: Tensor; testX: Tensor; testY: Tensor };
  log?: (s: string) => void;
}

export interface MethodResult {
  name: string;
  gradientBased: boolean;
  /** Mean probability of the predicted class after deleting each fraction of pixels. */
  probCurve: number[];
  /** Accuracy after deleting each fraction. */
  accCurve: number[];
  /** Area under probCurve (trapezoid over the fractions). */
  probAuc: number;
  accAuc: number;
}

export interface ExplainMnistResult {
  testAccuracy: number;
  fractions: number[];
  methods: MethodResult[];
  random: MethodResult;
  sanity: { method: string; steps: { layer: string; spearman: number; spearmanSigned: number }[] }[];
  seconds: number;
}

export const FRACTIONS = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];

/** MNIST as tensors: images [N, 1, 28, 28] in [0, 1], labels int32. */
export function loadMnist(): { trainX: Tensor; trainY: Tensor; testX: Tensor; testY: Tensor } {
  const tr = my.data.mnist(undefined, { train: true }) as unknown as { tensors: [Tensor, Tensor] };
  const te = my.data.mnist(undefined, { train: false }) as unknown as { tensors: [Tensor, Tensor] };
  return { trainX: tr.tensors[0], trainY: tr.tensors[1], testX: te.tensors[0], testY: te.tensors[1] };
}

/** Feature ids of square patches of side p on a 28x28 grid, [1, 1, 28, 28]. */
function patchMask(p: number): Tensor {
  const per = Math.ceil(28 / p);
  return my.tensor(Int32Array.from({ length: 784 }, (_, i) => Math.floor(Math.floor(i / 28) / p) * per + Math.floor((i % 28) / p)), { shape: [1, 1, 28, 28], dtype: "int32" });
}

/** Every method, as the example applies it; the layer methods look at the second conv's ReLU. */
export function methods(model: Model, opts: { steps: number; quick: boolean; seed: number }): [string, boolean, Method][] {
  const layer = [...model.children()][4]; // ReLU after conv2: [N, 64, 14, 14]
  const gen = new my.Generator(opts.seed);
  const up = (cam: Tensor): Tensor => explain.LayerAttribution.interpolate(cam, [28, 28], "bilinear");
  return [
    ["Saliency", true, (m, x, t) => new explain.Saliency(m).attribute(x, { target: t })],
    ["InputXGradient", true, (m, x, t) => new explain.InputXGradient(m).attribute(x, { target: t })],
    ["IntegratedGradients", true, (m, x, t) => new explain.IntegratedGradients(m).attribute(x, { target: t, nSteps: opts.steps, internalBatchSize: 256 })],
    ["SmoothGrad", true, (m, x, t) => new explain.NoiseTunnel(new explain.Saliency(m)).attribute(x, { target: t, nSamples: 8, stdevs: 0.15, generator: gen })],
    ["GuidedBackprop", true, (m, x, t) => new explain.GuidedBackprop(m).attribute(x, { target: t })],
    ["Deconvolution", true, (m, x, t) => new explain.Deconvolution(m).attribute(x, { target: t })],
    ["DeepLift", true, (m, x, t) => new explain.DeepLift(m).attribute(x, { target: t })],
    ["GradientShap", true, (m, x, t) => new explain.GradientShap(m).attribute(x, { baselines: my.zeros([1, 1, 28, 28]), target: t, nSamples: 8, stdevs: 0.1, generator: gen })],
    ["GradCam", true, (m, x, t) => up(new explain.LayerGradCam(m, layer).attribute(x, { target: t, reluAttributions: true }))],
    ["GuidedGradCam", true, (m, x, t) => new explain.GuidedGradCam(m, layer).attribute(x, { target: t })],
    ["Occlusion", false, (m, x, t) => new explain.Occlusion(m).attribute(x, { target: t, slidingWindowShapes: opts.quick ? [1, 7, 7] : [1, 4, 4], strides: opts.quick ? [1, 7, 7] : [1, 2, 2] })],
    ["FeatureAblation", false, (m, x, t) => new explain.FeatureAblation(m).attribute(x, { target: t, featureMask: patchMask(opts.quick ? 7 : 4) })],
    ["ShapleyValueSampling", false, (m, x, t) => new explain.ShapleyValueSampling(m).attribute(x, { target: t, featureMask: patchMask(7), nSamples: opts.quick ? 2 : 10, generator: gen })],
  ];
}

/** Probability of `target` and accuracy against `labels` as pixels are deleted in `order` (per image, most important first). */
export function deletionCurve(model: Model, x: Tensor, target: number[], labels: number[], orders: Int32Array[]): { prob: number[]; acc: number[] } {
  const n = x.shape[0];
  const base = x.data() as Float32Array;
  const prob: number[] = [], acc: number[] = [];
  for (const f of FRACTIONS) {
    const k = Math.round(f * 784);
    const d = base.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) d[i * 784 + orders[i][j]] = 0;
    const out = my.noGrad(() => (model.forward(my.tensor(d, { shape: x.shape })) as Tensor).softmax(1));
    const p = out.data() as Float32Array;
    const pred = Array.from(out.argmax(1).data() as Int32Array);
    prob.push(target.reduce((s, c, i) => s + p[i * 10 + c], 0) / n);
    acc.push(pred.filter((c, i) => c === labels[i]).length / n);
  }
  return { prob, acc };
}

const auc = (ys: number[]): number => ys.slice(1).reduce((s, y, i) => s + ((y + ys[i]) / 2) * (FRACTIONS[i + 1] - FRACTIONS[i]), 0) / (FRACTIONS[FRACTIONS.length - 1] - FRACTIONS[0]);

/** Pixel indices sorted by attribution, largest first (channels summed). */
function rankPixels(attr: Tensor): Int32Array[] {
  const a = attr.reshape([attr.shape[0], -1]).data() as Float32Array;
  return Array.from({ length: attr.shape[0] }, (_, i) => Int32Array.from({ length: 784 }, (_, j) => j).sort((p, q) => a[i * 784 + q] - a[i * 784 + p]));
}

function result(name: string, gradientBased: boolean, c: { prob: number[]; acc: number[] }): MethodResult {
  return { name, gradientBased, probCurve: c.prob, accCurve: c.acc, probAuc: auc(c.prob), accAuc: auc(c.acc) };
}

/** Grid: one row per digit, the digit then each method's overlay, each cell 2x enlarged. */
function gridPng(x: Tensor, maps: Tensor[], rows: number): Uint8Array {
  const cell = 56, gap = 2, cols = maps.length + 1;
  const W = cols * (cell + gap), H = rows * (cell + gap);
  const data = new Uint8ClampedArray(W * H * 4).fill(255);
  for (let r = 0; r < rows; r++) {
    const img = x.select(0, r);
    const cells = [explain.heatmapRgba(my.zeros([28, 28]), { image: img }), ...maps.map((m) => explain.heatmapRgba(m.select(0, r), { image: img.mul(0.45), sign: "positive", alpha: 0.9 }))];
    cells.forEach((c, col) => {
      const big = explain.upscaleRgba(c, 2);
      for (let y = 0; y < cell; y++) data.set(big.data.subarray(y * cell * 4, (y + 1) * cell * 4), ((r * (cell + gap) + y) * W + col * (cell + gap)) * 4);
    });
  }
  return explain.rgbaToPng({ data, width: W, height: H }, { deflate: (d) => new Uint8Array(deflateSync(d)) });
}

/** Trains the CNN, explains n test digits with every method, and measures the explanations. */
export function runExplainMnist(opts: ExplainMnistOptions = {}): ExplainMnistResult {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const { trainSize = 10000, epochs = 1, batchSize = 32, lr = 2e-3, n = 32, steps = 32, quick = false, seed = 0 } = opts;
  const data = opts.data ?? loadMnist();
  my.manualSeed(seed);
  const model = my.models.mnistCnn();
  const optimizer = new my.optim.Adam(model.parameters(), { lr });
  const gen = new my.Generator(seed);
  for (let e = 0; e < epochs; e++) {
    const perm = Array.from(my.randperm(Math.min(trainSize, data.trainX.shape[0]), { generator: gen }).data() as Int32Array);
    for (let i = 0; i < perm.length; i += batchSize) {
      const idx = my.tensor(perm.slice(i, i + batchSize), { dtype: "int32" });
      const loss = F.crossEntropy(model.forward(data.trainX.indexSelect(0, idx)) as Tensor, data.trainY.indexSelect(0, idx));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
  }
  model.eval();
  const testN = Math.min(2000, data.testX.shape[0]);
  const testPred = my.noGrad(() => (model.forward(data.testX.narrow(0, 0, testN)) as Tensor).argmax(1));
  const labelsAll = Array.from(data.testY.narrow(0, 0, testN).data() as Int32Array);
  const predAll = Array.from(testPred.data() as Int32Array);
  const testAccuracy = predAll.filter((p, i) => p === labelsAll[i]).length / testN;
  log(`trained on ${trainSize} digits for ${epochs} epoch(s): accuracy ${(testAccuracy * 100).toFixed(2)}% on ${testN} test digits`);
  // Explain the first n correctly classified digits, each for its predicted class.
  const chosen = predAll.map((p, i) => (p === labelsAll[i] ? i : -1)).filter((i) => i >= 0).slice(0, n);
  const x = data.testX.indexSelect(0, my.tensor(chosen, { dtype: "int32" }));
  const target = chosen.map((i) => predAll[i]);
  const ms = methods(model, { steps, quick, seed });
  const maps: Tensor[] = [];
  const results: MethodResult[] = [];
  for (const [name, gb, fn] of ms) {
    const t0 = Date.now();
    const attr = fn(model, x, target).detach();
    maps.push(attr);
    results.push(result(name, gb, deletionCurve(model, x, target, target, rankPixels(attr))));
    log(`${name.padEnd(20)} deletion AUC (prob) ${results[results.length - 1].probAuc.toFixed(3)}  (${Date.now() - t0} ms)`);
  }
  const rg = new my.Generator(seed + 1);
  const rnd = [0, 1, 2].map(() => deletionCurve(model, x, target, target, chosen.map(() => Int32Array.from(my.randperm(784, { generator: rg }).data() as Int32Array))));
  const avg = (k: "prob" | "acc"): number[] => FRACTIONS.map((_, j) => rnd.reduce((s, r) => s + r[k][j], 0) / rnd.length);
  const random = result("random", false, { prob: avg("prob"), acc: avg("acc") });
  log(`${"random order".padEnd(20)} deletion AUC (prob) ${random.probAuc.toFixed(3)}`);
  const xs = x.narrow(0, 0, Math.min(8, n));
  const ts = target.slice(0, xs.shape[0]);
  const sanityMethods: [string, (m: Model, v: Tensor) => Tensor][] = [
    ["Saliency", (m, v) => new explain.Saliency(m).attribute(v, { target: ts })],
    ["IntegratedGradients", (m, v) => new explain.IntegratedGradients(m).attribute(v, { target: ts, nSteps: Math.min(steps, 16) })],
    ["GuidedBackprop", (m, v) => new explain.GuidedBackprop(m).attribute(v, { target: ts })],
  ];
  const sanity = sanityMethods.map(([method, fn]) => ({ method, steps: explain.modelRandomisation(model, fn as never, xs, { generator: new my.Generator(seed + 2) }) }));
  for (const s of sanity) log(`sanity ${s.method.padEnd(20)} Spearman |map| / signed map vs trained, after randomising: ${s.steps.map((st) => `${st.layer} ${st.spearman.toFixed(2)}/${st.spearmanSigned.toFixed(2)}`).join(", ")}`);
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, "grid.png"), gridPng(x, maps, Math.min(4, n)));
    writeFileSync(join(opts.outDir, "results.json"), JSON.stringify({ testAccuracy, fractions: FRACTIONS, methods: results, random, sanity, columns: ["digit", ...ms.map(([nm]) => nm)] }, null, 2));
  }
  return { testAccuracy, fractions: FRACTIONS, methods: results, random, sanity, seconds: (Date.now() - started) / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (k: string, d: number): number => {
    const i = process.argv.indexOf(k);
    return i >= 0 ? Number(process.argv[i + 1]) : d;
  };
  const outIdx = process.argv.indexOf("--out");
  const r = runExplainMnist({
    trainSize: arg("--train-size", 10000), epochs: arg("--epochs", 1), n: arg("--n", 32), steps: arg("--steps", 32),
    outDir: outIdx >= 0 ? process.argv[outIdx + 1] : "examples/explain-mnist/output", log: (s) => console.log(s),
  });
  console.log(`done in ${r.seconds.toFixed(1)} s`);
}
