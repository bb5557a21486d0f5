/**
 * Workload: one fine-tuning step of a models.vision model (train mode, forward,
 * cross-entropy, backward, SGD with momentum) on a random BATCHx3xSIZExSIZE batch.
 * Env: MODEL (a models.vision builder, default mobilenetV2), BATCH (default 1), SIZE
 * (default 224), plus common.ts's STEPS / THREADS / BACKEND / OPS.
 * Run: MODEL=mobilenetV2 OPS=1 STEPS=3 node --import tsx bench/profile/zoo-train.ts
 */
import * as my from "../../src/index.js";
import { runSteps } from "./common.js";

const name = process.env.MODEL ?? "mobilenetV2", size = Number(process.env.SIZE ?? 224), batch = Number(process.env.BATCH ?? 1);
const build = (my.models.vision as unknown as Record<string, () => my.nn.Module>)[name];
if (typeof build !== "function") throw new Error(`zoo-train: MODEL must name a models.vision builder, got ${name}`);
my.manualSeed(0);
const model = build().train();
const opt = new my.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = my.randn([batch, 3, size, size], { generator: new my.Generator(1) }), y = my.randint(0, 1000, [batch]);
runSteps(`${name} ${batch}x3x${size}x${size} fine-tuning step`, () => {
  const loss = my.F.crossEntropy(model.forward(x) as my.Tensor, y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
});
