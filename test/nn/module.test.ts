/**
 * nn.Module mechanics: state-dict keys/shapes/order and repr of LeNet, an MLP and a
 * mixed-registration module vs PyTorch (fixture), loadStateDict strict/non-strict
 * results and errors, shared parameters, modes, dtype conversion, containers, and
 * nn.utils (gradient clipping and parameter vectors, checked against hand-computed values).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { Custom, LeNet, MLP } from "./layers-models.js";

const { nn } = my;

interface ModelFx { keys: [string, number[], string][]; repr: string; numParameters: number; namedModules: string[] }
const fx = loadFixture<{ models: Record<string, ModelFx> }>("nn_layers");
const ctors: Record<string, () => InstanceType<typeof nn.Module>> = { LeNet: () => new LeNet(), MLP: () => new MLP(), Custom: () => new Custom() };

for (const [name, ref] of Object.entries(fx.models)) {
  test(`${name}: stateDict keys, order, shapes and dtypes equal PyTorch's`, () => {
    const m = ctors[name]();
    const got = Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape, t.dtype]);
    assert.deepEqual(got, ref.keys);
  });
  test(`${name}: repr, parameter count and namedModules equal PyTorch's`, () => {
    const m = ctors[name]();
    assert.equal(m.repr(), ref.repr);
    assert.equal(m.numParameters(), ref.numParameters);
    assert.equal(String(m), `${ref.repr}\n${ref.numParameters.toLocaleString("en-US")} parameters`);
    assert.deepEqual([...m.namedModules()].map(([k]) => k), ref.namedModules);
  });
}

test("snake_case keys from camelCase fields; explicit registration sets the key", () => {
  class M extends nn.Module {
    inProjWeight = nn.Parameter(my.zeros([2]));
    weightIhL0 = nn.Parameter(my.zeros([1]));
    selfAttn = new nn.Identity();
    linL = new nn.Linear(1, 1);
    constructor() {
      super();
      this.registerBuffer("running_mean", my.zeros([1]));
      this.registerParameter("W", my.ones([1]));
    }
  }
  const m = new M();
  assert.deepEqual(Object.keys(m.stateDict()), ["in_proj_weight", "weight_ih_l0", "W", "running_mean", "lin_l.weight", "lin_l.bias"]);
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["self_attn", "lin_l"]);
  assert.ok((m as unknown as { W: Tensor }).W.requiresGrad, "registerParameter marks the tensor as a parameter");
});

test("loadStateDict: strict mode lists missing and unexpected keys; non-strict returns them", () => {
  const m = new nn.Linear(3, 2);
  const sd = { weight: my.ones([2, 3]), extra: my.zeros([1]) };
  assert.throws(() => m.loadStateDict(sd), (e: Error) => {
    assert.match(e.message, /Missing key\(s\) in state_dict: "bias"/);
    assert.match(e.message, /Unexpected key\(s\) in state_dict: "extra"/);
    assert.match(e.message, /Linear/);
    return true;
  });
  // Nothing was copied by the failed strict load.
  assert.notEqual(m.weight.sum().item(), 6);
  const r = m.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ["bias"], unexpectedKeys: ["extra"] });
  assertClose(m.weight, new Array(6).fill(1));
});

test("loadStateDict: a shape mismatch names the key and both shapes, even when not strict", () => {
  const m = new nn.Sequential(new nn.Linear(3, 2));
  assert.throws(() => m.loadStateDict({ "0.weight": my.zeros([3, 2]), "0.bias": my.zeros([2]) }, { strict: false }),
    /size mismatch for 0\.weight: copying a param with shape \[3, 2\] from the state dict, the shape in the current model is \[2, 3\]/);
});

test("loadStateDict copies in place: parameter identity is kept; stateDict shares storage", () => {
  const m = new nn.Linear(2, 2);
  const w = m.weight;
  m.loadStateDict({ weight: my.tensor([[1, 2], [3, 4]]), bias: my.tensor([5, 6]) });
  assert.equal(m.weight, w);
  assertClose(m.weight, [1, 2, 3, 4]);
  const sd = m.stateDict();
  assert.equal(sd.weight.requiresGrad, false, "state-dict tensors are detached");
  sd.bias._data[0] = 42;
  assert.equal(m.bias!.data()[0], 42, "state-dict tensors share storage");
  // int buffers are cast on load (num_batches_tracked stays int32)
  const bn = new nn.BatchNorm1d(2);
  bn.loadStateDict({ ...bn.stateDict(), num_batches_tracked: my.tensor(7, { dtype: "int32" }) });
  assert.equal(bn.numBatchesTracked!.item(), 7);
  assert.equal(bn.numBatchesTracked!.dtype, "int32");
});

test("shared parameters and modules are counted once", () => {
  const shared = new nn.Linear(4, 4);
  class Tied extends nn.Module {
    a = shared;
    b = shared;
    head = new nn.Linear(4, 2);
  }
  const m = new Tied();
  assert.equal(m.parameters().length, 4);
  m.head.weight = shared.weight.narrow(0, 0, 2); // a plain tensor now: no longer a parameter
  assert.equal(m.parameters().length, 3); // shared.weight, shared.bias, head.bias
  assert.deepEqual([...m.namedParameters()].map(([k]) => k), ["a.weight", "a.bias", "head.bias"]);
  assert.equal(m.numParameters(), 16 + 4 + 2);
  // PyTorch keeps both aliases in the state dict.
  assert.deepEqual(Object.keys(m.stateDict()), ["a.weight", "a.bias", "b.weight", "b.bias", "head.bias"]);
});

test("train/eval propagate; Dropout is the identity in eval and drops ~p in train", () => {
  const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Dropout(0.3)));
  m.eval();
  for (const sub of m.modules()) assert.equal(sub.training, false);
  const x = my.ones([200, 50]);
  const drop = new nn.Dropout(0.3);
  assert.equal(drop.eval().forward(x), x);
  my.manualSeed(3);
  const y = drop.train().forward(x);
  const d = y.data();
  let zeros = 0;
  for (const v of d) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `kept values are scaled by 1/(1-p), got ${v}`);
  }
  // Binomial(10000, 0.3): sd ≈ 46; allow 5 sd.
  assert.ok(Math.abs(zeros - 3000) < 230, `dropped ${zeros} of 10000, expected ~3000`);
});

test("zeroGrad, requiresGrad_, apply, to(dtype)", () => {
  const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
  (m.forward(my.randn([4, 2])) as Tensor).sum().backward();
  assert.ok(m.parameters().every((p) => p.grad !== null));
  m.zeroGrad({ setToNone: false });
  assert.ok(m.parameters().every((p) => p.grad !== null && p.grad.abs().sum().item() === 0));
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad === null));
  m.requiresGrad_(false);
  assert.ok(m.parameters().every((p) => !p.requiresGrad));
  m.requiresGrad_(true);
  const seen: string[] = [];
  m.apply((mod) => seen.push(mod.constructor.name));
  assert.deepEqual(seen, ["Linear", "BatchNorm1d", "Sequential"]);
  const before = m.stateDict()["0.weight"].data();
  m.to("float64");
  const sd = m.stateDict();
  assert.equal(sd["0.weight"].dtype, "float64");
  assert.equal(sd["1.running_var"].dtype, "float64");
  assert.equal(sd["1.num_batches_tracked"].dtype, "int32");
  assertClose(sd["0.weight"], Array.from(before));
  assert.ok(m.parameters().every((p) => p.requiresGrad && p.dtype === "float64"));
  const y = m.forward(my.randn([4, 2], { dtype: "float64" })) as Tensor;
  assert.equal(y.dtype, "float64");
});

test("containers: Sequential by name, ModuleList, ModuleDict, ParameterList", () => {
  const s = new nn.Sequential({ enc: new nn.Linear(2, 3), act: new nn.ReLU() });
  assert.deepEqual(Object.keys(s.stateDict()), ["enc.weight", "enc.bias"]);
  assert.equal(s.length, 2);
  const l = new nn.ModuleList([new nn.Linear(1, 1)]).append(new nn.Linear(1, 2));
  assert.deepEqual(Object.keys(l.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias"]);
  assert.equal(l.get(-1), l.get(1));
  const d = new nn.ModuleDict({ b: new nn.Linear(1, 1), a: new nn.Linear(1, 1, { bias: false }) });
  assert.deepEqual(Object.keys(d.stateDict()), ["b.weight", "b.bias", "a.weight"]);
  const pl = new nn.ParameterList([my.zeros([2]), my.ones([3])]);
  assert.deepEqual(Object.keys(pl.stateDict()), ["0", "1"]);
  assert.ok(pl.get(1).requiresGrad);
  // Sequential chains forward: y = relu(x W^T + b) with known weights.
  s.loadStateDict({ "enc.weight": my.tensor([[1, 0], [0, 1], [1, 1]]), "enc.bias": my.tensor([0, -5, 0]) });
  assertClose(s.forward(my.tensor([[2, 3]])) as Tensor, [2, 0, 5]);
});

test("forward errors name the layer and the shapes", () => {
  assert.throws(() => new nn.Linear(3, 2).forward(my.zeros([4, 5])), /linear: input \[4, 5\] does not match weight \[2, 3\]/);
  assert.throws(() => new nn.BatchNorm2d(3).forward(my.zeros([2, 3])), /BatchNorm2d: expected 4D input/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /in_channels \(3\) must be divisible by groups \(2\)/);
});

test("utils.clipGradNorm_: total norm and scaling (hand-computed)", () => {
  const a = my.zeros([2]).requiresGrad_(), b = my.zeros([1]).requiresGrad_();
  a.grad = my.tensor([3, 4]);
  b.grad = my.tensor([12]);
  const n = nn.utils.clipGradNorm_([a, b], 6.5);
  assertClose(n, [13]);
  const coef = 6.5 / (13 + 1e-6);
  assertClose(a.grad, [3 * coef, 4 * coef]);
  assertClose(b.grad, [12 * coef]);
  // Below the limit nothing changes.
  a.grad = my.tensor([0.3, 0.4]);
  b.grad = null;
  assertClose(nn.utils.clipGradNorm_([a, b], 1), [0.5]);
  assertClose(a.grad, [0.3, 0.4]);
  // Infinity norm and p = 1.
  a.grad = my.tensor([-5, 2]);
  assertClose(nn.utils.clipGradNorm_(a, 10, Infinity), [5]);
  assertClose(nn.utils.clipGradNorm_(a, 1, 1), [7]);
  assertClose(a.grad, [-5 / (7 + 1e-6), 2 / (7 + 1e-6)]);
  a.grad = my.tensor([NaN, 1]);
  assert.throws(() => nn.utils.clipGradNorm_(a, 1, 2, { errorIfNonfinite: true }), /non-finite/);
});

test("utils.clipGradValue_, parametersToVector, vectorToParameters", () => {
  const a = my.tensor([[1, 2], [3, 4]]).requiresGrad_(), b = my.tensor([5]).requiresGrad_();
  a.grad = my.tensor([[-3, 0.5], [2, -0.1]]);
  nn.utils.clipGradValue_([a, b], 1);
  assertClose(a.grad, [-1, 0.5, 1, -0.1]);
  const v = nn.utils.parametersToVector([a, b]);
  assertClose(v, [1, 2, 3, 4, 5]);
  nn.utils.vectorToParameters(my.tensor([9, 8, 7, 6, 5]), [a, b]);
  assertClose(a, [9, 8, 7, 6]);
  assertClose(b, [5]);
  assert.throws(() => nn.utils.vectorToParameters(my.zeros([4]), [a, b]), /expected a 1-D vector of 5 elements/);
});

test("Embedding.fromPretrained: rows as given, frozen by default", () => {
  const w = my.tensor([[1, 2], [3, 4], [5, 6]]);
  const e = nn.Embedding.fromPretrained(w);
  assert.equal(e.weight.requiresGrad, false);
  assertClose(e.forward(my.tensor([2, 0], { dtype: "int32" })), [5, 6, 1, 2]);
  assert.equal(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad, true);
  assert.equal(e.repr(), "Embedding(3, 2)");
});

test("a plain array of modules is an error, not silently unregistered weights", () => {
  class Bad extends nn.Module {
    blocks = [new nn.Linear(2, 2)];
  }
  assert.throws(() => new Bad().parameters(), /Bad: field "blocks" holds a plain array with an unregistered module.*use nn.ModuleList/);
  // An array that aliases registered members is fine.
  class Ok extends nn.Module {
    a = new nn.Linear(2, 2);
    all: InstanceType<typeof nn.Module>[];
    flat: Tensor[];
    constructor() {
      super();
      this.all = [this.a];
      this.flat = [this.a.weight];
      this.registerParameter("w2", my.zeros([1]));
      this.flat.push((this as unknown as { w2: Tensor }).w2);
    }
  }
  assert.deepEqual(Object.keys(new Ok().stateDict()), ["w2", "a.weight", "a.bias"]);
});

test("Sequential: registerModule on an existing name replaces the module forward runs (as PyTorch's seq[0] = m)", () => {
  const a = new my.nn.Linear(2, 2), b = new my.nn.Linear(2, 2);
  my.noGrad(() => { a.weight.fill_(1); a.bias!.fill_(0); b.weight.fill_(2); b.bias!.fill_(0); });
  const seq = new my.nn.Sequential(a, new my.nn.ReLU());
  const x = my.tensor([[1, 2]]);
  assert.deepEqual(seq.forward(x).toArray(), [[3, 3]]);
  seq.registerModule("0", b);
  // y = relu(x W_b^T) with W_b all 2: [[6, 6]]; the state dict and forward agree on the new child.
  assert.deepEqual(seq.forward(x).toArray(), [[6, 6]]);
  assert.equal(seq.stateDict()["0.weight"].toArray().toString(), "2,2,2,2");
  assert.equal(seq.length, 2);
  seq.registerModule("extra", new my.nn.Tanh());
  assert.equal(seq.length, 3);
  assert.ok(Math.abs((seq.forward(x).toArray() as number[][])[0][0] - Math.tanh(6)) < 1e-6);
});

test("Module.to takes a device as PyTorch: to('cpu') keeps the module, to('cpu', 'float64') converts, an unknown device throws", () => {
  const m = new my.nn.Linear(2, 3);
  assert.equal(m.to("cpu"), m);
  assert.equal(m.weight.dtype, "float32");
  m.to("cpu", "float64");
  assert.equal(m.weight.dtype, "float64");
  m.to({ device: "cpu", dtype: "float32" });
  assert.equal(m.weight.dtype, "float32");
  assert.throws(() => m.to({ device: "cuda" as never }), /Module\.to.*cuda/);
});
