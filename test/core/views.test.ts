// Views and storage against PyTorch (test/fixtures/gen_views.py → views.json): the view
// cases (in-place writes through views, autograd through them, PyTorch's errors) replay
// on every backend this runtime has (js; wasm with every kernel forced on; native), and
// stride()/storageOffset()/isContiguous()/contiguous()/storage sharing match PyTorch's.
// Plus the device-aware storage API (device, to, the async read-outs).
import { describe, before, after, test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { setWasmRouting } from "../../src/backends/wasm/index.js";
import { loadFixture } from "../helpers.js";
import { runFixture } from "../fixture-runner.js";

interface Meta {
  name: string; js: string; shape: number[]; stride: number[]; storageOffset: number; isContiguous: boolean;
  sharesStorage: boolean; values: number[]; contiguousStride: number[]; contiguousSharesStorage: boolean;
}

const initial = my.backend() as my.BackendName;
function available(b: my.BackendName): boolean {
  try {
    my.setBackend(b);
    return true;
  } catch {
    return false;
  } finally {
    my.setBackend(initial);
  }
}

for (const b of ["js", "wasm", "native"] as const) {
  if (!available(b)) {
    test(`views on ${b}`, { skip: `${b} backend unavailable here` }, () => {});
    continue;
  }
  describe(`views on the ${b} backend`, () => {
    before(() => {
      my.setBackend(b);
      if (b === "wasm") setWasmRouting("always");
    });
    after(() => {
      setWasmRouting("auto");
      my.setBackend(initial);
    });
    test("backend is active", () => assert.equal(my.backend(), b));
    runFixture("views");
  });
}

const meta = loadFixture<{ meta: Meta[] }>("views").meta;
for (const m of meta) {
  test(`view geometry as PyTorch: ${m.name}`, () => {
    const x = my.arange(0, 24).float().reshape(2, 3, 4);
    const v = new Function("my", "x", `"use strict"; return (${m.js});`)(my, x) as my.Tensor;
    assert.deepEqual(v.shape, m.shape, "shape");
    assert.deepEqual(v.stride(), m.stride, "stride()");
    assert.equal(v.storageOffset(), m.storageOffset, "storageOffset()");
    assert.equal(v.isContiguous(), m.isContiguous, "isContiguous()");
    assert.equal(v.untypedStorage() === x.untypedStorage(), m.sharesStorage, "shares the input's storage");
    assert.deepEqual(Array.from(v.data()), m.values, "values");
    const c = v.contiguous();
    assert.deepEqual(c.stride(), m.contiguousStride, "contiguous().stride()");
    assert.equal(c.untypedStorage() === x.untypedStorage(), m.contiguousSharesStorage, "contiguous() shares storage");
    assert.ok(c.isContiguous());
    assert.deepEqual(Array.from(c.data()), m.values, "contiguous() values");
  });
}

test("the two writes of issue #17 reach the base", () => {
  const pe = my.zeros([2, 8]);
  pe.slice(1, 0, 4, 2).copy_(my.ones([2, 2]));
  assert.deepEqual(pe.toArray(), [[1, 0, 1, 0, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0, 0, 0]]);
  const w = my.ones([2, 3]);
  const before = w._version.v;
  w.select(0, 0).fill_(0);
  assert.deepEqual(w.toArray(), [[0, 0, 0], [1, 1, 1]]);
  assert.ok(w._version.v > before, "a write through a view bumps the base's version counter");
});

test("a strided view's data is re-read after the base changes", () => {
  const x = my.arange(0, 6).float().reshape(2, 3);
  const t = x.t();
  assert.deepEqual(t.toArray(), [[0, 3], [1, 4], [2, 5]]);
  x.mul_(2);
  assert.deepEqual(t.toArray(), [[0, 6], [2, 8], [4, 10]]);
});

test("device: every tensor is on cpu; to() accepts a device, a dtype, both, or an options object", async () => {
  const x = my.tensor([[1.5, 2], [3, 4]]);
  assert.equal(x.device, "cpu");
  assert.equal(x.untypedStorage().device, "cpu");
  assert.equal(x.to("cpu"), x);
  assert.equal(x.to({ device: "cpu" }), x);
  const d = x.to("cpu", "float64");
  assert.equal(d.dtype, "float64");
  assert.deepEqual(d.toArray(), [[1.5, 2], [3, 4]]);
  assert.equal(x.to({ device: "cpu", dtype: "int32" }).dtype, "int32");
  assert.throws(() => x.to("cuda" as never), /^Error: to: unknown device "cuda".*allowed devices: "cpu"/);
  assert.throws(() => x.to("webgpu"), /to: device "webgpu".*allowed devices: "cpu"/);
  assert.throws(() => x.to({ device: "cpu", dtyp: "float64" } as never), /to: unknown option "dtyp"/);
  assert.throws(() => x.to("float64" as never, "float32"), /to: the first of two arguments must be a device/);
  assert.equal(my.zeros([2], { device: "cpu" }).device, "cpu");
  assert.equal(my.randn([2], { device: "cpu" }).device, "cpu");
  assert.throws(() => my.zeros([2], { device: "cuda" as never }), /^Error: zeros: unknown device "cuda".*allowed devices: "cpu"/);
  assert.throws(() => my.tensor([1], { device: "gpu" as never }), /^Error: tensor: unknown device "gpu"; allowed devices: "cpu"/);
  const t = x.t();
  assert.deepEqual(Array.from(await t.dataAsync()), [1.5, 3, 2, 4]);
  assert.deepEqual(await t.toArrayAsync(), [[1.5, 3], [2, 4]]);
  assert.equal(await x.select(0, 1).select(0, 0).itemAsync(), 3);
  assert.equal(await x.toAsync("cpu"), x);
  await assert.rejects(() => x.itemAsync(), /item: only one-element tensors/);
});

test("detach shares storage and version counter; contiguous() of a contiguous tensor is itself", () => {
  const x = my.randn([3, 4]);
  const d = x.t().detach();
  assert.equal(d.untypedStorage(), x.untypedStorage());
  assert.deepEqual(d.stride(), [1, 4]);
  d.select(0, 0).fill_(9);
  assert.deepEqual(Array.from(x.select(1, 0).data()), [9, 9, 9]);
  assert.equal(x.contiguous(), x);
  assert.equal(x.stride(-1), 1);
});

test("gradient of a permuted view is stored contiguous in .grad (writable in place)", () => {
  const w = my.randn([3, 4], { requiresGrad: true });
  const g = my.grad(w.t().mul(2).sum(), [w])[0]!;
  assert.deepEqual(Array.from(g.data()), new Array(12).fill(2));
  w.t().sum().backward();
  assert.ok(w.grad!.isContiguous());
  w.grad!.zero_();
  assert.deepEqual(Array.from(w.grad!.data()), new Array(12).fill(0));
});
