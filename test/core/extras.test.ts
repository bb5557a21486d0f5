// The PyTorch names ports needed (src/ops/extras.ts, F.oneHot), against PyTorch 1.13
// (test/fixtures/port_snippets.json from gen_port_snippets.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { assertClose, loadFixture } from "../helpers.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fx = loadFixture<Record<string, any>>("port_snippets");
const ramp = (...shape: number[]) => my.arange(shape.reduce((a, b) => a * b, 1), { dtype: "float32" }).mul(0.37).sin().reshape(shape);
const a = my.tensor([1, 2, Infinity, NaN, -Infinity, 1e-9]);
const b = my.tensor([1 + 1e-6, 2.1, Infinity, NaN, Infinity, 0]);

test("isclose / allclose: PyTorch's tolerance rule, infinities and NaNs", () => {
  assert.deepEqual(a.isclose(b).toArray(), fx.isclose.default);
  assert.deepEqual(my.isclose(a, b, 0.1, 1e-8, true).toArray(), fx.isclose.loose_nan);
  assert.deepEqual(my.isclose(a, b, { rtol: 0.1, equalNan: true }).toArray(), fx.isclose.loose_nan);
  assert.equal(my.allclose(a.slice(0, 0, 2), b.slice(0, 0, 2), 0.1), fx.isclose.allclose_first2);
  assert.equal(a.slice(0, 0, 2).allclose(b.slice(0, 0, 2)), fx.isclose.allclose_strict);
  assert.throws(() => my.isclose(a, b, { rtoll: 1 } as never), /my\.isclose: unknown option 'rtoll'/);
});

test("isinf / isposinf / isneginf", () => {
  assert.deepEqual(a.isinf().toArray(), fx.isinf.inf);
  assert.deepEqual(a.isposinf().toArray(), fx.isinf.pos);
  assert.deepEqual(my.isneginf(a).toArray(), fx.isinf.neg);
});

test("equal: same shape and values", () => {
  assert.equal(my.equal(ramp(2, 3), ramp(2, 3)), fx.equal.same);
  assert.equal(ramp(6).equal(ramp(2, 3)), fx.equal.shape);
  assert.equal(my.equal(ramp(3), ramp(3).add(1)), fx.equal.value);
});

test("diag: vector to matrix (with gradient) and matrix to vector, offsets", () => {
  const v = ramp(3).requiresGrad_();
  const d = my.diag(v, 1);
  assertClose(d, fx.diag.vec_k1.flat());
  assert.deepEqual(d.shape, [4, 4]);
  d.mul(ramp(4, 4)).sum().backward();
  assertClose(v.grad!, fx.diag.vec_k1_grad);
  assertClose(ramp(3, 4).diag(-1), fx.diag.mat_km1);
  assertClose(my.diag(ramp(2), { diagonal: -2 }), fx.diag.vec_km2.flat());
});

test("F.oneHot(x, numClasses?) → int32", () => {
  const auto = my.F.oneHot(my.tensor([0, 2, 1], { dtype: "int32" }));
  assert.equal(auto.dtype, "int32");
  assert.deepEqual(auto.toArray(), fx.one_hot.auto);
  assert.deepEqual(my.F.oneHot(my.tensor([[3], [1]], { dtype: "int32" }), 5).toArray(), fx.one_hot.five);
});

test("viewAs, new*, tolist, long, type", () => {
  const x = ramp(2, 3).double();
  assert.deepEqual(ramp(6).viewAs(x).shape, [2, 3]);
  const z = x.newZeros(2, 2);
  assert.equal(z.dtype, "float64");
  assert.deepEqual(z.toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(x.newOnes([3]).toArray(), [1, 1, 1]);
  assert.equal(x.newOnes([3], { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(x.newFull([2], 7).toArray(), [7, 7]);
  assert.equal(x.newTensor([1, 2]).dtype, "float64");
  assert.deepEqual(x.newEmpty(4).shape, [4]);
  assert.deepEqual(my.tensor([[1, 2]]).tolist(), [[1, 2]]);
  assert.equal(my.tensor([1.7, -1.7]).long().dtype, "int32");
  assert.deepEqual(my.tensor([1.7, -1.7]).long().toArray(), [1, -1]);
  assert.equal(ramp(1).type(), fx.type_names.float32);
  assert.equal(ramp(1).double().type(), fx.type_names.float64);
  assert.equal(my.tensor([1], { dtype: "int32" }).type(), fx.type_names.int);
  assert.equal(ramp(1).type("float64").dtype, "float64");
});

test("index assignment: x[:, 0::2] = y, x[mask] = 0, index_put_ with accumulate, masked_scatter_, pairs of indices", () => {
  const s = fx.setitem;
  const x = my.arange(12, { dtype: "float32" }).reshape(3, 4);
  x.setItem([null, [0, null, 2]], my.tensor([[-1, -2], [-3, -4], [-5, -6]]));
  assert.deepEqual(x.toArray(), s.slice_step);
  const y = my.arange(6, { dtype: "float32" }).reshape(2, 3);
  y.setItem(y.gt(2), 0);
  assert.deepEqual(y.toArray(), s.mask);
  const z = my.zeros(3, 2).indexPut_([my.tensor([0, 2, 0], { dtype: "int32" })], my.tensor([1, 2]), true);
  assert.deepEqual(z.toArray(), s.accumulate);
  const w = my.zeros(2, 3).maskedScatter_(my.tensor([[true, false, true], [false, true, false]]), my.tensor([7, 8, 9, 10]));
  assert.deepEqual(w.toArray(), s.masked_scatter);
  const v = my.zeros(2, 3).indexPut_([my.tensor([1, 0], { dtype: "int32" }), my.tensor([2, -1], { dtype: "int32" })], my.tensor([4, 5]));
  assert.deepEqual(v.toArray(), s.pairs);
});

test("index assignment is differentiable: gradients reach the kept entries and the values", () => {
  const s = fx.setitem;
  const a = my.ones(2, 3, { requiresGrad: true });
  const b = my.tensor([5, 6], { requiresGrad: true });
  const h = a.mul(2);
  h.setItem([null, 1], b);
  assert.deepEqual(h.toArray(), s.h);
  h.mul(my.arange(6, { dtype: "float32" }).reshape(2, 3)).sum().backward();
  assert.deepEqual(a.grad!.toArray(), s.grad_a);
  assert.deepEqual(b.grad!.toArray(), s.grad_b);
});

test("sparse COO: sparseCooTensor (duplicates add), toDense, toSparse, sparse.mm with the dense operand's gradient", () => {
  const s = fx.sparse;
  const idx = my.tensor([[0, 1, 1, 2, 1], [1, 0, 2, 2, 0]], { dtype: "int32" });
  const sp = my.sparseCooTensor(idx, my.tensor([1, 2, 3, 4, 0.5]), [3, 3]);
  assert.deepEqual(sp.toDense().toArray(), s.dense);
  const dn = ramp(3, 2).requiresGrad_();
  const out = my.sparse.mm(sp, dn);
  assertClose(out, s.mm.flat(), { atol: 1e-6 });
  out.mul(ramp(3, 2)).sum().backward();
  assertClose(dn.grad!, s.grad.flat(), { atol: 1e-6 });
  assert.deepEqual(my.tensor([[0, 2], [3, 0]]).toSparse().toDense().toArray(), s.roundtrip);
  assert.throws(() => my.sparseCooTensor(idx, my.tensor([1, 2, 3, 4, 5]), [2, 3]), /my\.sparseCooTensor: an index in dim 0/);
  assert.throws(() => my.sparse.mm(sp, my.ones(2, 2)), /sparse\.mm: cannot multiply \[3, 3\] by \[2, 2\]/);
});
