/**
 * Workload (c): LSTM 64→128, T32, b32, dense 10 on the last state, cross-entropy, Adam
 * (the bench's train-lstm step). Run: node --import tsx bench/profile/lstm.ts
 */
import * as my from "../../src/index.js";
import { runSteps } from "./common.js";

const [B, T, IN, H, C] = [32, 32, 64, 128, 10];
my.manualSeed(0);
const lstm = new my.nn.LSTM(IN, H);
const fc = new my.nn.Linear(H, C);
const opt = new my.optim.Adam([...lstm.parameters(), ...fc.parameters()], { lr: 1e-3 });
const gen = new my.Generator(1);
const x = my.randn([T, B, IN], { generator: gen }), y = my.randint(0, C, [B], { generator: gen });
runSteps("lstm", () => {
  const [, [hN]] = lstm.forward(x);
  const loss = my.F.crossEntropy(fc.forward(hN.select(0, 0)), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
});
