// Tensor creation, dtype conversion, seeded randomness and printing. Printing is
// checked against PyTorch's repr() (fixture from gen_autograd.py); creation against
// analytic values and, for random draws, statistical bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor, DType } from "../../src/index.js";

interface ReprCase {
  name: string;
  repr: string;
  body: string;
  shape: number[];
  dtype: DType;
  data: (number | boolean | string)[];
  requiresGrad: boolean;
  js?: string;
}

const fx = loadFixture<{ repr: ReprCase[] }>("autograd");

function decode(v: number | boolean | string): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") return v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;
  return v;
}

function build(c: ReprCase): Tensor {
  if (c.js) return new Function("my", `return ${c.js};`)(my) as Tensor;
  const vals = c.data.map(decode);
  const arr = c.dtype === "float64" ? Float64Array.from(vals) : c.dtype === "int32" ? Int32Array.from(vals)
    : c.dtype === "bool" ? Uint8Array.from(vals) : Float32Array.from(vals);
  return my.tensor(arr, { shape: c.shape, dtype: c.dtype, requiresGrad: c.requiresGrad });
}

/** PyTorch's keyword spelling -> myelin's (the numbers are left alone). */
function translate(repr: string): string {
  return repr
    .replace(/requires_grad=True/g, "requiresGrad=true")
    .replace(/grad_fn=<(\w+?)\d*>/g, "gradFn=<$1>")
    .replace(/dtype=torch\.float64/g, "dtype=float64")
    .replace(/dtype=torch\.int64/g, "dtype=int32")
    .replace(/,\n +(?=(requiresGrad|gradFn|dtype|size)=)/g, ", "); // suffix placement depends on keyword length
}

test("printing: toString matches PyTorch's repr for a table of tensors", async (t) => {
  assert.ok(fx.repr.length >= 30);
  for (const c of fx.repr) {
    await t.test(c.name, () => {
      const s = build(c).toString();
      assert.ok(s.startsWith("tensor(" + c.body), `numeric body differs for "${c.name}":\n--- myelin\n${s}\n--- PyTorch\n${c.repr}`);
      assert.equal(s.replace(/,\n +(?=(requiresGrad|gradFn|dtype|size)=)/g, ", "), translate(c.repr));
    });
  }
});

test("printing: node's inspect uses toString", async () => {
  const { inspect } = await import("node:util");
  assert.equal(inspect(my.tensor([1, 2])), "tensor([1., 2.])");
});

test("tensor(): numbers, booleans, nested arrays, TypedArrays", () => {
  const s = my.tensor(3);
  assert.equal(s.dtype, "float32");
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3);
  const b = my.tensor(true);
  assert.equal(b.dtype, "bool");
  assert.equal(b.toArray(), true);
  const m = my.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(m.shape, [2, 3]);
  assert.deepEqual(m.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(my.tensor([[true, false]]).toArray(), [[true, false]]);
  assert.equal(my.tensor([[true, false]]).dtype, "bool");
  const f64 = my.tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
  assert.equal(f64.dtype, "float64");
  assert.deepEqual(f64.toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.equal(my.tensor(new Int32Array([7, 8])).dtype, "int32");
  const fromInt = my.tensor([1.9, -1.9], { dtype: "int32" });
  assert.deepEqual(fromInt.toArray(), [1, -1]);
  // float32 storage rounds like Math.fround
  assert.equal(my.tensor([0.1]).item(), Math.fround(0.1));
  assert.equal(my.tensor([0.1], { dtype: "float64" }).item(), 0.1);
  // data is copied, not aliased
  const src = new Float32Array([1, 2]);
  const t = my.tensor(src);
  src[0] = 99;
  assert.deepEqual(Array.from(t.data()), [1, 2]);
  assert.deepEqual(my.tensor([]).shape, [0]);
  assert.deepEqual(my.tensor([[], []]).shape, [2, 0]);
});

test("zeros, ones, full, eye, zerosLike, onesLike", () => {
  assert.deepEqual(my.zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(my.ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(my.full([2], 7.5).toArray(), [7.5, 7.5]);
  assert.equal(my.full([2], true).dtype, "bool");
  assert.equal(my.zeros([2], { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(my.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(my.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  const x = my.tensor([[1, 2]], { dtype: "float64" });
  const z = my.zerosLike(x);
  assert.deepEqual([z.shape, z.dtype, z.toArray()], [[1, 2], "float64", [[0, 0]]]);
  const o = my.onesLike(x, { dtype: "int32" });
  assert.deepEqual([o.dtype, o.toArray()], ["int32", [[1, 1]]]);
  const w = my.ones([2], { requiresGrad: true });
  assert.ok(w.requiresGrad && w.isLeaf);
});

test("arange: integer arguments give int32, fractional give float32 (as PyTorch's int64/float)", () => {
  const a = my.arange(5);
  assert.equal(a.dtype, "int32");
  assert.deepEqual(a.toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(my.arange(2, 5).toArray(), [2, 3, 4]);
  assert.deepEqual(my.arange(10, 0, -3).toArray(), [10, 7, 4, 1]);
  const f = my.arange(0, 1, 0.25);
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(my.arange(1, 2.5, 0.5).toArray(), [1, 1.5, 2]);
  assert.equal(my.arange(3, undefined, 1, { dtype: "float64" }).dtype, "float64");
  assert.throws(() => my.arange(0, 5, 0), /arange: step must be nonzero/);
});

test("linspace includes both ends", () => {
  assert.deepEqual(my.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(my.linspace(-1, 1, 1).toArray(), [-1]);
  assertClose(my.linspace(0, 1, 11, { dtype: "float64" }), Array.from({ length: 11 }, (_, i) => i / 10), { rtol: 0, atol: 1e-15 });
});

test("rand and randn: moments of 10^5 draws within 5 standard errors", () => {
  my.manualSeed(123);
  const n = 100_000;
  const moments = (t: Tensor): [number, number] => {
    const d = t.data();
    let s = 0, s2 = 0;
    for (const v of d) { s += v; s2 += v * v; }
    const m = s / n;
    return [m, s2 / n - m * m];
  };
  const u = my.rand([n]);
  const d = u.data();
  assert.ok(d.every((v) => v >= 0 && v < 1), "rand draws lie in [0, 1)");
  const [mu, vu] = moments(u);
  // Uniform: mean 1/2 (se sqrt(1/12/n)), var 1/12 (se sqrt(1/180/n)).
  assert.ok(Math.abs(mu - 0.5) < 5 * Math.sqrt(1 / 12 / n), `rand mean ${mu}`);
  assert.ok(Math.abs(vu - 1 / 12) < 5 * Math.sqrt(1 / 180 / n), `rand var ${vu}`);
  const g = my.randn([n], { dtype: "float64" });
  const [mg, vg] = moments(g);
  // Normal: mean 0 (se 1/sqrt(n)), var 1 (se sqrt(2/n)).
  assert.ok(Math.abs(mg) < 5 / Math.sqrt(n), `randn mean ${mg}`);
  assert.ok(Math.abs(vg - 1) < 5 * Math.sqrt(2 / n), `randn var ${vg}`);
  // Tail mass beyond 2 sigma is 4.55% for a normal.
  const tail = g.data().filter((v) => Math.abs(v) > 2).length / n;
  assert.ok(Math.abs(tail - 0.0455) < 0.004, `randn tail mass ${tail}`);
});

test("randint: int32 values in [low, high), every value drawn", () => {
  my.manualSeed(5);
  const r = my.randint(-3, 4, [10_000]);
  assert.equal(r.dtype, "int32");
  const seen = new Set(r.data());
  assert.deepEqual([...seen].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
  assert.throws(() => my.randint(2, 2, [3]), /randint: high \(2\) must be greater than low \(2\)/);
});

test("manualSeed: same seed, same values; another seed, other values; generators are independent", () => {
  my.manualSeed(42);
  const a = [my.rand([5]).toArray(), my.randn([5]).toArray(), my.randint(0, 100, [5]).toArray()];
  my.manualSeed(42);
  const b = [my.rand([5]).toArray(), my.randn([5]).toArray(), my.randint(0, 100, [5]).toArray()];
  assert.deepEqual(a, b);
  my.manualSeed(43);
  assert.notDeepEqual(my.rand([5]).toArray(), a[0]);
  const g1 = new my.Generator(9), g2 = new my.Generator(9);
  my.rand([3]); // the default generator does not disturb explicit ones
  assert.deepEqual(my.randn([4], { generator: g1 }).toArray(), my.randn([4], { generator: g2 }).toArray());
  const like = my.randnLike(my.zeros([2, 3], { dtype: "float64" }));
  assert.deepEqual([like.shape, like.dtype], [[2, 3], "float64"]);
});

test("dtype conversion: to/float/double/int/bool", () => {
  const x = my.tensor([1.7, -1.7, 2.5, 0, -0.2]);
  const i = x.int();
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [1, -1, 2, 0, 0]); // truncation toward zero, as PyTorch
  assert.deepEqual(x.bool().toArray(), [true, true, true, false, true]); // nonzero -> true
  assert.deepEqual(my.tensor([NaN, 0]).bool().toArray(), [true, false]);
  const d = x.double();
  assert.equal(d.dtype, "float64");
  assert.equal(d.data()[0], Math.fround(1.7));
  assert.equal(my.tensor([3], { dtype: "int32" }).float().dtype, "float32");
  assert.deepEqual(my.tensor([true, false]).to("float32").toArray(), [1, 0]);
  assert.equal(x.to("float32"), x, "to() the same dtype returns the tensor itself");
  // float conversions are differentiable: d/dx sum(double(x) * 3) = 3
  const w = my.tensor([1, 2], { requiresGrad: true });
  w.double().mul(3).sum().backward();
  assert.equal(w.grad!.dtype, "float32");
  assert.deepEqual(w.grad!.toArray(), [3, 3]);
});

test("read-out: shape, ndim, numel, size, item, data copies", () => {
  const x = my.zeros([2, 3, 4]);
  assert.deepEqual([x.ndim, x.numel(), x.size(), x.size(-1), x.size(1)], [3, 24, [2, 3, 4], 4, 3]);
  const d = x.data();
  d[0] = 5;
  assert.equal(x.data()[0], 0, "data() returns a copy");
  assert.equal(my.tensor([[2.5]]).item(), 2.5);
});
