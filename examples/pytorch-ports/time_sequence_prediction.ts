/**
 * Port of PyTorch's examples/time_sequence_prediction: a two-LSTMCell + Linear sequence
 * model in float64 that learns sine waves, trained with LBFGS (lr 0.8) on MSE; after
 * each step it predicts the test waves `future` steps ahead. The metric is the last
 * step's test loss. The waves are generated as generate_sine_wave.py does, with the
 * random phase offsets replaced by a fixed formula (the same in the PyTorch script).
 *
 * Run: npx tsx examples/pytorch-ports/time_sequence_prediction.ts [--steps 2] [--seed 0]
 */
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain } from "./common.js";

const { nn, optim } = my;

export const DEFAULTS = { N: 10, L: 50, T: 20, steps: 2, future: 10, seed: 0 };

export function sineWaves(n: number, length: number, t: number): Tensor {
  const offsets = my.tensor(Array.from({ length: n }, (_, i) => ((i * 97) % (8 * t)) - 4 * t), { dtype: "float64" });
  const x = my.arange(length, { dtype: "float64" }).unsqueeze(0).add(offsets.unsqueeze(1));
  return my.sin(x.div(1.0).div(t));
}

export class Sequence extends nn.Module {
  lstm1 = new nn.LSTMCell(1, 51);
  lstm2 = new nn.LSTMCell(51, 51);
  linear = new nn.Linear(51, 1);

  override forward(input: Tensor, future = 0): Tensor {
    const outputs: Tensor[] = [];
    let hT = my.zeros(input.shape[0], 51, { dtype: "float64" });
    let cT = my.zeros(input.shape[0], 51, { dtype: "float64" });
    let hT2 = my.zeros(input.shape[0], 51, { dtype: "float64" });
    let cT2 = my.zeros(input.shape[0], 51, { dtype: "float64" });
    let output!: Tensor;
    for (const inputT of input.split(1, 1)) {
      [hT, cT] = this.lstm1.forward(inputT, [hT, cT]);
      [hT2, cT2] = this.lstm2.forward(hT, [hT2, cT2]);
      output = this.linear.forward(hT2);
      outputs.push(output);
    }
    for (let i = 0; i < future; i++) {
      [hT, cT] = this.lstm1.forward(output, [hT, cT]);
      [hT2, cT2] = this.lstm2.forward(hT, [hT2, cT2]);
      output = this.linear.forward(hT2);
      outputs.push(output);
    }
    return my.cat(outputs, 1);
  }
}

/** Trains `steps` LBFGS steps; returns the last test loss and the model. */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; model: Sequence } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const data = sineWaves(S.N, S.L, S.T);
  const input = data.slice(0, 3).slice(1, 0, -1), target = data.slice(0, 3).slice(1, 1);
  const testInput = data.slice(0, 0, 3).slice(1, 0, -1), testTarget = data.slice(0, 0, 3).slice(1, 1);
  const seq = new Sequence();
  seq.double();
  const criterion = new nn.MSELoss();
  const optimizer = new optim.LBFGS(seq.parameters(), 0.8);
  let loss = NaN;
  for (let i = 0; i < S.steps; i++) {
    const closure = (): Tensor => {
      optimizer.zeroGrad();
      const out = seq.forward(input);
      const l = criterion.forward(out, target);
      l.backward();
      return l;
    };
    optimizer.step(closure);
    my.noGrad(() => {
      const future = S.future;
      const pred = seq.forward(testInput, future);
      loss = criterion.forward(pred.slice(1, 0, -future), testTarget).item();
    });
  }
  return { metric: loss, model: seq };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`time_sequence_prediction seed ${S.seed}: test loss ${run(S).metric.toExponential(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
