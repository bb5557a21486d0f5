/**
 * Workload: training throughput of an MLP 784-512-256-10 (ReLU), batch 128, cross-entropy,
 * Adam — forward + backward + optimizer step on a fixed random batch, float32.
 * Driver and peers: bench/train-driver.ts.
 */
import * as my from "../../src/index.js";
import { tfParam, tfAdamStep, trainWorkload, type TF } from "../train-driver.js";
import type { Workload } from "../harness.js";

type TfVar = ReturnType<TF["variable"]>;
type TfTensor = ReturnType<TF["tensor"]>;

const [B, IN, H1, H2, C] = [128, 784, 512, 256, 10];

export const workload: Workload = trainWorkload({
  name: "train-mlp",
  description: `MLP ${IN}-${H1}-${H2}-${C} (ReLU), batch ${B}, cross-entropy, Adam: training samples/s`,
  unit: "samples/s",
  perStep: B,
  torch: "mlp",
  myelin() {
    const { nn } = my;
    const model = new nn.Sequential(new nn.Linear(IN, H1), new nn.ReLU(), new nn.Linear(H1, H2), new nn.ReLU(), new nn.Linear(H2, C));
    const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = my.randn([B, IN]), y = my.randint(0, C, [B]);
    return () => {
      const loss = my.F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
  },
  tfjs(tf) {
    const vars: TfVar[] = [];
    const dims = [IN, H1, H2, C];
    const ws = dims.slice(1).map((d, i) => [tfParam(tf, vars, [dims[i], d], dims[i]), tfParam(tf, vars, [d], 1, true)]);
    const x = tf.randomNormal([B, IN]);
    const y = tf.oneHot(tf.randomUniform([B], 0, C, "int32"), C);
    const m = tfAdamStep(tf, vars, () => {
      let h: TfTensor = x;
      ws.forEach(([w, b], i) => { h = tf.add(tf.matMul(h, w), b); if (i < ws.length - 1) h = tf.relu(h); });
      return tf.losses.softmaxCrossEntropy(y, h);
    });
    return { step: m.step, dispose: () => { m.dispose(); x.dispose(); y.dispose(); } };
  },
});
