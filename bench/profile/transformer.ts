/**
 * Workload (d): 2-layer Transformer encoder (d128, 4 heads, ffn 512, dropout 0.1,
 * batch-first), seq 64, batch 16, MSE, Adam (the bench's train-transformer step).
 * Run: node --import tsx bench/profile/transformer.ts
 */
import * as my from "../../src/index.js";
import { runSteps } from "./common.js";

const [B, L, D, NH, FF] = [16, 64, 128, 4, 512];
my.manualSeed(0);
const layer = new my.nn.TransformerEncoderLayer(D, NH, { dimFeedforward: FF, dropout: 0.1, batchFirst: true });
const model = new my.nn.TransformerEncoder(layer, 2, { enableNestedTensor: false });
const opt = new my.optim.Adam(model.parameters(), { lr: 1e-4 });
const gen = new my.Generator(1);
const x = my.randn([B, L, D], { generator: gen }), target = my.randn([B, L, D], { generator: gen });
runSteps("transformer", () => {
  const loss = my.F.mseLoss(model.forward(x), target);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
});
