/**
 * Transformer layers against PyTorch (test/fixtures/gen_nn_transformer.py): encoder and
 * decoder layers (post/pre-norm, relu/gelu/function/module activations, bias=false,
 * batchFirst, unbatched, every mask), the stacks with a final norm and the full
 * nn.Transformer; default state-dict layouts; generateSquareSubsequentMask; deep-copied
 * stack layers are independent; float64 finite-difference gradchecks and a double
 * backward through MultiheadAttention; positional encodings against their formulas.
 * The module cases of nn_transformer.json replay on every backend from the one fixture
 * loop (test/backends/fixtures.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, gradcheck, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { decode, type Enc } from "./attention-cases.js";

const { nn } = my;
const fx = loadFixture<{
  layouts: Record<string, { keys: [string, number[]][]; numParameters: number } | Enc> & { mask4: Enc };
}>("nn_transformer");


test("default-sized models have PyTorch's state-dict keys, shapes and parameter counts", () => {
  const models: Record<string, () => InstanceType<typeof nn.Module>> = {
    Transformer_default: () => new nn.Transformer(),
    TransformerEncoderLayer_default: () => new nn.TransformerEncoderLayer(512, 8),
    MultiheadAttention_kdim: () => new nn.MultiheadAttention(16, 4, { kdim: 8, vdim: 4, addBiasKv: true }),
  };
  for (const [name, make] of Object.entries(models)) {
    const ref = fx.layouts[name] as { keys: [string, number[]][]; numParameters: number };
    const m = make();
    assert.deepEqual(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]), ref.keys, `${name} keys and shapes`);
    assert.equal(m.numParameters(), ref.numParameters, `${name} parameter count`);
  }
});

test("generateSquareSubsequentMask equals PyTorch's", () => {
  const m = nn.Transformer.generateSquareSubsequentMask(4);
  assert.deepEqual(m.shape, [4, 4]);
  assertClose(m, fx.layouts.mask4.data);
});

test("TransformerEncoder deep-copies its layer: layers are independent parameters with equal values", () => {
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12 });
  const enc = new nn.TransformerEncoder(layer, 3);
  const w0 = enc.layers.get(0).selfAttn.inProjWeight!;
  const w1 = enc.layers.get(1).selfAttn.inProjWeight!;
  assert.notEqual(w0, w1);
  assert.notEqual(w0, layer.selfAttn.inProjWeight);
  assert.deepEqual(Array.from(w0.data()), Array.from(layer.selfAttn.inProjWeight!.data()));
  assert.ok(nn.isParameter(w1) && w1.requiresGrad);
  my.noGrad(() => w0.add_(1));
  assert.notDeepEqual(Array.from(w0.data()), Array.from(w1.data()));
  assert.equal(enc.parameters().length, 3 * layer.parameters().length, "no parameter shared between copies");
  // the copies' own modules are distinct objects
  assert.notEqual(enc.layers.get(0).linear1, enc.layers.get(1).linear1);
});

test("float64 gradcheck: MultiheadAttention with masks, bias_kv and zero attention (inputs and parameters)", () => {
  my.manualSeed(3);
  const m = new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true, kdim: 3, vdim: 3, dtype: "float64" });
  const q = my.randn([3, 2, 4], { dtype: "float64", requiresGrad: true });
  const kv = my.randn([4, 2, 3], { dtype: "float64", requiresGrad: true });
  const am = my.tensor([[false, true, false, false], [false, false, true, false], [false, false, false, true]]);
  const kpm = my.tensor([[false, false, true, false], [false, true, false, false]]);
  const params = m.parameters();
  gradcheck(() => m.forward(q, kv, kv, { attnMask: am, keyPaddingMask: kpm, averageAttnWeights: false }) as Tensor[], [q, kv, ...params]);
});

test("float64 gradcheck: pre-norm TransformerDecoderLayer with causal flag and memory mask", () => {
  my.manualSeed(4);
  const m = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, normFirst: true, activation: "gelu", dtype: "float64" });
  const t = my.randn([3, 2, 4], { dtype: "float64", requiresGrad: true });
  const mem = my.randn([2, 2, 4], { dtype: "float64", requiresGrad: true });
  const mm = my.tensor([[0, -1], [0.5, 0], [0, 0]], { dtype: "float64" });
  gradcheck(() => m.forward(t, mem, { tgtIsCausal: true, memoryMask: mm }), [t, mem, ...m.parameters()]);
});

test("double backward through MultiheadAttention matches finite differences of the gradient", () => {
  my.manualSeed(5);
  const m = new nn.MultiheadAttention(4, 2, { dtype: "float64" });
  const x = my.randn([3, 1, 4], { dtype: "float64", requiresGrad: true });
  const c = my.randn([3, 1, 4], { dtype: "float64" });
  // h(x) = sum((d/dx sum(out * c))^2): its gradient needs second derivatives of attention.
  const h = (xx: Tensor, create: boolean): Tensor => {
    const [y] = m.forward(xx, xx, xx, { isCausal: true, needWeights: false });
    const [g] = my.grad(y.mul(c).sum(), [xx], { createGraph: create });
    return g!.mul(g!).sum();
  };
  const [g2] = my.grad(h(x, true), [x]);
  const eps = 1e-6;
  const num = new Float64Array(x.numel());
  for (let i = 0; i < x.numel(); i++) {
    const o = x._data[i];
    x._data[i] = o + eps; const fp = h(x, false).item();
    x._data[i] = o - eps; const fm = h(x, false).item();
    x._data[i] = o;
    num[i] = (fp - fm) / (2 * eps);
  }
  assertClose(g2!, Array.from(num), { rtol: 1e-4, atol: 1e-6, msg: "second-order gradient" });
});

test("SinusoidalPositionalEncoding adds sin/cos of pos / 10000^(2i/d); its table is a non-persistent buffer", () => {
  const d = 6, pe = new nn.SinusoidalPositionalEncoding(d, { maxLen: 10 });
  assert.deepEqual(Object.keys(pe.stateDict()), []);
  assert.deepEqual(pe.namedBuffers().next().value![0], "pe");
  const x = my.zeros([4, 2, d]);
  const y = pe.forward(x);
  const expect: number[] = [];
  for (let pos = 0; pos < 4; pos++) for (let n = 0; n < 2; n++) for (let j = 0; j < d; j++) {
    const i2 = j - (j % 2);
    const a = pos / Math.pow(10000, i2 / d);
    expect.push(j % 2 === 0 ? Math.sin(a) : Math.cos(a));
  }
  assertClose(y, expect, { atol: 1e-6 });
  // batchFirst and unbatched place positions on dim 1 / dim 0
  const bf = new nn.SinusoidalPositionalEncoding(5, { batchFirst: true }).forward(my.ones([2, 3, 5]));
  assertClose(bf.select(0, 1).select(0, 2).sub(1), [Math.sin(2), Math.cos(2), Math.sin(2 / Math.pow(10000, 2 / 5)), Math.cos(2 / Math.pow(10000, 2 / 5)), Math.sin(2 / Math.pow(10000, 4 / 5))], { atol: 1e-6 });
  assert.throws(() => pe.forward(my.zeros([11, d])), /sequence length 11 exceeds maxLen 10/);
});

test("LearnedPositionalEncoding adds embedding.weight[:L] and trains it", () => {
  const pe = new nn.LearnedPositionalEncoding(7, 3, { batchFirst: true });
  assert.deepEqual(Object.keys(pe.stateDict()), ["embedding.weight"]);
  const w = pe.embedding.weight;
  const x = my.randn([2, 4, 3]);
  const y = pe.forward(x);
  const wd = w.data(), xd = x.data();
  const expect = Array.from(xd, (v, i) => v + wd[i % 12]);
  assertClose(y, expect, { atol: 1e-6 });
  y.sum().backward();
  // rows 0..3 are used twice (batch of 2), rows 4..6 not at all
  assertClose(w.grad!, [...new Array(12).fill(2), ...new Array(9).fill(0)]);
});

test("errors name the layer and the rule", () => {
  assert.throws(() => new nn.MultiheadAttention(10, 3), /MultiheadAttention: embedDim 10 must be divisible by numHeads 3/);
  const m = new nn.MultiheadAttention(8, 2);
  const x = my.randn([5, 3, 8]);
  assert.throws(() => m.forward(x, x, x, { attnMask: my.zeros([4, 5]) }), /attnMask of shape \[4, 5\] should be \[5, 5\]/);
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: my.zeros([5, 3]) }), /keyPaddingMask of shape \[5, 3\] should be \[3, 5\]/);
  assert.throws(() => m.forward(my.randn([5, 3, 6]), x, x), /expected query's last dim to be embedDim 8/);
  assert.throws(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as "relu" }), /activation should be "relu", "gelu"/);
  assert.throws(() => my.nn.functional.scaledDotProductAttention(my.randn([2, 3]), my.randn([4, 2]), my.randn([4, 2])),
    /query \[2, 3\] and key \[4, 2\] must have the same last dim/);
  const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
  assert.throws(() => t.forward(my.randn([4, 2, 8]), my.randn([3, 3, 8])), /batch number of src \[4, 2, 8\] and tgt \[3, 3, 8\] must be equal/);
});
