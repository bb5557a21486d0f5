/**
 * Workload (b): 784-512-256-10 MLP (ReLU, dropout 0.2) training step, batch 128,
 * cross-entropy, Adam. Run: node --import tsx bench/profile/mlp.ts
 */
import * as my from "../../src/index.js";
import { mnistMlp } from "../../src/models/mnist.js";
import { runSteps } from "./common.js";

my.manualSeed(0);
const model = mnistMlp();
const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
const gen = new my.Generator(1);
const x = my.randn([128, 784], { generator: gen });
const y = my.randint(0, 10, [128], { generator: gen });
runSteps("mlp", () => {
  const loss = my.F.crossEntropy(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
});
