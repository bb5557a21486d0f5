/**
 * Workload (a): MNIST CNN training step (batch 64 random [64,1,28,28], cross-entropy,
 * Adam, forward + backward + step). Run: node --import tsx bench/profile/cnn.ts
 */
import * as my from "../../src/index.js";
import { mnistCnn } from "../../src/models/mnist.js";
import { runSteps } from "./common.js";

my.manualSeed(0);
const model = mnistCnn();
const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
const gen = new my.Generator(1);
const x = my.randn([64, 1, 28, 28], { generator: gen });
const y = my.randint(0, 10, [64], { generator: gen });
runSteps("cnn", () => {
  const loss = my.F.crossEntropy(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
});
