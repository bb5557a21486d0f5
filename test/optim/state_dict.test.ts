/**
 * Optimizer state dicts and API behaviour: 10 steps + save + fresh optimizer + load +
 * 10 steps equals 20 uninterrupted steps bit for bit (every optimizer, float32 and
 * float64, through a JSON-like copy of the state); zeroGrad; addParamGroup; option
 * validation; closure handling.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

type Ctor = new (params: any, opts?: any) => my.optim.Optimizer; // eslint-disable-line @typescript-eslint/no-explicit-any
const O = my.optim;
const CONFIGS: [string, Ctor, Record<string, unknown>][] = [
  ["SGD nesterov", O.SGD, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ["Adam amsgrad", O.Adam, { lr: 0.05, amsgrad: true }],
  ["AdamW", O.AdamW, { lr: 0.05 }],
  ["RMSprop centered momentum", O.RMSprop, { lr: 0.01, centered: true, momentum: 0.5 }],
  ["Adagrad", O.Adagrad, { lr: 0.1, lrDecay: 0.01 }],
  ["Adadelta", O.Adadelta, {}],
  ["Adamax", O.Adamax, { lr: 0.02 }],
  ["NAdam", O.NAdam, { lr: 0.02 }],
  ["RAdam", O.RAdam, { lr: 0.02 }],
  ["LBFGS strong_wolfe", O.LBFGS, { lr: 0.5, maxIter: 3, historySize: 4, lineSearchFn: "strong_wolfe" }],
];

function problem(dtype: "float32" | "float64") {
  my.manualSeed(3);
  const X = my.randn([6, 3], { dtype }), Y = my.randn([6, 2], { dtype });
  const W0 = my.randn([2, 3], { dtype }), b0 = my.randn([2], { dtype });
  const fresh = (): Tensor[] => [W0.detach().clone().requiresGrad_(), b0.detach().clone().requiresGrad_()];
  const lossOf = (ps: Tensor[]): Tensor => X.matmul(ps[0].t()).add(ps[1]).sub(Y).square().mean().add(ps[0].abs().sum().mul(0.01));
  return { fresh, lossOf };
}

function run(opt: my.optim.Optimizer, ps: Tensor[], lossOf: (ps: Tensor[]) => Tensor, n: number): void {
  const closure = (): Tensor => {
    opt.zeroGrad();
    const l = lossOf(ps);
    l.backward();
    return l;
  };
  for (let i = 0; i < n; i++) {
    closure();
    opt.step(closure);
  }
}

/** Round-trips a state dict through plain objects, as saving to disk would (tensors rebuilt). */
function roundTrip(sd: my.optim.OptimizerStateDict): my.optim.OptimizerStateDict {
  const enc = (v: unknown): unknown => {
    if (v instanceof my.Tensor) return { __t: Array.from(v.data() as ArrayLike<number>), shape: v.shape, dtype: v.dtype };
    if (Array.isArray(v)) return v.map(enc);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  const dec = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if ("__t" in o) return my.tensor(o.__t as number[], { dtype: o.dtype as "float32" }).reshape(o.shape as number[]);
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, dec(x)]));
    }
    return v;
  };
  return dec(JSON.parse(JSON.stringify(enc(sd)))) as my.optim.OptimizerStateDict;
}

for (const dtype of ["float32", "float64"] as const) {
  for (const [name, Ctor, opts] of CONFIGS) {
    test(`${name} (${dtype}): save after 10 steps, load into a new optimizer, 10 more == 20 steps bit for bit`, () => {
      const { fresh, lossOf } = problem(dtype);
      const ref = fresh();
      run(new Ctor(ref, opts), ref, lossOf, 20);

      const a = fresh();
      const optA = new Ctor(a, opts);
      run(optA, a, lossOf, 10);
      const sd = roundTrip(optA.stateDict());
      const b = a.map((p) => p.detach().clone().requiresGrad_());
      const optB = new Ctor(b, { ...opts, lr: 123 }); // lr comes back from the state dict
      optB.loadStateDict(sd);
      assert.equal(optB.paramGroups[0].lr, opts.lr ?? optA.paramGroups[0].lr);
      run(optB, b, lossOf, 10);
      for (let i = 0; i < ref.length; i++) assert.deepEqual(Array.from(b[i].data() as ArrayLike<number>), Array.from(ref[i].data() as ArrayLike<number>), `${name} param ${i}`);
      // and the parameters actually moved
      assert.notDeepEqual(Array.from(ref[0].data() as ArrayLike<number>), Array.from(fresh()[0].data() as ArrayLike<number>));
    });
  }
}

test("stateDict uses PyTorch's layout and keys; loading copies (no aliasing)", () => {
  const w = my.ones([2], { requiresGrad: true }), b = my.ones([1], { requiresGrad: true });
  const opt = new O.Adam([{ params: [w] }, { params: [b], lr: 0.5, weightDecay: 0.1 }], { lr: 0.1 });
  w.sum().add(b.sum()).backward();
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups.map((g) => g.params), [[0], [1]]);
  assert.equal(sd.param_groups[1].weight_decay, 0.1);
  assert.equal(sd.param_groups[1].lr, 0.5);
  assert.deepEqual(sd.param_groups[0].betas, [0.9, 0.999]);
  assert.deepEqual(Object.keys(sd.state[0]).sort(), ["exp_avg", "exp_avg_sq", "step"]);
  assert.equal(sd.state[0].step, 1);
  // exp_avg after one step with g = 1 is (1 - beta1) * g = 0.1 (float32)
  assert.deepEqual(Array.from((sd.state[0].exp_avg as Tensor).data()), [Math.fround(0.1), Math.fround(0.1)]);
  (sd.state[0].exp_avg as Tensor)._data.fill(7); // mutating the saved copy must not touch the optimizer
  assert.equal((opt.state.get(w)!.exp_avg as Tensor)._data[0], Math.fround(0.1));
  const opt2 = new O.Adam([{ params: [w] }, { params: [b] }]);
  assert.throws(() => new O.Adam([w]).loadStateDict(sd), /2 parameter groups/);
  opt2.loadStateDict(opt.stateDict());
  assert.equal(opt2.paramGroups[1].weightDecay, 0.1);
  assert.notEqual(opt2.state.get(w)!.exp_avg, opt.state.get(w)!.exp_avg);
});

test("zeroGrad sets grads to null by default, or zero-fills them", () => {
  const w = my.tensor([1, 2], { requiresGrad: true });
  const opt = new O.SGD([w], { lr: 0.1 });
  w.sum().backward();
  const g = w.grad!;
  opt.zeroGrad({ setToNone: false });
  assert.deepEqual(Array.from(w.grad!.data()), [0, 0]);
  assert.equal(w.grad!.requiresGrad, false);
  assert.ok(g !== null);
  opt.zeroGrad();
  assert.equal(w.grad, null);
  opt.step(); // no grad: nothing happens
  assert.deepEqual(Array.from(w.data()), [1, 2]);
});

test("SGD steps match the closed form and bump the version counter", () => {
  // p1 = p0 - lr * g with g = 2 p0 (loss = sum p^2): analytic
  const w = my.tensor([1, -2, 3], { requiresGrad: true, dtype: "float64" });
  const opt = new O.SGD([w], { lr: 0.1 });
  const v0 = w._version.v;
  w.square().sum().backward();
  opt.step();
  assertClose(w, [0.8, -1.6, 2.4], { rtol: 1e-15, atol: 0 });
  assert.ok(w._version.v > v0);
});

test("addParamGroup, per-group defaults and duplicate detection", () => {
  const a = my.ones([1], { requiresGrad: true }), b = my.ones([1], { requiresGrad: true });
  const opt = new O.SGD([a], { lr: 0.1, momentum: 0.9 });
  opt.addParamGroup({ params: [b], lr: 0.01 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  assert.throws(() => opt.addParamGroup({ params: [a] }), /more than one parameter group/);
  assert.throws(() => new O.LBFGS([{ params: [a] }, { params: [b] }]), /parameter groups/);
});

test("options are validated with messages naming the optimizer and the rule", () => {
  const a = my.ones([1], { requiresGrad: true });
  assert.throws(() => new O.SGD([a], { lr: -1 }), /SGD: invalid learning rate: -1/);
  assert.throws(() => new O.SGD([a], { nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new O.Adam([a], { betas: [1.0, 0.999] }), /Adam: invalid beta parameter at index 0/);
  assert.throws(() => new O.RMSprop([a], { alpha: -1 }), /alpha/);
  assert.throws(() => new O.Adagrad([a], { lrDecay: -1 }), /lrDecay/);
  assert.throws(() => new O.Adadelta([a], { rho: 2 }), /rho/);
  assert.throws(() => new O.NAdam([a], { momentumDecay: -1 }), /momentumDecay/);
  assert.throws(() => new O.SGD([]), /empty parameter list/);
  assert.throws(() => new O.SGD([a.mul(2)]), /non-leaf/);
  assert.throws(() => new O.SGD(a as unknown as Tensor[]), /iterable/);
  assert.throws(() => new O.LBFGS([a]).step(), /closure/);
  assert.throws(() => new O.LBFGS([a], { lineSearchFn: "armijo" as "strong_wolfe" }), /strong_wolfe/);
});

test("step(closure) evaluates the closure with grad enabled and returns its loss", () => {
  const w = my.tensor([2], { requiresGrad: true });
  const opt = new O.Adam([w], { lr: 0.1 });
  const loss = my.noGrad(() =>
    opt.step(() => {
      opt.zeroGrad();
      const l = w.square().sum();
      l.backward();
      return l;
    }),
  ) as Tensor;
  assert.equal(loss.item(), 4);
  // first Adam step moves each coordinate by lr (sign of the gradient)
  assert.ok(Math.abs(w.item() - 1.9) < 1e-6);
});
