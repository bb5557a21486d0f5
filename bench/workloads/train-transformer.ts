/**
 * Workload: training throughput of a Transformer encoder — 2 post-norm layers (PyTorch's
 * default), d_model 128, 4 heads, ffn 512 (ReLU), dropout 0.1, batch-first [16, 64, 128]
 * — with an MSE regression head against random targets of the same shape, Adam;
 * tokens/s = 16·64 per step. TF.js builds the same layer from tf ops (fused QKV
 * projection, dropout on attention weights, after attention and in the FFN, as
 * nn.TransformerEncoderLayer). Driver: bench/train-driver.ts.
 */
import * as my from "../../src/index.js";
import { tfAdamStep, tfParam, trainWorkload, type TF } from "../train-driver.js";

const [B, L, D, NH, FF, NL, P] = [16, 64, 128, 4, 512, 2, 0.1];
const DH = D / NH;

export const workload = trainWorkload({
  name: "train-transformer",
  description: `Transformer encoder ${NL} layers, d_model ${D}, ${NH} heads, ffn ${FF}, seq ${L}, batch ${B}, dropout ${P}, MSE head, Adam: training tokens/s`,
  unit: "tokens/s",
  perStep: B * L,
  torch: "transformer",
  myelin() {
    const layer = new my.nn.TransformerEncoderLayer(D, NH, { dimFeedforward: FF, dropout: P, batchFirst: true });
    const model = new my.nn.TransformerEncoder(layer, NL, { enableNestedTensor: false });
    model.train();
    const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = my.randn([B, L, D]), target = my.randn([B, L, D]);
    return () => {
      const loss = my.F.mseLoss(model.forward(x), target);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
  },
  tfjs(tf: TF) {
    type T = ReturnType<TF["tensor"]>;
    const vars: Parameters<typeof tfAdamStep>[1] = [];
    const layers = Array.from({ length: NL }, () => ({
      wqkv: tfParam(tf, vars, [D, 3 * D], D), bqkv: tfParam(tf, vars, [3 * D], 1, true),
      wo: tfParam(tf, vars, [D, D], D), bo: tfParam(tf, vars, [D], 1, true),
      w1: tfParam(tf, vars, [D, FF], D), b1: tfParam(tf, vars, [FF], 1, true),
      w2: tfParam(tf, vars, [FF, D], FF), b2: tfParam(tf, vars, [D], 1, true),
      g1: vars[vars.push(tf.variable(tf.ones([D]))) - 1], n1: tfParam(tf, vars, [D], 1, true),
      g2: vars[vars.push(tf.variable(tf.ones([D]))) - 1], n2: tfParam(tf, vars, [D], 1, true),
    }));
    const layerNorm = (h: T, g: T, b: T): T => {
      const { mean, variance } = tf.moments(h, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
    };
    const x = tf.randomNormal([B * L, D]), target = tf.randomNormal([B * L, D]);
    const m = tfAdamStep(tf, vars, () => {
      let h: T = x;
      for (const p of layers) {
        const qkv = tf.transpose(tf.reshape(tf.add(tf.matMul(h, p.wqkv), p.bqkv), [B, L, 3, NH, DH]), [2, 0, 3, 1, 4]);
        const [q, k, v] = tf.unstack(qkv);
        const att = tf.dropout(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH))), P);
        const ctx = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * L, D]);
        h = layerNorm(tf.add(h, tf.dropout(tf.add(tf.matMul(ctx, p.wo), p.bo), P)), p.g1, p.n1);
        const f = tf.dropout(tf.relu(tf.add(tf.matMul(h, p.w1), p.b1)), P);
        h = layerNorm(tf.add(h, tf.dropout(tf.add(tf.matMul(f, p.w2), p.b2), P)), p.g2, p.n2);
      }
      return tf.losses.meanSquaredError(target, h);
    });
    return { step: m.step, dispose: () => { m.dispose(); x.dispose(); target.dispose(); } };
  },
});
