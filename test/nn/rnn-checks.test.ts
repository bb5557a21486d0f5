/**
 * Recurrent layers beyond the PyTorch fixtures: float64 finite-difference gradchecks
 * of every module (incl. packed unsorted batches, projections, bidirectional stacks)
 * and cell, PyTorch's parameter shapes and init bounds, error messages, the
 * inter-layer dropout statistics, and an LSTM learning multi-digit addition.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gradcheck, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { trainAddition } from "../../examples/sequence-addition/train.js";

const nn = my.nn;
const R = my.nn.utils.rnn;
const f64 = { dtype: "float64" as const };

function leaf(shape: number[], seed: number): Tensor {
  return my.randn(shape, { dtype: "float64", generator: new my.Generator(seed) }).requiresGrad_(true);
}

test("gradcheck float64: RNN tanh/relu, 2 layers, bidirectional, with h0", () => {
  for (const nl of ["tanh", "relu"] as const) {
    my.manualSeed(1);
    const m = new nn.RNN(2, 3, { numLayers: 2, bidirectional: true, nonlinearity: nl, ...f64 });
    const x = leaf([3, 2, 2], 2), h0 = leaf([4, 2, 3], 3);
    gradcheck((xx, hh) => { const [o, h] = m.forward(xx, hh); return [o, h]; }, [x, h0, ...m.parameters()]);
  }
});

test("gradcheck float64: LSTM with projSize, 2 layers, bidirectional, packed unsorted batch, [h0, c0]", () => {
  my.manualSeed(2);
  const m = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2, ...f64 });
  const x = leaf([4, 3, 2], 4), h0 = leaf([4, 3, 2], 5), c0 = leaf([4, 3, 3], 6);
  gradcheck((xx, hh, cc) => {
    const [o, [h, c]] = m.forward(R.packPaddedSequence(xx, [2, 4, 3], { enforceSorted: false }), [hh, cc]);
    return [R.padPackedSequence(o)[0], h, c];
  }, [x, h0, c0, ...m.parameters()]);
});

test("gradcheck float64: GRU batchFirst bidirectional and packed sorted", () => {
  my.manualSeed(3);
  const m = new nn.GRU(2, 3, { bidirectional: true, batchFirst: true, ...f64 });
  const x = leaf([2, 3, 2], 7), h0 = leaf([2, 2, 3], 8);
  gradcheck((xx, hh) => { const [o, h] = m.forward(xx, hh); return [o, h]; }, [x, h0, ...m.parameters()]);
  const xp = leaf([3, 2, 2], 9);
  gradcheck((xx) => { const [o, h] = m.forward(R.packPaddedSequence(xx, [3, 2])); return [o.data, h]; }, [xp, ...m.parameters()]);
});

test("gradcheck float64: cells (fused LSTM/GRU steps) including second order", () => {
  my.manualSeed(4);
  const lc = new nn.LSTMCell(2, 3, f64), gc = new nn.GRUCell(2, 3, f64), rc = new nn.RNNCell(2, 3, f64);
  const x = leaf([2, 2], 10), h = leaf([2, 3], 11), c = leaf([2, 3], 12);
  gradcheck((xx, hh, cc) => lc.forward(xx, [hh, cc]), [x, h, c, ...lc.parameters()]);
  gradcheck((xx, hh) => gc.forward(xx, hh), [x, h, ...gc.parameters()]);
  gradcheck((xx, hh) => rc.forward(xx, hh), [x, h, ...rc.parameters()]);
  // Second order: the createGraph backward is itself differentiable (d/dx of a gradient).
  // (enableGrad: gradcheck evaluates the finite differences under noGrad.)
  gradcheck((xx, hh, cc) => my.enableGrad(() => {
    const [h1, c1] = lc.forward(xx, [hh, cc]);
    return my.grad(h1.mul(c1).sum(), [xx, hh, cc], { createGraph: true }) as Tensor[];
  }), [x, h, c]);
  gradcheck((xx, hh) => my.enableGrad(() => my.grad(gc.forward(xx, hh).square().sum(), [xx, hh], { createGraph: true }) as Tensor[]), [x, h]);
});

test("parameters: PyTorch's shapes (weight_hr, reverse) and U(±1/√hidden) init", () => {
  my.manualSeed(5);
  const m = new nn.LSTM(7, 16, { numLayers: 2, bidirectional: true, projSize: 5 });
  const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes.weight_ih_l0, [64, 7]);
  assert.deepEqual(shapes.weight_hh_l0, [64, 5]);
  assert.deepEqual(shapes.weight_hr_l0_reverse, [5, 16]);
  assert.deepEqual(shapes.weight_ih_l1, [64, 10]);
  assert.deepEqual(shapes.bias_hh_l1_reverse, [64]);
  const all = m.parameters().flatMap((p) => Array.from(p.data() as Float32Array));
  const bound = 1 / 4;
  assert.ok(all.every((v) => Math.abs(v) <= bound), "all values within ±1/√16");
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
  // U(-k, k) has mean 0 and variance k²/3; n ≈ 6000 values.
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - bound * bound / 3) < 0.002, `variance ${variance}`);
});

test("inter-layer dropout: active only in training, between layers, keeps the expectation", () => {
  my.manualSeed(6);
  const m = new nn.RNN(4, 32, { numLayers: 2, dropout: 0.5, nonlinearity: "relu" });
  const x = my.randn([3, 8, 4]);
  m.eval();
  const [a] = m.forward(x), [b] = m.forward(x);
  assert.deepEqual(a.data(), b.data(), "eval is deterministic");
  m.train();
  const [c] = m.forward(x), [d] = m.forward(x);
  assert.notDeepEqual(c.data(), d.data(), "training draws masks");
  // The first layer is untouched: a 1-layer RNN with the same weights gives its output.
  const one = new nn.RNN(4, 32, { nonlinearity: "relu", dropout: 0 });
  const sd = m.stateDict();
  one.loadStateDict({ weight_ih_l0: sd.weight_ih_l0, weight_hh_l0: sd.weight_hh_l0, bias_ih_l0: sd.bias_ih_l0, bias_hh_l0: sd.bias_hh_l0 });
  const [, h1] = one.forward(x);
  const [, hT] = m.forward(x);
  assert.deepEqual(Array.from(hT.select(0, 0).data()), Array.from(h1.select(0, 0).data()));
});

test("errors name the layer, the shapes and the rule", () => {
  const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
  assert.throws(() => lstm.forward(my.randn([5, 2, 6])), /LSTM: input\.size\(-1\) must be equal to inputSize\. Expected 3, got 6/);
  assert.throws(() => lstm.forward(my.randn([5, 2, 3, 1])), /LSTM: expected input of 2 .* or 3 dims/);
  assert.throws(() => lstm.forward(my.randn([5, 2, 3]), [my.zeros([1, 2, 4]), my.zeros([2, 2, 4])]), /LSTM: expected h0 of shape \[2, 2, 4\]/);
  assert.throws(() => new nn.GRU(3, 4, { projSize: 2 } as never), /projSize is only supported by LSTM/);
  assert.throws(() => new nn.LSTM(3, 4, { projSize: 4 }), /projSize \(4\) has to be smaller than hiddenSize \(4\)/);
  assert.throws(() => new nn.RNN(3, 4, { nonlinearity: "gelu" as never }), /unknown nonlinearity "gelu"/);
  assert.throws(() => new nn.RNN(3, 4, { dropout: 1.5 }), /dropout should be a number in range \[0, 1\]/);
  assert.throws(() => new nn.LSTMCell(3, 4).forward(my.randn([2, 5])), /LSTMCell: input has 5 features/);
  assert.throws(() => R.packPaddedSequence(my.randn([4, 3, 2]), [2, 4, 3]), /must be sorted in decreasing order when enforceSorted is true/);
  assert.throws(() => R.packPaddedSequence(my.randn([4, 3, 2]), [4, 0, 3], { enforceSorted: false }), /greater than 0/);
  assert.throws(() => R.packPaddedSequence(my.randn([4, 3, 2]), [4, 2]), /got 2 lengths for a batch of 3/);
  assert.throws(() => R.padPackedSequence(R.packPaddedSequence(my.randn([4, 2, 2]), [4, 3]), { totalLength: 3 }), /totalLength to be at least/);
  assert.throws(() => new nn.RNN(2, 3).forward(my.randn([3, 2, 2], f64)), /input dtype float64 does not match the parameters' dtype float32/);
});

test("packed input: final states are each sequence's last valid step, padded outputs are zero", () => {
  // Independent check by construction: running each sequence alone, unpadded, must give
  // the same outputs and final state as the packed batch.
  my.manualSeed(7);
  const m = new nn.GRU(3, 4, { bidirectional: true });
  const x = my.randn([5, 3, 3]);
  const lens = [2, 5, 3];
  const [out, hN] = m.forward(R.packPaddedSequence(x, lens, { enforceSorted: false }));
  const [pad] = R.padPackedSequence(out);
  lens.forEach((L, b) => {
    const [o1, h1] = m.forward(x.narrow(0, 0, L).select(1, b));
    assert.ok(pad.narrow(0, 0, L).select(1, b).sub(o1).abs().max().item() < 1e-6, `sequence ${b} outputs`);
    assert.ok(hN.select(1, b).sub(h1).abs().max().item() < 1e-6, `sequence ${b} final state`);
    if (L < 5) assert.equal(pad.narrow(0, L, 5 - L).select(1, b).abs().max().item(), 0, `sequence ${b} padding`);
  });
});

test("LSTM learns to add two 8-digit numbers (carry propagation) on held-out pairs", () => {
  const r = trainAddition({ steps: 600 });
  assert.ok(r.sequenceAccuracy >= 0.98, `held-out sums fully right: ${r.sequenceAccuracy}`);
  assert.ok(r.digitAccuracy >= 0.995, `held-out digits right: ${r.digitAccuracy}`);
});
