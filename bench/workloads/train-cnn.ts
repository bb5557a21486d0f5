/**
 * Workload: training throughput of a small CNN on 1x28x28 inputs — conv3x3 32 (padding 1)
 * + ReLU + maxpool2, conv3x3 64 (padding 1) + ReLU + maxpool2, dense 128 (ReLU), dense 10 —
 * batch 64, cross-entropy, Adam. Driver and peers: see bench/train-driver.ts. TF.js runs the same
 * network in NHWC with padding "same" (identical FLOPs).
 */
import * as my from "../../src/index.js";
import { tfAdamStep, tfParam, trainWorkload, type TF } from "../train-driver.js";

type T4 = import("@tensorflow/tfjs-core").Tensor4D;

const [B, C] = [64, 10];

export const workload = trainWorkload({
  name: "train-cnn",
  description: `CNN 1x28x28: conv3x3 32, pool2, conv3x3 64, pool2, fc 128, fc ${C}; batch ${B}, Adam: training samples/s`,
  unit: "samples/s",
  perStep: B,
  torch: "cnn",
  myelin() {
    const { nn } = my;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, C));
    const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = my.randn([B, 1, 28, 28]), y = my.randint(0, C, [B]);
    return () => {
      const loss = my.F.crossEntropy(model.forward(x) as my.Tensor, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
  },
  tfjs(tf: TF) {
    const vars: Parameters<typeof tfAdamStep>[1] = [];
    const k1 = tfParam(tf, vars, [3, 3, 1, 32], 9), b1 = tfParam(tf, vars, [32], 1, true);
    const k2 = tfParam(tf, vars, [3, 3, 32, 64], 9 * 32), b2 = tfParam(tf, vars, [64], 1, true);
    const w3 = tfParam(tf, vars, [64 * 7 * 7, 128], 64 * 49), b3 = tfParam(tf, vars, [128], 1, true);
    const w4 = tfParam(tf, vars, [128, C], 128), b4 = tfParam(tf, vars, [C], 1, true);
    const x = tf.randomNormal([B, 28, 28, 1]);
    const y = tf.oneHot(tf.randomUniform([B], 0, C, "int32"), C);
    const m = tfAdamStep(tf, vars, () => {
      let h: T4 = tf.maxPool(tf.relu(tf.add(tf.conv2d(x as T4, k1 as T4, 1, "same"), b1)) as T4, 2, 2, "valid");
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k2 as T4, 1, "same"), b2)) as T4, 2, 2, "valid");
      const f = tf.relu(tf.add(tf.matMul(tf.reshape(h, [B, 64 * 7 * 7]), w3), b3));
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(f, w4), b4));
    });
    return { step: m.step, dispose: () => { m.dispose(); x.dispose(); y.dispose(); } };
  },
});
