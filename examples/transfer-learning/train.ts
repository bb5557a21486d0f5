/**
 * Transfer learning with a zoo model: pretrains a ResNet (torchvision's ResNet class,
 * one BasicBlock per stage) on MNIST digits 0-4, then learns digits 5-9 from a few
 * labelled images each in three ways and scores them on every test image of 5-9:
 *   scratch   — the same architecture from random weights;
 *   probe     — pretrained backbone frozen (requiresGrad_(false), BN in eval), new head;
 *   finetune  — everything trained, with per-group learning rates (backbone 10x lower).
 *
 * Run: npx tsx examples/transfer-learning/train.ts [--pretrain-size 3000] [--epochs 2] [--labels 10] [--steps 60] [--test-size 2000]
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { F, nn } = my;
const { vision } = my.models;

export interface TransferOptions {
  /** Images of digits 0-4 used for pretraining (a seeded shuffle of the training set). */
  pretrainSize?: number;
  epochs?: number;
  /** Labelled training images per class of digits 5-9. */
  labels?: number;
  /** Full-batch Adam steps on the few labels. */
  steps?: number;
  /** Test images scored for each of the two digit sets (all by default). */
  testSize?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface TransferResult {
  pretrainAccuracy: number;
  scratch: number;
  probe: number;
  finetune: number;
  seconds: number;
}

/** torchvision's ResNet with one BasicBlock per stage (a "ResNet-10"), `classes` outputs. */
export const resnet10 = (classes: number): my.models.vision.ResNet => new vision.ResNet(vision.BasicBlock, [1, 1, 1, 1], { numClasses: classes });

/** MNIST [N, 1, 28, 28] in [0, 1] → the normalised 3-channel input the model takes. */
const prep = (x: Tensor): Tensor => x.sub(0.1307).div(0.3081).expand(-1, 3, -1, -1);

/** Indices (in a seeded order) of the images whose label is in [lo, hi]. */
function pick(y: Tensor, lo: number, hi: number, seed: number): number[] {
  const order = my.randperm(y.shape[0], { generator: new my.Generator(seed) }).data() as Int32Array;
  const labels = y.data() as Int32Array;
  return Array.from(order).filter((i) => labels[i] >= lo && labels[i] <= hi);
}

function subset(x: Tensor, y: Tensor, idx: number[], shift: number): [Tensor, Tensor] {
  const t = my.tensor(idx, { dtype: "int32" });
  return [prep(x.indexSelect(0, t)), y.indexSelect(0, t).sub(shift)];
}

/** Accuracy in eval mode, in batches of 500. */
function accuracy(model: my.nn.Module, x: Tensor, y: Tensor): number {
  model.eval();
  let correct = 0;
  my.noGrad(() => {
    for (let i = 0; i < x.shape[0]; i += 500) {
      const n = Math.min(500, x.shape[0] - i);
      const pred = (model.forward(x.narrow(0, i, n)) as Tensor).argmax(1);
      correct += pred.eq(y.narrow(0, i, n)).sum().item();
    }
  });
  return correct / x.shape[0];
}

/** Full-batch Adam steps on (x, y); `setModes` puts modules in train/eval mode before each step. */
function fit(model: my.nn.Module, opt: my.optim.Optimizer, x: Tensor, y: Tensor, steps: number, setModes: () => void): void {
  for (let s = 0; s < steps; s++) {
    setModes();
    const loss = F.crossEntropy(model.forward(x) as Tensor, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
}

export function runTransfer(opts: TransferOptions = {}): TransferResult {
  const t0 = performance.now(), seed = opts.seed ?? 0, log = opts.log ?? (() => {});
  const [trX, trY] = my.data.mnist(undefined, { train: true }).tensors;
  const [teX, teY] = my.data.mnist(undefined, { train: false }).tensors;

  // 1. Pretrain on digits 0-4.
  my.manualSeed(seed);
  const [px, py] = subset(trX, trY, pick(trY, 0, 4, seed).slice(0, opts.pretrainSize ?? 3000), 0);
  const base = resnet10(5);
  const opt = new my.optim.Adam(base.parameters(), { lr: 1e-3 });
  const loader = new my.data.DataLoader(new my.data.TensorDataset(px, py), { batchSize: 64, shuffle: true, generator: new my.Generator(seed + 1) });
  for (let e = 0; e < (opts.epochs ?? 2); e++) {
    base.train();
    for (const [xb, yb] of loader) {
      const loss = F.crossEntropy(base.forward(xb), yb);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
    log(`pretrain epoch ${e + 1}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const [tx0, ty0] = subset(teX, teY, pick(teY, 0, 4, seed).slice(0, opts.testSize ?? Infinity), 0);
  const pretrainAccuracy = accuracy(base, tx0, ty0);
  log(`pretrained on digits 0-4: test accuracy ${(100 * pretrainAccuracy).toFixed(2)}%`);
  const pretrained = base.stateDict();

  // 2. A few labels of digits 5-9 (labels 0-4 after the shift), K per class.
  const k = opts.labels ?? 10, per = new Map<number, number[]>();
  const ylab = trY.data() as Int32Array;
  for (const i of pick(trY, 5, 9, seed + 2)) {
    const l = per.get(ylab[i]) ?? [];
    if (l.length < k) per.set(ylab[i], [...l, i]);
  }
  const [fx, fy] = subset(trX, trY, [...per.values()].flat(), 5);
  const [tx, ty] = subset(teX, teY, pick(teY, 5, 9, seed).slice(0, opts.testSize ?? Infinity), 5);
  const steps = opts.steps ?? 60;

  // scratch: same architecture, random weights, everything trained.
  my.manualSeed(seed + 3);
  const scratch = resnet10(5);
  fit(scratch, new my.optim.Adam(scratch.parameters(), { lr: 1e-3 }), fx, fy, steps, () => scratch.train());
  const scratchAcc = accuracy(scratch, tx, ty);
  log(`scratch:  ${(100 * scratchAcc).toFixed(2)}%`);

  // probe: frozen pretrained backbone (BN statistics kept: eval mode), a new head. The
  // backbone's output never changes, so its features are computed once and only the head
  // runs in the loop (the usual way to train a linear probe; 5x the steps at that cost).
  const probe = resnet10(5);
  probe.loadStateDict(pretrained);
  probe.requiresGrad_(false);
  probe.eval();
  probe.fc = new nn.Linear(512, 5);
  const feats = my.noGrad(() => probe.features(fx));
  fit(probe.fc, new my.optim.Adam(probe.fc.parameters(), { lr: 1e-2 }), feats, fy, 5 * steps, () => {});
  const probeAcc = accuracy(probe, tx, ty);
  log(`probe:    ${(100 * probeAcc).toFixed(2)}%`);

  // finetune: everything trained, backbone at a 10x lower learning rate (parameter groups), BN in eval.
  const ft = resnet10(5);
  ft.loadStateDict(pretrained);
  ft.fc = new nn.Linear(512, 5);
  const headParams = new Set(ft.fc.parameters());
  const groups = [
    { params: ft.parameters().filter((p) => !headParams.has(p)), lr: 1e-4 },
    { params: ft.fc.parameters(), lr: 1e-3 },
  ];
  fit(ft, new my.optim.Adam(groups, { lr: 1e-3 }), fx, fy, steps, () => ft.eval());
  const ftAcc = accuracy(ft, tx, ty);
  log(`finetune: ${(100 * ftAcc).toFixed(2)}%`);
  return { pretrainAccuracy, scratch: scratchAcc, probe: probeAcc, finetune: ftAcc, seconds: (performance.now() - t0) / 1000 };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = runTransfer({
    pretrainSize: arg("pretrain-size", 3000), epochs: arg("epochs", 2), labels: arg("labels", 10), steps: arg("steps", 60),
    testSize: arg("test-size", 2000),
    seed: arg("seed", 0), log: (l) => console.log(l),
  });
  console.log(`digits 5-9 from ${arg("labels", 10)} labels each: scratch ${(100 * r.scratch).toFixed(2)}%, frozen backbone + new head ${(100 * r.probe).toFixed(2)}%, fine-tuned ${(100 * r.finetune).toFixed(2)}% (${r.seconds.toFixed(0)} s)`);
}
