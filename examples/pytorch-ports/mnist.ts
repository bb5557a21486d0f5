/**
 * Port of PyTorch's examples/mnist: a two-conv CNN with dropout, trained with Adadelta
 * and a StepLR schedule on NLL of log-softmax outputs; the metric is test accuracy.
 * mnist.py beside it runs the original logic on the same settings.
 *
 * Run: npx tsx examples/pytorch-ports/mnist.ts [--train 2000] [--test 1000] [--epochs 1] [--seed 0]
 */
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain, mnistFirst } from "./common.js";

const { nn, F, optim } = my;

export const DEFAULTS = { train: 2000, test: 1000, epochs: 1, batch: 64, lr: 1.0, gamma: 0.7, seed: 0 };

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, 1);
  conv2 = new nn.Conv2d(32, 64, 3, 1);
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);

  override forward(x: Tensor): Tensor {
    x = F.relu(this.conv1.forward(x));
    x = F.relu(this.conv2.forward(x));
    x = F.maxPool2d(x, 2);
    x = this.dropout1.forward(x);
    x = my.flatten(x, 1);
    x = F.relu(this.fc1.forward(x));
    x = this.dropout2.forward(x);
    return F.logSoftmax(this.fc2.forward(x), 1);
  }
}

/** Trains on the first `train` images and returns the test accuracy (and the model). */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; model: Net } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const tr = mnistFirst(true, S.train), te = mnistFirst(false, S.test);
  const xtr = tr.x.sub(0.1307).div(0.3081), xte = te.x.sub(0.1307).div(0.3081);
  const model = new Net();
  const opt = new optim.Adadelta(model.parameters(), S.lr);
  const sched = new optim.lrScheduler.StepLR(opt, 1, S.gamma);
  for (let epoch = 0; epoch < S.epochs; epoch++) {
    model.train();
    const perm = my.randperm(S.train);
    for (let i = 0; i < S.train; i += S.batch) {
      const idx = perm.slice(0, i, i + S.batch);
      opt.zeroGrad();
      const loss = F.nllLoss(model.forward(xtr.indexSelect(0, idx)), tr.y.indexSelect(0, idx));
      loss.backward();
      opt.step();
    }
    sched.step();
  }
  model.eval();
  const pred = my.noGrad(() => model.forward(xte).argmax(1));
  return { metric: pred.eq(te.y).float().mean().item(), model };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`mnist seed ${S.seed}: test accuracy ${run(S).metric.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
