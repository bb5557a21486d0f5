/**
 * Two spirals: trains a 2-layer MLP, written by hand with tensors, to separate the
 * classic intertwined spirals. Everything is explicit: weights are leaf tensors with
 * requiresGrad, the loss is softmax cross-entropy built from logsumexp, and Adam is
 * a few in-place updates inside noGrad.
 *
 * Run: npx tsx examples/spirals/train.ts
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

export interface SpiralsOptions {
  /** Points per spiral (the dataset has 2x this many). */
  pointsPerClass?: number;
  /** Turns of each spiral. */
  turns?: number;
  /** Hidden units of the MLP. */
  hidden?: number;
  /** Full-batch Adam steps. */
  steps?: number;
  lr?: number;
  seed?: number;
  /** Called every `logEvery` steps with the step, loss and training accuracy. */
  onProgress?: (step: number, loss: number, accuracy: number) => void;
  logEvery?: number;
}

export interface SpiralsResult {
  accuracy: number;
  loss: number;
  /** First step at which training accuracy reached 100% (-1 if never). */
  firstPerfectStep: number;
  points: number;
}

/**
 * The two-spirals dataset: spiral k has points r(t) [cos(t + k pi), sin(t + k pi)],
 * with t evenly spaced over `turns` turns and r growing linearly, plus a little
 * seeded Gaussian noise. Returns inputs [2n, 2] and int32 labels [2n].
 */
export function makeSpirals(n: number, turns = 1.5, noise = 0.02, seed = 0): [Tensor, Tensor] {
  const g = new my.Generator(seed);
  const xs = new Float32Array(4 * n);
  const ys = new Int32Array(2 * n);
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < n; i++) {
      const t = (i / n) * turns * 2 * Math.PI + 0.5;
      const r = t / (turns * 2 * Math.PI + 0.5);
      const j = k * n + i;
      xs[2 * j] = r * Math.cos(t + k * Math.PI) + noise * g.normal();
      xs[2 * j + 1] = r * Math.sin(t + k * Math.PI) + noise * g.normal();
      ys[j] = k;
    }
  }
  return [my.tensor(xs, { shape: [2 * n, 2] }), my.tensor(ys)];
}

/** Trains the MLP and reports the final training accuracy and loss. */
export function trainSpirals(opts: SpiralsOptions = {}): SpiralsResult {
  const n = opts.pointsPerClass ?? 100;
  const hidden = opts.hidden ?? 64;
  const steps = opts.steps ?? 1500;
  const lr = opts.lr ?? 0.02;
  my.manualSeed(opts.seed ?? 0);
  const [x, y] = makeSpirals(n, opts.turns ?? 1.5, 0.02, opts.seed ?? 0);

  // PyTorch's nn.Linear initialisation: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
  const uniform = (shape: number[], fanIn: number) =>
    my.rand(shape).mul(2).sub(1).mul(1 / Math.sqrt(fanIn)).requiresGrad_();
  const params = [uniform([2, hidden], 2), uniform([hidden], 2), uniform([hidden, 2], hidden), uniform([2], hidden)];
  const [w1, b1, w2, b2] = params;

  const forward = (inp: Tensor) => inp.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
  // Cross-entropy = mean over samples of logsumexp(logits) - logits[target].
  const crossEntropy = (logits: Tensor, target: Tensor) =>
    logits.logsumexp(1).sub(logits.gather(1, target.unsqueeze(1)).squeeze(1)).mean();
  const accuracyOf = (logits: Tensor) => logits.argmax(1).eq(target).float().mean().item();
  const target = y;

  // Adam state, updated in place.
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const m = params.map((p) => my.zerosLike(p));
  const v = params.map((p) => my.zerosLike(p));

  let loss = Infinity, accuracy = 0, firstPerfectStep = -1;
  for (let step = 1; step <= steps; step++) {
    const logits = forward(x);
    const l = crossEntropy(logits, y);
    for (const p of params) p.grad = null;
    l.backward();
    my.noGrad(() => {
      const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
      params.forEach((p, i) => {
        const g = p.grad!;
        m[i].mul_(beta1).add_(g, { alpha: 1 - beta1 });
        v[i].mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
        p.addcdiv_(m[i], v[i].div(bc2).sqrt().add(eps), { value: -lr / bc1 });
      });
    });
    loss = l.item();
    accuracy = my.noGrad(() => accuracyOf(logits));
    if (accuracy === 1 && firstPerfectStep < 0) firstPerfectStep = step;
    if (opts.onProgress && (step % (opts.logEvery ?? 100) === 0 || step === steps)) opts.onProgress(step, loss, accuracy);
  }
  // Final accuracy with the trained weights.
  accuracy = my.noGrad(() => accuracyOf(forward(x)));
  return { accuracy, loss, firstPerfectStep, points: 2 * n };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  const r = trainSpirals({
    onProgress: (step, loss, acc) => console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  train accuracy ${(acc * 100).toFixed(1)}%`),
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`final training accuracy ${(r.accuracy * 100).toFixed(1)}% on ${r.points} points (100% first at step ${r.firstPerfectStep}), ${secs} s`);
}
