// Autograd semantics: accumulation, retainGraph, createGraph (higher order),
// grad() options, grad mode, detach, retainGrad, in-place version checks and deep
// graphs. Expected values come from PyTorch fixtures (gen_autograd.py) or closed forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor, DType } from "../../src/index.js";

interface Rec { shape: number[]; dtype: DType; data: number[] }
const fx = loadFixture<{
  wgan: { W1: Rec; b1: Rec; W2: Rec; b2: Rec; x: Rec; gx: Rec; gp: number; grads: (Rec | null)[] };
  gradapi: { x: Rec; v1: Rec; v2: Rec; gh: Rec; gx: Rec };
  rnn: { T: number; W: Rec; U: Rec; loss: number; gW: Rec; gU: Rec };
}>("autograd");

const load = (r: Rec, requiresGrad = false): Tensor =>
  my.tensor(Float64Array.from(r.data), { shape: r.shape, dtype: "float64", requiresGrad });
const f64 = (v: number[], requiresGrad = false) => my.tensor(v, { dtype: "float64", requiresGrad });
const vals = (t: Tensor | null) => Array.from(t!.data() as ArrayLike<number>);

test("gradients accumulate over two backward calls", () => {
  const x = f64([1, 2, 3], true);
  x.mul(x).sum().backward();
  assertClose(x.grad!, [2, 4, 6]);
  x.mul(x).sum().backward();
  assertClose(x.grad!, [4, 8, 12]); // d/dx sum(x^2) = 2x, twice
  x.grad = null;
  x.mul(5).sum().backward();
  assertClose(x.grad!, [5, 5, 5], { msg: "after clearing .grad" });
});

test("retainGraph: a second backward works only when the first kept the graph", () => {
  const x = f64([0, 1], true);
  const y = x.exp().sum();
  y.backward(null, { retainGraph: true });
  y.backward();
  assertClose(x.grad!, [2, 2 * Math.E], { rtol: 1e-12 });
  assert.throws(() => y.backward(), /backward through the graph a second time.*retainGraph: true/s);
  // the failed call must not have touched .grad
  assertClose(x.grad!, [2, 2 * Math.E], { rtol: 1e-12 });
});

test("createGraph: third derivative of f(x) = x^2 sin x matches the closed form", () => {
  const xs = [-1.3, 0, 0.4, 2.2];
  const x = f64(xs, true);
  const f = x.square().mul(x.sin());
  const [g1] = my.grad(f.sum(), x, { createGraph: true });
  const [g2] = my.grad(g1!.sum(), x, { createGraph: true });
  const [g3] = my.grad(g2!.sum(), x);
  const d1 = xs.map((v) => 2 * v * Math.sin(v) + v * v * Math.cos(v));
  const d2 = xs.map((v) => 2 * Math.sin(v) + 4 * v * Math.cos(v) - v * v * Math.sin(v));
  const d3 = xs.map((v) => 6 * Math.cos(v) - 6 * v * Math.sin(v) - v * v * Math.cos(v));
  assertClose(g1!, d1, { rtol: 1e-12, atol: 1e-12 });
  assertClose(g2!, d2, { rtol: 1e-12, atol: 1e-12 });
  assertClose(g3!, d3, { rtol: 1e-12, atol: 1e-12 });
  assert.ok(g2!.requiresGrad && !g3!.requiresGrad, "createGraph results carry a graph, plain ones do not");
});

test("createGraph through backward(): x.grad has a graph and can be differentiated", () => {
  const x = f64([0.5, -2], true);
  x.pow(3).sum().backward(null, { createGraph: true });
  const g = x.grad!;
  assert.ok(g.requiresGrad, "x.grad records its history");
  assertClose(g, [3 * 0.25, 3 * 4]);
  const [h] = my.grad(g.sum(), x); // d/dx 3x^2 = 6x
  assertClose(h!, [3, -12]);
});

test("WGAN-GP gradient penalty of a tanh MLP matches PyTorch", () => {
  const w = fx.wgan;
  const W1 = load(w.W1, true), b1 = load(w.b1, true), W2 = load(w.W2, true), b2 = load(w.b2, true);
  const x = load(w.x, true);
  const critic = (inp: Tensor) => inp.matmul(W1).add(b1).tanh().matmul(W2).add(b2);
  const [gx] = my.grad(critic(x).sum(), x, { createGraph: true });
  assertClose(gx!, w.gx.data, { rtol: 1e-10, atol: 1e-12 });
  const gp = gx!.norm(2, 1).sub(1).square().mean();
  assertClose(gp.item(), w.gp, { rtol: 1e-10 });
  const grads = my.grad(gp, [W1, b1, W2, b2, x], { allowUnused: true });
  assert.equal(grads[3], null, "b2 does not reach the input gradient: null with allowUnused, as PyTorch's None");
  for (const i of [0, 1, 2, 4]) {
    assertClose(grads[i]!, w.grads[i]!.data, { rtol: 1e-9, atol: 1e-12, msg: `gradient ${i}` });
    assert.deepEqual(grads[i]!.shape, w.grads[i]!.shape);
  }
  // The same through backward(): parameters' .grad accumulate the penalty gradient.
  const [gx2] = my.grad(critic(x).sum(), x, { createGraph: true });
  gx2!.norm(2, 1).sub(1).square().mean().backward();
  assertClose(W1.grad!, w.grads[0]!.data, { rtol: 1e-9, atol: 1e-12 });
  assert.equal(b2.grad, null);
});

test("grad(): several outputs, gradOutputs, a non-leaf input (PyTorch fixture)", () => {
  const g = fx.gradapi;
  const x = load(g.x, true);
  const h = x.exp();
  const y1 = h.mul(2).add(x);
  const y2 = h.sum().mul(x.sin());
  const [gh, gx] = my.grad([y1, y2], [h, x], { gradOutputs: [load(g.v1), load(g.v2)] });
  assertClose(gh!, g.gh.data, { rtol: 1e-12 });
  assertClose(gx!, g.gx.data, { rtol: 1e-12 });
  assert.equal(x.grad, null, "grad() does not accumulate into .grad");
});

test("grad(): allowUnused, retainGraph and argument errors", () => {
  const x = f64([1, 2], true), z = f64([3], true);
  const y = x.square().sum();
  assert.throws(() => my.grad(y, [x, z]), /grad: input 1 \(shape \[1\]\) was not used.*allowUnused/);
  const [gx, gz] = my.grad(y, [x, z], { allowUnused: true, retainGraph: true });
  assertClose(gx!, [2, 4]);
  assert.equal(gz, null);
  const [again] = my.grad(y, x); // graph was retained
  assertClose(again!, [2, 4]);
  assert.throws(() => my.grad(y, x), /second time/);
  assert.throws(() => my.grad(f64([1, 2], true).mul(2), x), /grad: .*only for scalar outputs.*\[2\]/);
  assert.throws(() => my.grad(x.mul(2).sum(), f64([1])), /grad: input 0 does not require grad/);
  assert.throws(() => my.grad(x.mul(2), x, { gradOutputs: [f64([1, 1]), f64([1])] }), /grad: got 2 gradOutputs for 1 outputs/);
});

test("grad() runs only the part of the graph that reaches the inputs", () => {
  // The sigmoid branch was modified in place, so running its backward would raise;
  // PyTorch's grad() never runs it when only h is asked for, and neither do we.
  const x = f64([1, 2], true), w = f64([0.5, -1], true);
  const h = x.mul(3);
  const s = w.sigmoid();
  const y = h.add(s).sum();
  my.noGrad(() => s.mul_(2));
  const [gh] = my.grad(y, h, { retainGraph: true });
  assertClose(gh!, [1, 1]);
  assert.throws(() => my.grad(y, w), /modified by an in-place operation.*SigmoidBackward/);
});

test("noGrad/enableGrad nest and restore the mode, also after an exception", () => {
  const x = f64([1], true);
  assert.equal(my.isGradEnabled(), true);
  const [a, b, c] = my.noGrad(() => {
    const a = x.mul(2);
    const b = my.enableGrad(() => x.mul(2));
    const c = my.noGrad(() => x.mul(2));
    return [a, b, c];
  });
  assert.deepEqual([a.requiresGrad, b.requiresGrad, c.requiresGrad], [false, true, false]);
  assert.throws(() => my.noGrad(() => { throw new Error("boom"); }), /boom/);
  assert.equal(my.isGradEnabled(), true, "mode restored after a throw");
  my.noGrad(() => assert.throws(() => my.enableGrad(() => { throw new Error("x"); })));
  assert.equal(my.isGradEnabled(), true);
});

test("detach shares storage and version counter but not the graph", () => {
  const x = f64([1, 2], true);
  const y = x.exp();
  const d = y.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.isLeaf, true);
  d.mul_(0); // writes through to y's storage
  assert.deepEqual(vals(y), [0, 0]);
  // y's ExpBackward saved y, which changed under it: raise, as PyTorch does.
  assert.throws(() => y.sum().backward(), /modified by an in-place operation/);
  const z = x.detach();
  assert.throws(() => z.sum().backward(), /does not require grad/);
});

test("retainGrad keeps .grad on a non-leaf; other non-leaves keep none", () => {
  const x = f64([1, -2], true);
  const h = x.mul(2).retainGrad();
  const k = h.add(1);
  k.square().sum().backward();
  assertClose(h.grad!, [2 * 3, 2 * -3]); // d/dh sum((h+1)^2) = 2(h+1)
  assert.equal(k.grad, null);
  assertClose(x.grad!, [12, -12]);
  // after an in-place op, .grad is the gradient of the new value (PyTorch: [12, -24], x.grad [72, -144])
  const x3 = f64([1, -2], true);
  const h3 = x3.mul(2).retainGrad();
  h3.mul_(3);
  h3.mul(h3).sum().backward();
  assertClose(h3.grad!, [12, -24]);
  assertClose(x3.grad!, [72, -144]);
  // grad() does not populate retained .grad
  const h2 = x.mul(3).retainGrad();
  my.grad(h2.sum(), x);
  assert.equal(h2.grad, null);
});

test("non-scalar backward takes a gradient of the output's shape", () => {
  const x = f64([1, 2, 3], true);
  const y = x.square();
  y.backward(f64([1, 0.5, -1]));
  assertClose(x.grad!, [2, 2, -6]);
  assert.throws(() => x.square().backward(), /backward: grad can be implicitly created only for scalar outputs.*\[3\]/);
  assert.throws(() => x.square().backward(f64([1, 2])), /backward: gradient has shape \[2\] but the output has shape \[3\]/);
});

test("requiresGrad on int tensors raises; grad never flows into int results", () => {
  assert.throws(() => my.tensor([1, 2], { dtype: "int32" }).requiresGrad_(), /requiresGrad_: only floating-point tensors can require gradients, got dtype int32/);
  assert.throws(() => my.zeros([2], { dtype: "int32", requiresGrad: true }), /only floating-point/);
  const x = f64([0.5, 2], true);
  assert.equal(x.gt(1).requiresGrad, false);
  assert.equal(x.argmax().requiresGrad, false);
  assert.throws(() => x.detach().requiresGrad_(false) && x.mul(2).requiresGrad_(false), /non-leaf/);
});

test("in-place version counter: modifying a value backward needs raises, otherwise gradients are right", () => {
  const x = f64([0.5, -1, 2], true);
  const y = x.sigmoid();
  y.mul_(2);
  assert.throws(() => y.sum().backward(), /modified by an in-place operation.*SigmoidBackward.*version 1; expected version 0/);
  // add's backward needs no saved value: y = 2x + 1, dy/dx = 2
  const y2 = x.mul(2);
  y2.add_(1);
  y2.sum().backward();
  assertClose(x.grad!, [2, 2, 2]);
  assert.deepEqual(vals(y2), [2, -1, 5]);
  assert.equal(y2.gradFn!.name, "AddBackward");
  // mul_ by a scalar after mul: y = 6x (PyTorch allows this too)
  x.grad = null;
  const y3 = x.mul(3);
  y3.mul_(2);
  y3.sum().backward();
  assertClose(x.grad!, [6, 6, 6]);
  // mul_ by a tensor that requires grad: the old value of y is kept (PyTorch's original_self)
  x.grad = null;
  const z = f64([1, 2, 3], true);
  const y4 = x.mul(3);
  y4.mul_(z);
  y4.sum().backward();
  assertClose(x.grad!, [3, 6, 9]);
  assertClose(z.grad!, [1.5, -3, 6]);
  // exp saves its output: add_ on it invalidates the graph
  assert.throws(() => { const e = x.exp(); e.add_(1); e.sum().backward(); }, /modified by an in-place operation.*ExpBackward/);
});

test("in-place on a leaf that requires grad raises, but works inside noGrad", () => {
  const w = f64([1, 2], true);
  assert.throws(() => w.add_(1), /add_: a leaf tensor that requires grad is being used in an in-place operation.*noGrad/);
  assert.throws(() => w.mul_(2), /mul_: a leaf tensor/);
  assert.throws(() => w.zero_(), /zero_: a leaf tensor/);
  const y = w.mul(w).sum(); // saves w
  my.noGrad(() => w.sub_(f64([0.5, 0.5])));
  assert.deepEqual(vals(w), [0.5, 1.5]);
  assert.ok(w.requiresGrad && w.isLeaf, "still a leaf that requires grad");
  assert.throws(() => y.backward(), /modified by an in-place operation/, "the graph that saved w is now stale");
  w.mul(w).sum().backward();
  assertClose(w.grad!, [1, 3]);
});

test("shared subgraphs and several outputs: dependencies are counted once per edge", () => {
  const xs = [0.3, -0.8];
  const x = f64(xs, true);
  const a = x.exp();
  const b = a.mul(a).add(a.sin()); // a used three times
  const c = b.mul(x); // x used directly and through a
  c.sum().backward();
  // c = (e^{2x} + sin(e^x)) x ; dc/dx = (2e^{2x} + cos(e^x) e^x) x + e^{2x} + sin(e^x)
  const expect = xs.map((v) => (2 * Math.exp(2 * v) + Math.cos(Math.exp(v)) * Math.exp(v)) * v + Math.exp(2 * v) + Math.sin(Math.exp(v)));
  assertClose(x.grad!, expect, { rtol: 1e-12 });
  // my.backward with two outputs sharing `a`, one of them an ancestor of the other
  x.grad = null;
  const a2 = x.exp();
  const o1 = a2.sum();
  const o2 = o1.mul(a2).sum(); // o2 = (sum e^x)^2
  my.backward([o1, o2]);
  const s = xs.reduce((p, v) => p + Math.exp(v), 0);
  assertClose(x.grad!, xs.map((v) => Math.exp(v) + 2 * s * Math.exp(v)), { rtol: 1e-12 });
  // the same output twice counts twice
  x.grad = null;
  const o3 = x.sum();
  my.backward([o3, o3]);
  assertClose(x.grad!, [2, 2]);
});

test("RNN unrolled 2,000 steps: no stack overflow, gradients match PyTorch", () => {
  const r = fx.rnn;
  const W = load(r.W, true), U = load(r.U, true);
  const t = my.arange(r.T, undefined, 1, { dtype: "float64" }).unsqueeze(1);
  const xs = t.mul(f64([1, 2])).mul(0.01).sin();
  let h = my.zeros([1, 4], { dtype: "float64" });
  let acc = my.zeros([], { dtype: "float64" });
  for (let i = 0; i < r.T; i++) {
    h = h.matmul(W).add(xs.narrow(0, i, 1).matmul(U)).tanh();
    acc = acc.add(h.mean());
  }
  const loss = h.sum().add(acc.div(r.T));
  assertClose(loss.item(), r.loss, { rtol: 1e-10 });
  loss.backward(null, { retainGraph: true });
  assertClose(W.grad!, r.gW.data, { rtol: 1e-8, atol: 1e-12 });
  assertClose(U.grad!, r.gU.data, { rtol: 1e-8, atol: 1e-12 });
  const [gW] = my.grad(loss, W); // grad() walks the same deep graph
  assertClose(gW!, r.gW.data, { rtol: 1e-8, atol: 1e-12 });
});

test("a 100,000-op chain backpropagates without recursion", () => {
  const x = f64([1], true);
  let y = x;
  for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
  y = y.mul(y); // (x + 1)^2
  y.backward(null, { retainGraph: true });
  assertClose(x.grad!, [2 * 2], { rtol: 1e-9 });
  assertClose(my.grad(y, x)[0]!, [4], { rtol: 1e-9 });
});
