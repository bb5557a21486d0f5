// The fit loop, callbacks and checkpoints: learning on a separable problem,
// early stopping with best-weight restore, gradient monitoring, progress output,
// the SVG plot, and resume-after-kill giving bit-identical weights.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as my from "../../src/index.js";
import { fit, evaluate } from "../../src/train/fit.js";
import { EarlyStopping, GradNormMonitor, GradientClipping, LRSchedulerCallback, PlotHistory, gradNorm } from "../../src/train/callbacks.js";
import { ModelCheckpoint, loadCheckpoint, restoreCheckpoint, saveCheckpoint, checkpointFromBytes } from "../../src/train/checkpoint.js";
import { ProgressBar, formatDuration } from "../../src/train/progress.js";
import { historyToSvg } from "../../src/train/plot.js";

const { nn, optim, data } = my;

/** Two Gaussian blobs in 4-D, labels 0/1, linearly separable with margin. */
function blobs(n: number, seed: number) {
  const g = new my.Generator(seed);
  const x = my.randn([n, 4], { generator: g });
  const y = my.randint(0, 2, [n], { generator: g });
  const shift = y.to("float32").mul(2).sub(1).unsqueeze(1).mul(2.5);
  return new data.TensorDataset(x.add(shift), y);
}

function mlp(seed: number, p = 0.0) {
  my.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Dropout(p), new nn.Linear(16, 2));
}

const tmp = mkdtempSync(join(tmpdir(), "myelin-fit-"));

test("fit learns a separable problem, reports history and validation metrics", async () => {
  const model = mlp(1);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const h = await fit(model, {
    loss: my.F.crossEntropy, optimizer: opt, trainData: blobs(256, 2), valData: blobs(128, 3),
    epochs: 5, batchSize: 32, metrics: ["accuracy"], verbose: 0,
  });
  assert.deepEqual(Object.keys(h).sort(), ["accuracy", "epoch", "loss", "lr", "val_accuracy", "val_loss"]);
  assert.equal(h.loss.length, 5);
  assert.ok(h.loss[4] < h.loss[0], `loss should fall: ${h.loss}`);
  // The blobs are 5 standard deviations apart: a linear boundary gets ~99.4%.
  assert.ok(h.val_accuracy[4] >= 0.97, `val accuracy ${h.val_accuracy[4]}`);
  const ev = evaluate(model, blobs(128, 3), { loss: my.F.crossEntropy, metrics: ["accuracy"] });
  assert.equal(ev.accuracy, h.val_accuracy[4]);
});

test("EarlyStopping stops after `patience` epochs without improvement and restores the best weights", async () => {
  const model = mlp(4);
  const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
  // A validation "loss" we script: improves for 2 epochs, then worsens.
  const scripted = [0.9, 0.5, 0.7, 0.8, 0.95, 1.0];
  let saved: Record<string, my.Tensor> | null = null;
  const spy: import("../../src/train/types.js").Callback = {
    onEpochEnd(ctx, logs) {
      logs.val_score = scripted[ctx.epoch];
      if (ctx.epoch === 1) saved = Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, v]) => [k, v.clone()]));
    },
  };
  const es = new EarlyStopping({ monitor: "val_score", patience: 2, mode: "min", restoreBestWeights: true });
  const h = await fit(model, { loss: my.F.crossEntropy, optimizer: opt, trainData: blobs(64, 5), epochs: 6, verbose: 0, callbacks: [spy, es] });
  assert.equal(h.loss.length, 4, "epochs 0,1 improve; 2 and 3 do not → stop after epoch index 3");
  assert.equal(es.bestEpoch, 1);
  for (const [k, v] of Object.entries(model.stateDict())) assert.deepEqual(Array.from(v.data()), Array.from(saved![k].data()), k);
});

test("GradNormMonitor warns when gradients vanish and when they explode; GradientClipping caps the norm", async () => {
  // Vanishing: a deep sigmoid stack with tiny weights.
  my.manualSeed(0);
  const layers: my.nn.Module[] = [];
  for (let i = 0; i < 12; i++) {
    const l = new nn.Linear(4, 4);
    my.noGrad(() => { l.weight.mul_(0.01); l.bias!.zero_(); });
    layers.push(l, new nn.Sigmoid());
  }
  layers.push(new nn.Linear(4, 2));
  const deep = new nn.Sequential(...layers);
  const warnings: string[] = [];
  const mon = new GradNormMonitor({ vanishBelow: 1e-6, warn: (m) => warnings.push(m) });
  await fit(deep, { loss: my.F.crossEntropy, optimizer: new optim.SGD(deep.parameters(), { lr: 0.1 }), trainData: blobs(32, 6), epochs: 1, verbose: 0, callbacks: [mon] });
  assert.ok(warnings.some((w) => /vanishing/.test(w) && /: 0\.(weight|bias) has gradient norm/.test(w)), warnings.join("\n"));
  // Exploding: huge inputs, huge weights.
  const big = mlp(7);
  my.noGrad(() => big.parameters().forEach((p) => p.mul_(1e3)));
  const warn2: string[] = [];
  const clip = new GradientClipping(1.0);
  let clippedNorm = NaN;
  const probe = { onAfterBackward: (ctx: { model: my.nn.Module }) => { clippedNorm = gradNorm(ctx.model.parameters()); } };
  await fit(big, {
    loss: my.F.crossEntropy, optimizer: new optim.SGD(big.parameters(), { lr: 0 }), trainData: blobs(32, 8), epochs: 1, verbose: 0,
    callbacks: [new GradNormMonitor({ explodeAbove: 100, warn: (m) => warn2.push(m) }), clip, probe as never],
  });
  assert.ok(warn2.some((w) => /exploding/.test(w)), warn2.join("\n"));
  assert.ok(clippedNorm <= 1.0 + 1e-5, `clipped norm ${clippedNorm}`);
});

test("progress bar draws ETA/loss on a TTY and stays quiet otherwise", () => {
  let out = "";
  const tty = { isTTY: true, columns: 200, write: (s: string) => { out += s; } };
  const bar = new ProgressBar(10, "Epoch 1/1", { stream: tty });
  bar.update(5, { loss: 0.25 }, true);
  assert.match(out, /Epoch 1\/1 \[=+> +\] 5\/10 ETA \d+:\d\d loss 0\.2500/);
  bar.finish({ loss: 0.125, accuracy: 0.5 });
  assert.match(out, /10\/10 .*loss 0\.1250 · accuracy 0\.5000\x1b\[K\n$/);
  let plain = "";
  const pipe = { isTTY: false, write: (s: string) => { plain += s; } };
  const b2 = new ProgressBar(10, "E", { stream: pipe });
  b2.update(3, { loss: 1 }, true);
  assert.equal(plain, "");
  b2.finish({ loss: 1 });
  assert.equal(plain.split("\n").length, 2);
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(65), "1:05");
});

test("history plot is a well-formed SVG with one panel per metric", () => {
  const svg = historyToSvg({ loss: [1, 0.5, 0.25], val_loss: [1.1, 0.6, 0.4], accuracy: [0.5, 0.8, 0.9], epoch: [1, 2, 3] });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
  assert.ok(svg.includes(">loss<") && svg.includes(">accuracy<") && svg.includes(">validation<"));
  assert.ok(!svg.includes("NaN"));
});

async function runTraining(epochs: number, opts: { resumeFrom?: string; checkpointTo?: string; stopAfter?: number }) {
  const gen = new my.Generator(99);
  const model = mlp(opts.resumeFrom ? 12345 : 10, 0.2); // a resumed run starts from different weights
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.7 });
  const loader = new data.DataLoader(blobs(96, 11), { batchSize: 16, shuffle: true, generator: gen });
  let initialEpoch = 0;
  let history = {};
  if (opts.resumeFrom) {
    const c = await loadCheckpoint(opts.resumeFrom);
    restoreCheckpoint(c, { model, optimizer: opt, scheduler: sched, generators: { loader: gen } });
    initialEpoch = c.epoch;
    history = c.history;
  }
  const callbacks: import("../../src/train/types.js").Callback[] = [new LRSchedulerCallback(sched)];
  if (opts.checkpointTo) callbacks.push(new ModelCheckpoint({ path: opts.checkpointTo, scheduler: sched, generators: { loader: gen } }));
  const h = await fit(model, { loss: my.F.crossEntropy, optimizer: opt, trainData: loader, epochs: opts.stopAfter ?? epochs, initialEpoch, history, verbose: 0, callbacks });
  return { model, h };
}

test("resume after kill reproduces an uninterrupted run bit for bit", async () => {
  const full = await runTraining(4, {});
  const ckpt = join(tmp, "run.safetensors");
  await runTraining(4, { checkpointTo: ckpt, stopAfter: 2 }); // "killed" after epoch 2
  const resumed = await runTraining(4, { resumeFrom: ckpt });
  for (const [k, v] of Object.entries(full.model.stateDict())) {
    assert.deepEqual(Array.from(resumed.model.stateDict()[k].data()), Array.from(v.data()), `weights ${k}`);
  }
  assert.deepEqual(resumed.h.loss, full.h.loss);
  assert.deepEqual(resumed.h.lr, full.h.lr);
});

test("checkpoints are written atomically and reject foreign files clearly", async () => {
  const path = join(tmp, "atomic.safetensors");
  const model = mlp(3);
  await saveCheckpoint(path, { model, epoch: 1 });
  const before = readFileSync(path);
  // A failed save (unserialisable extra) must leave the previous file untouched.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(saveCheckpoint(path, { model, epoch: 2, extra: cyclic }));
  assert.deepEqual(readFileSync(path), before);
  writeFileSync(join(tmp, "weights.safetensors"), my.io.toSafetensors({ w: my.ones([2]) }));
  await assert.rejects(loadCheckpoint(join(tmp, "weights.safetensors")), /not a myelin checkpoint/);
  await assert.rejects(loadCheckpoint(join(tmp, "missing.safetensors")), /cannot read .*ENOENT/);
  assert.throws(() => checkpointFromBytes(new Uint8Array([1, 2, 3])), /safetensors|header|length/i);
});

test("PlotHistory writes the SVG file each epoch", async () => {
  const model = mlp(5);
  const path = join(tmp, "plot.svg");
  await fit(model, { loss: my.F.crossEntropy, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), trainData: blobs(32, 1), epochs: 2, verbose: 0, callbacks: [new PlotHistory(path)] });
  const svg = readFileSync(path, "utf8");
  assert.match(svg, /<svg[\s\S]*<polyline[\s\S]*<\/svg>/);
});
