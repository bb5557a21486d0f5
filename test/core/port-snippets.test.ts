// One test per snippet of issue #18: code written as in the PyTorch examples, which
// used to compute something else without an error. Each now gives PyTorch's result
// (test/fixtures/port_snippets.json, made by gen_port_snippets.py) or, for the
// random initialisers, the distribution PyTorch draws from (checked statistically).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { assertClose, loadFixture } from "../helpers.js";

const { nn, F, optim } = my;
type Case = Record<string, unknown> & { out: number[]; shape: number[] };
const fx = loadFixture<Record<string, Case>>("port_snippets");

/** The generator's deterministic input: sin(0.37 i), shaped. */
const ramp = (...shape: number[]) => my.arange(shape.reduce((a, b) => a * b, 1), { dtype: "float32" }).mul(0.37).sin().reshape(shape);

test("new nn.Conv2d(1, 8, 4, 2, 1, {bias: false}): stride 2, padding 1, no bias", () => {
  const c = new nn.Conv2d(1, 8, 4, 2, 1, { bias: false });
  const want = fx.conv2d_layer;
  assert.deepEqual(c.stride, want.stride);
  assert.deepEqual(c.padding, want.padding);
  assert.equal(c.bias !== null, want.bias);
  assert.deepEqual(c.forward(ramp(1, 1, 28, 28)).shape, want.out_shape);
});

test("new nn.LSTM(8, 16, 2): two layers", () => {
  const l = new nn.LSTM(8, 16, 2);
  assert.equal(l.numLayers, fx.lstm_layers.num_layers);
  assert.deepEqual(Object.keys(l.stateDict()), fx.lstm_layers.keys);
});

test("new nn.Linear(4, 2, false): no bias", () => {
  const l = new nn.Linear(4, 2, false);
  assert.equal(l.bias !== null, fx.linear_nobias.bias);
  assert.deepEqual(Object.keys(l.stateDict()), fx.linear_nobias.keys);
});

test("new nn.MaxPool2d(2, 1) and F.maxPool2d(x, 2, 1): stride 1", () => {
  const x = ramp(1, 1, 4, 4);
  assert.deepEqual(new nn.MaxPool2d(2, 1).forward(x).shape, fx.maxpool_stride.shape);
  assertClose(F.maxPool2d(x, 2, 1) as my.Tensor, fx.maxpool_stride.out);
});

test("F.conv2d(x, w, b, 2): stride 2", () => {
  const y = F.conv2d(ramp(1, 2, 6, 6), ramp(3, 2, 3, 3), ramp(3), 2);
  assert.deepEqual(y.shape, fx.f_conv2d_stride.shape);
  assertClose(y, fx.f_conv2d_stride.out, { atol: 1e-5 });
});

test("new optim.SGD(params, 0.1): lr 0.1", () => {
  const p = my.tensor([1, -2], { requiresGrad: true });
  const opt = new optim.SGD([p], 0.1);
  p.mul(my.tensor([3, 0.5])).sum().backward();
  opt.step();
  assertClose(p, fx.sgd_lr.after as number[], { atol: 1e-6 });
});

test("nn.init.normal_(w, 0.0, 0.02) draws N(0, 0.02²); uniform_(w, -0.1, 0.1) draws U(-0.1, 0.1)", () => {
  my.manualSeed(0);
  const n = 40000;
  const w = nn.init.normal_(my.empty(n), 0.0, 0.02);
  // The sample std of 40,000 normal draws is within 2% of sigma with overwhelming probability.
  assert.ok(Math.abs(w.std().item() - 0.02) < 0.0004, `std ${w.std().item()}`);
  assert.ok(Math.abs(w.mean().item()) < 0.0004, `mean ${w.mean().item()}`);
  const u = nn.init.uniform_(my.empty(n), -0.1, 0.1);
  assert.ok(u.min().item() >= -0.1 && u.max().item() <= 0.1, "range");
  assert.ok(u.min().item() < -0.099 && u.max().item() > 0.099, "covers the range");
  // U(-0.1, 0.1) has std 0.2 / sqrt(12).
  assert.ok(Math.abs(u.std().item() - 0.2 / Math.sqrt(12)) < 0.001, `std ${u.std().item()}`);
});

test("my.zeros(2, 3) and my.randn(64, 100, 1, 1): varargs shapes", () => {
  assert.deepEqual(my.zeros(2, 3).shape, fx.zeros_varargs.shape);
  assert.deepEqual(my.randn(64, 100, 1, 1).shape, fx.randn_varargs.shape);
  assert.deepEqual(my.ones(2, 3, { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(my.rand(3, 1).shape, [3, 1]);
  assert.deepEqual(my.empty(4, 5).shape, [4, 5]);
});

test("my.randint(5, [2, 3]): PyTorch's randint(high, size)", () => {
  const r = my.randint(5, [2, 3]);
  assert.deepEqual(r.shape, fx.randint_high_size.shape);
  const v = Array.from(r.data());
  assert.ok(v.every((x) => Number.isInteger(x) && x >= 0 && x < 5), `values ${v}`);
});

test("x.sum({dim: 1}) is x.sum(1) (PyTorch's sum(dim=1)); a wrong key names sum and the key", () => {
  const x = ramp(3, 4);
  assertClose(x.sum({ dim: 1 }), fx.sum_dim_kw.out, { atol: 1e-6 });
  assertClose(my.sum(x, { dim: 1 }), fx.sum_dim_kw.out, { atol: 1e-6 });
  assert.throws(() => x.sum({ dims: 1 } as never), /my\.sum: unknown option 'dims'/);
  assert.throws(() => x.sum("1" as never), /my\.sum: argument 'dim' must be/);
});

test("F.interpolate(x, null, 2): PyTorch's positional size, scale_factor", () => {
  const y = F.interpolate(ramp(1, 2, 3, 4), null, 2);
  assert.deepEqual(y.shape, fx.interpolate_scale.shape);
  assertClose(y, fx.interpolate_scale.out);
});

test("new nn.ReLU(true): inplace accepted, same values", () => {
  assertClose(new nn.ReLU(true).forward(ramp(5)), fx.relu_inplace_module.out);
  assert.throws(() => new nn.ReLU(1 as never), /nn\.ReLU: argument 'inplace' must be a boolean/);
});
