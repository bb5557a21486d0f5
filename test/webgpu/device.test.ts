// The "webgpu" device's semantics (API.md, "Devices"; issue #20): tensors move there and
// back, ops run where their inputs are and give the CPU's values, a device mix or a
// synchronous read throws naming the function and the async form, Module.to moves
// parameters in place so an optimizer keeps stepping them, and GPU memory is reused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { close, skip } from "./gpu-test-util.js";
import * as my from "../../src/index.js";

const { nn, optim } = my;
const on = (t: my.Tensor) => t.to("webgpu");

test("to('webgpu') and back keep values, dtype and shape for float32, int32 and bool", { skip }, async () => {
  const f = my.tensor([[1.5, -2, 3e-8], [Infinity, NaN, -0]]);
  const i = my.tensor([[-1, 2 ** 30, -100]], { dtype: "int32" });
  const b = my.tensor([true, false, true]);
  for (const t of [f, i, b]) {
    const g = on(t);
    assert.equal(g.device, "webgpu");
    assert.deepEqual(g.shape, t.shape);
    const back = await g.toAsync("cpu");
    assert.equal(back.device, "cpu");
    assert.equal(back.dtype, t.dtype);
    assert.deepEqual(Array.from(back.data()).map(String), Array.from(t.data()).map(String));
  }
});

test("synchronous reads of GPU memory throw naming the async form", { skip }, () => {
  const g = on(my.tensor([1, 2, 3]));
  assert.throws(() => g.data(), /data: .*webgpu.*await t\.dataAsync\(\)/);
  assert.throws(() => g.sum().item(), /item: .*await t\.itemAsync\(\)/);
  assert.throws(() => g.toArray(), /toArray: .*await t\.toArrayAsync\(\)/);
  assert.throws(() => g.to("cpu"), /to: .*toAsync\("cpu"\)/);
});

test("ops on mixed devices throw naming the op; a 0-dim CPU scalar joins like PyTorch's", { skip }, async () => {
  const c = my.tensor([1, 2, 3]), g = on(c);
  assert.throws(() => g.add(c), /add: expected all tensors on the same device, got "webgpu" and "cpu"/);
  assert.throws(() => c.matmul(on(my.ones([3, 2]))), /matmul: expected all tensors on the same device/);
  assert.throws(() => my.cat([g, c]), /cat: expected all tensors on the same device/);
  assert.deepEqual(await g.mul(my.tensor(2)).toArrayAsync(), [2, 4, 6]);
  assert.deepEqual(await g.add(1).toArrayAsync(), [2, 3, 4]);
});

test("elementwise, reductions, matmul, views and indexing equal the CPU backend", { skip }, async () => {
  my.manualSeed(3);
  const a = my.randn([4, 5]), b = my.randn([5, 3]), idx = my.tensor([[0, 4, 2], [1, 1, 3]], { dtype: "int32" });
  const cases: [string, (t: my.Tensor, u: my.Tensor) => my.Tensor][] = [
    ["tanh+exp", (t) => t.tanh().add(t.exp())],
    ["broadcast", (t) => t.sub(t.mean(0, true)).div(t.std(1, true))],
    ["matmul", (t, u) => t.matmul(u)],
    ["t-matmul", (t) => t.t().matmul(t)],
    ["slice-view", (t) => t.slice(1, 1, 4).mul(2)],
    ["permute", (t) => t.reshape(2, 2, 5).permute(2, 0, 1).contiguous()],
    ["amax", (t) => t.amax(1)],
    ["gather", (t) => t.gather(1, on0(idx, t))],
    ["where", (t) => my.where(t.gt(0), t, t.mul(-3))],
    ["softmax", (t) => my.F.softmax(t, 0)],
  ];
  for (const [name, f] of cases) {
    const want = f(a, b).data() as Float32Array;
    const got = (await f(on(a), on(b)).dataAsync()) as Float32Array;
    close(got, want, 1e-5, 1e-6, name);
  }
});

/** idx on the device of `t`. */
function on0(idx: my.Tensor, t: my.Tensor): my.Tensor {
  return t.device === "cpu" ? idx : on(idx);
}

test("in-place writes through a GPU view land in the base", { skip }, async () => {
  const g = on(my.zeros([3, 4]));
  g.select(0, 1).fill_(5);
  g.slice(1, 0, 4, 2).add_(1);
  assert.deepEqual(await g.toArrayAsync(), [[1, 0, 1, 0], [6, 5, 6, 5], [1, 0, 1, 0]]);
});

test("creation options and *Like put tensors on the device", { skip }, async () => {
  const z = my.full([2, 2], 7, { device: "webgpu" });
  assert.equal(z.device, "webgpu");
  assert.deepEqual(await z.toArrayAsync(), [[7, 7], [7, 7]]);
  assert.equal(my.onesLike(z).device, "webgpu");
  assert.equal(my.randn([3], { device: "webgpu" }).device, "webgpu");
  assert.throws(() => my.zeros([2], { dtype: "float64", device: "webgpu" }), /float64/);
  assert.throws(() => my.tensor([1], { dtype: "float64" }).to("webgpu"), /to: device "webgpu" has no float64 storage/);
});

test("an out-of-range index on the device throws at the next read, naming the op", { skip }, async () => {
  const logits = on(my.randn([2, 3])), bad = on(my.tensor([0, 7], { dtype: "int32" }));
  const loss = my.F.crossEntropy(logits, bad);
  await assert.rejects(loss.itemAsync(), /crossEntropy: a target is out of bounds for 3 classes/);
  const x = on(my.randn([2, 3]));
  const picked = x.gather(1, on(my.tensor([[0], [3]], { dtype: "int32" })));
  await assert.rejects(picked.dataAsync(), /gather: an entry of index is out of bounds/);
});

test("Module.to('webgpu') moves parameters in place: an optimizer made before keeps stepping them", { skip }, async () => {
  my.manualSeed(1);
  const model = new nn.Linear(3, 2);
  const w = model.weight;
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  model.to("webgpu");
  assert.equal(model.weight, w, "the same Parameter object");
  assert.equal(w.device, "webgpu");
  const x = on(my.randn([4, 3]));
  const before = await w.dataAsync();
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    model.forward(x).square().mean().backward();
    opt.step();
  }
  const after = await w.dataAsync();
  assert.ok(after.some((v, i) => v !== before[i]), "the step changed the weights");
  assert.throws(() => model.to("cpu"), /Module.to: .*toAsync\("cpu"\)/);
  await model.toAsync("cpu");
  assert.equal(model.weight, w);
  assert.equal(w.device, "cpu");
  assert.deepEqual(Array.from(w.data()), Array.from(after));
});

test("the GPU result of an SGD-with-momentum run equals the CPU's", { skip }, async () => {
  const runOn = async (device: "cpu" | "webgpu") => {
    my.manualSeed(7);
    const model = new nn.Sequential(new nn.Linear(6, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const x = my.randn([10, 6]), y = my.randn([10, 1]);
    model.to(device);
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      opt.zeroGrad();
      const l = my.F.mseLoss(model.forward(x.to(device)), y.to(device));
      l.backward();
      opt.step();
      losses.push(await l.itemAsync());
    }
    return losses;
  };
  const cpu = await runOn("cpu"), gpu = await runOn("webgpu");
  close(Float32Array.from(gpu), cpu, 1e-4, 1e-6, "SGD losses");
});

test("GPU memory is reused: repeated steps hold live bytes flat", { skip }, async () => {
  const model = new nn.Sequential(new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 4)).to("webgpu");
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = on(my.randn([8, 16])), y = on(my.randint(0, 4, [8]));
  const step = () => {
    opt.zeroGrad();
    const l = my.F.crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    return l;
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 50; i++) step();
  await step().itemAsync();
  gc?.();
  await new Promise((r) => setTimeout(r, 20));
  const early = my.webgpu.memory().liveBytes;
  for (let i = 0; i < 150; i++) step();
  await step().itemAsync();
  gc?.();
  await new Promise((r) => setTimeout(r, 20));
  const late = my.webgpu.memory().liveBytes;
  // Without collection in between, live bytes include unreclaimed garbage: bound it generously,
  // but a leak of one step's activations per step (150 steps) would exceed it many times over.
  assert.ok(late <= early * 3 + (1 << 20), `live GPU bytes grew from ${early} to ${late}`);
});
