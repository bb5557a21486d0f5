/**
 * Workload: training throughput of an LSTM — batch 32, 32 time steps, 64 inputs, 128
 * hidden, a dense 10 on the last hidden state, cross-entropy, Adam. myelin uses nn.LSTM
 * ([T, B, IN] input, as PyTorch's default); TF.js the same cell written with tf ops (the
 * input projection as one matMul, then per step one matMul + gates). Driver: bench/train-driver.ts.
 */
import * as my from "../../src/index.js";
import { tfAdamStep, tfParam, trainWorkload, type TF } from "../train-driver.js";

const [B, T, IN, H, C] = [32, 32, 64, 128, 10];

export const workload = trainWorkload({
  name: "train-lstm",
  description: `LSTM batch ${B}, ${T} steps, ${IN} -> ${H}, dense ${C} on the last state, Adam: training samples/s`,
  unit: "samples/s",
  perStep: B,
  torch: "lstm",
  myelin() {
    const lstm = new my.nn.LSTM(IN, H);
    const fc = new my.nn.Linear(H, C);
    const opt = new my.optim.Adam([...lstm.parameters(), ...fc.parameters()], { lr: 1e-3 });
    const x = my.randn([T, B, IN]), y = my.randint(0, C, [B]);
    return () => {
      const [, [hN]] = lstm.forward(x);
      const loss = my.F.crossEntropy(fc.forward(hN.select(0, 0)), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
  },
  tfjs(tf: TF) {
    const vars: Parameters<typeof tfAdamStep>[1] = [];
    const wih = tfParam(tf, vars, [IN, 4 * H], H), whh = tfParam(tf, vars, [H, 4 * H], H), b = tfParam(tf, vars, [4 * H], 1, true);
    const wfc = tfParam(tf, vars, [H, C], H), bfc = tfParam(tf, vars, [C], 1, true);
    const x = tf.randomNormal([T * B, IN]);
    const y = tf.oneHot(tf.randomUniform([B], 0, C, "int32"), C);
    const m = tfAdamStep(tf, vars, () => {
      const xs = tf.unstack(tf.reshape(tf.add(tf.matMul(x, wih), b), [T, B, 4 * H]));
      let h = tf.zeros([B, H]), c = tf.zeros([B, H]);
      for (let t = 0; t < T; t++) {
        const [i, f, g, o] = tf.split(tf.add(xs[t], tf.matMul(h, whh)), 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      }
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, wfc), bfc));
    });
    return { step: m.step, dispose: () => { m.dispose(); x.dispose(); y.dispose(); } };
  },
});
