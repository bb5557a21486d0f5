// Module and tensor hooks (src/nn/hooks.ts, src/core/hooks.ts) against PyTorch's hook
// semantics recorded by test/fixtures/gen_hooks.py: call order, what the hooks see,
// replaced inputs/outputs/gradients, removal; plus the zero-cost and stateDict rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;
interface Enc { shape: number[]; data: number[] }
const fx = loadFixture<Record<string, any>>("hooks");
const ten = (e: Enc, requiresGrad = false): Tensor => my.tensor(e.data, { shape: e.shape, requiresGrad });

function mlp(): InstanceType<typeof nn.Sequential> {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  m.loadStateDict(Object.fromEntries(Object.entries(fx.weights as Record<string, Enc>).map(([k, v]) => [k, ten(v)])));
  return m;
}

function checkList(actual: (Tensor | null)[], expected: (Enc | null)[], msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: length`);
  expected.forEach((e, i) => {
    if (e === null) return assert.equal(actual[i], null, `${msg}[${i}] should be null`);
    assert.ok(actual[i], `${msg}[${i}] missing`);
    assert.deepEqual(actual[i]!.shape, e.shape);
    assertClose(actual[i]!, e.data, { atol: 1e-6, msg: `${msg}[${i}]` });
  });
}

test("hooks fire in PyTorch's order and backward hooks see PyTorch's grad_input / grad_output", () => {
  const m = mlp();
  const x = ten(fx.x, true);
  const events: string[] = [];
  const seen: Record<string, (Tensor | null)[]> = {};
  const handles = [...m.children()].flatMap((layer, i) => [
    layer.registerForwardPreHook(() => { events.push(`pre${i}`); }),
    layer.registerForwardHook(() => { events.push(`fwd${i}`); }),
    layer.registerFullBackwardHook((_m, gi, go) => { events.push(`bwd${i}`); seen[`gi${i}`] = gi; seen[`go${i}`] = go; }),
  ]);
  handles.push(
    m.registerForwardPreHook(() => { events.push("preSeq"); }),
    m.registerForwardHook(() => { events.push("fwdSeq"); }),
    m.registerFullBackwardHook(() => { events.push("bwdSeq"); }),
  );
  x.registerHook(() => { events.push("x"); });
  const y = m.forward(x) as Tensor;
  y.registerHook(() => { events.push("y"); });
  y.mul(ten(fx.cot)).sum().backward();
  const f = fx.order;
  assert.deepEqual(events, f.events);
  for (const k of Object.keys(f.seen)) checkList(seen[k], f.seen[k], k);
  assertClose(y, f.y.data, { atol: 1e-6 });
  assertClose(x.grad!, f.xgrad.data, { atol: 1e-6 });

  // Removal: nothing fires any more, results as without hooks, and forward is the class's again.
  handles.forEach((h) => h.remove());
  handles[0].remove(); // idempotent
  events.length = 0;
  const x2 = ten(fx.x, true);
  const y2 = m.forward(x2) as Tensor;
  y2.mul(ten(fx.cot)).sum().backward();
  assert.deepEqual(events, []);
  assertClose(y2, fx.removed.y.data, { atol: 1e-6 });
  assertClose(x2.grad!, fx.removed.xgrad.data, { atol: 1e-6 });
  for (const layer of m.children()) assert.equal(Object.getOwnPropertyDescriptor(layer, "forward"), undefined);
});

test("hooks replace inputs, outputs and gradients as PyTorch's do", () => {
  const m = mlp();
  const [l0, relu] = [...m.children()];
  const x = ten(fx.x, true);
  const hs = [
    l0.registerForwardPreHook((_m, inp) => [(inp[0] as Tensor).add(1)]),
    l0.registerForwardHook((_m, _i, o) => (o as Tensor).mul(2)),
    relu.registerFullBackwardHook((_m, gi) => gi.map((g) => g && g.mul(3))),
  ];
  const y = m.forward(x) as Tensor;
  y.registerHook((g) => g.mul(0.5));
  y.mul(ten(fx.cot)).sum().backward();
  const f = fx.replace;
  assertClose(y, f.y.data, { atol: 1e-5 });
  assertClose(x.grad!, f.xgrad.data, { atol: 1e-5 });
  assertClose((l0 as any).weight.grad, f.w0grad.data, { atol: 1e-5 });
  hs.forEach((h) => h.remove());
});

test("a backward hook on a module whose inputs need no grad sees gradInputs [null]", () => {
  const m = mlp();
  let gi: (Tensor | null)[] = [], go: (Tensor | null)[] = [];
  const h = [...m.children()][0].registerFullBackwardHook((_m, a, b) => { gi = a; go = b; });
  (m.forward(ten(fx.x)) as Tensor).mul(ten(fx.cot)).sum().backward();
  h.remove();
  checkList(gi, fx.noInputGrad.gi, "gi");
  checkList(go, fx.noInputGrad.go, "go");
});

test("a two-input module: one gradInput per argument (null for a number), a replaced one, a leaf tensor hook", () => {
  class Mul extends nn.Module {
    override forward(a: Tensor, b: Tensor, scale: number): Tensor { return a.mul(b).mul(scale).add(a); }
  }
  const f = fx.twoInputs;
  const a = ten(f.a, true), b = ten(f.b, true);
  const mul = new Mul();
  let seen: [(Tensor | null)[], (Tensor | null)[]] = [[], []];
  mul.registerFullBackwardHook((_m, gi, go) => { seen = [gi, go]; return [gi[0], gi[1]!.neg(), null]; });
  a.registerHook((g) => g.add(1));
  const z = mul.forward(a, b, 0.5);
  z.sum().backward();
  assertClose(z, f.z.data, { atol: 1e-6 });
  checkList(seen[0], f.seen.gi, "gi");
  checkList(seen[1], f.seen.go, "go");
  assertClose(a.grad!, f.agrad.data, { atol: 1e-6 });
  assertClose(b.grad!, f.bgrad.data, { atol: 1e-6 });
});

test("hooks leave stateDict alone, survive a stateDict round trip, and a hook-free module keeps the class's forward", () => {
  const m = mlp();
  const before = Object.keys(m.stateDict());
  const l0 = [...m.children()][0];
  assert.equal(Object.getOwnPropertyDescriptor(l0, "forward"), undefined, "no hook: no wrapper");
  let calls = 0;
  l0.registerForwardHook(() => { calls++; });
  assert.deepEqual(Object.keys(m.stateDict()), before);
  assert.equal(m.parameters().length, 4);
  const sd = m.stateDict();
  const other = mlp();
  other.loadStateDict(sd);
  m.loadStateDict(other.stateDict());
  m.forward(ten(fx.x));
  assert.equal(calls, 1);
});

test("hook errors name the function and the rule", () => {
  const x = my.tensor([1, 2]);
  assert.throws(() => x.registerHook(() => undefined), /registerHook: cannot register a hook on a tensor that doesn't require gradient/);
  const w = my.tensor([1, 2], { requiresGrad: true });
  w.registerHook(() => my.tensor([1, 2, 3]));
  assert.throws(() => w.mul(2).sum().backward(), /registerHook: a hook returned a gradient of shape \[3\] for a tensor of shape \[2\]/);
  const lin = new nn.Linear(2, 2);
  lin.registerFullBackwardHook(() => [null, null]);
  assert.throws(() => lin.forward(my.ones([1, 2], { requiresGrad: true })).sum().backward(), /registerFullBackwardHook: a backward hook returned 2 grad_input\(s\), but expected an array of 1/);
});

test("a full backward hook on an LSTM: gradOutputs [grad of out, null for the (h, c) pair], gradInputs as PyTorch", () => {
  const f = fx.lstm;
  const lstm = new nn.LSTM(3, 4, { batchFirst: true });
  lstm.loadStateDict(Object.fromEntries(Object.entries(f.weights as Record<string, Enc>).map(([k, v]) => [k, ten(v)])));
  let seen: [(Tensor | null)[], (Tensor | null)[]] = [[], []];
  lstm.registerFullBackwardHook((_m, gi, go) => { seen = [gi, go]; });
  const x = ten(f.x, true);
  const [o] = lstm.forward(x) as [Tensor, unknown];
  o.pow(2).sum().backward();
  checkList(seen[0], f.seen.gi, "gi");
  checkList(seen[1], f.seen.go, "go");
  assertClose(x.grad!, f.xgrad.data, { atol: 1e-5 });
});
