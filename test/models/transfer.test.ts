// Transfer learning on a zoo model (torchvision's ResNet class, one BasicBlock per
// stage): replacing the head, freezing the backbone (no gradients, BatchNorm statistics
// kept in eval mode), and per-group learning rates, checked against the SGD update
// rule p ← p − lr_group · grad computed by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { vision } = my.models;
const resnet10 = () => new vision.ResNet(vision.BasicBlock, [1, 1, 1, 1], { numClasses: 5 });
const x = my.randn([2, 3, 32, 32], { generator: new my.Generator(3) });
const y = my.tensor([1, 2], { dtype: "int32" });

test("transfer: a replaced head is what forward, parameters() and stateDict() use", () => {
  my.manualSeed(0);
  const m = resnet10();
  const old = m.fc;
  m.fc = new my.nn.Linear(512, 3);
  assert.deepEqual((m.forward(x) as Tensor).shape, [2, 3]);
  assert.deepEqual(m.stateDict()["fc.weight"].shape, [3, 512]);
  const params = new Set(m.parameters());
  assert.ok(params.has(m.fc.weight) && !params.has(old.weight));
  assert.deepEqual(Object.keys(m.stateDict()).at(-1), "fc.bias");
});

test("transfer: a frozen backbone in eval mode gets no gradients and keeps its BatchNorm statistics; the new head trains", () => {
  my.manualSeed(0);
  const m = resnet10();
  m.requiresGrad_(false);
  m.fc = new my.nn.Linear(512, 5);
  m.eval();
  const before = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.clone()]));
  const opt = new my.optim.SGD(m.parameters().filter((p) => p.requiresGrad), { lr: 0.1 });
  for (let i = 0; i < 2; i++) {
    const loss = my.F.crossEntropy(m.forward(x) as Tensor, y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  for (const [k, t] of Object.entries(m.stateDict())) {
    const same = t.sub(before[k]).abs().max().item() === 0;
    assert.equal(same, !k.startsWith("fc."), `${k} ${same ? "unchanged" : "changed"}`);
  }
  assert.equal(m.conv1.weight.grad, null);
  assert.equal(m.numParameters({ trainableOnly: true }), 512 * 5 + 5);
});

test("transfer: per-group learning rates apply p - lr_group * grad to each group (SGD, one step)", () => {
  my.manualSeed(0);
  const m = resnet10();
  m.eval();
  const head = new Set(m.fc.parameters());
  const backbone = m.parameters().filter((p) => !head.has(p));
  const opt = new my.optim.SGD([{ params: backbone, lr: 1e-3 }, { params: m.fc.parameters(), lr: 0.5 }], { lr: 0.1 });
  const loss = my.F.crossEntropy(m.forward(x) as Tensor, y);
  opt.zeroGrad();
  loss.backward();
  const expect = m.parameters().map((p) => p.detach().sub(p.grad!.mul(head.has(p) ? 0.5 : 1e-3)));
  opt.step();
  // The update is one float32 multiply-add per element: equal up to rounding (|diff| <= 1e-7 + 1e-6 |p|).
  m.parameters().forEach((p, i) => {
    const bad = p.sub(expect[i]).abs().sub(expect[i].abs().mul(1e-6).add(1e-7)).max().item();
    assert.ok(bad <= 0, `parameter ${i}: update off by more than float32 rounding (${bad})`);
  });
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [1e-3, 0.5]);
});
