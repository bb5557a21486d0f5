// argmax/argmin, cumulative sum/product, dtype casts, bool-valued comparisons, the
// view-to-view copy and cat, index-add with repeated indices (embedding's backward),
// and softmax / layer norm on long rows, on the GPU against the CPU kernels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { argReduce, cumulative } from "../../src/backends/js/reduce.js";
import { binary, cast } from "../../src/backends/js/elementwise.js";
import { softmax } from "../../src/backends/js/softmax.js";
import { layerNorm } from "../../src/backends/js/norm.js";
import { close, randn, skip } from "./gpu-test-util.js";

const words = async (buf: Parameters<typeof K.readFloat32>[0], n: number) => new Int32Array((await K.readFloat32(buf, n)).buffer);

test("webgpu argmax/argmin: first extreme on ties, NaN wins, over long and short axes", { skip }, async () => {
  for (const [outer, R, inner] of [[3, 700, 2], [5, 4, 7], [1, 1, 3]]) {
    // few distinct values, so ties are common; a NaN in one line
    const x = Float32Array.from(randn(outer * R * inner, 0, 5), Math.floor);
    if (R > 4) x[5 * inner + 1] = NaN;
    for (const op of ["argmax", "argmin"] as const) {
      const want = new Int32Array(outer * inner);
      argReduce(op, x, outer, R, inner, want);
      assert.deepEqual([...(await words(K.argReduce(op, K.upload(x), outer, R, inner), outer * inner))], [...want], `${op} [${outer},${R},${inner}]`);
    }
  }
});

test("webgpu cumsum/cumprod along the middle axis equal the CPU kernel, long lines included", { skip }, async () => {
  for (const [outer, R, inner] of [[2, 1000, 3], [4, 9, 1], [1, 300, 5]]) {
    for (const op of ["sum", "prod"] as const) {
      const x = op === "sum" ? randn(outer * R * inner) : randn(outer * R * inner, 0.9, 1.1);
      const want = new Float32Array(x.length);
      cumulative(op, x, outer, R, inner, want);
      close(await K.readFloat32(K.cumulative(op, K.upload(x), outer, R, inner), x.length), want, 1e-4, 1e-4, `cum${op} [${outer},${R},${inner}]`);
    }
  }
});

test("webgpu cast between float32, int32 and bool (u32 words) as the CPU's cast", { skip }, async () => {
  const f = Float32Array.from([...randn(50, -100, 100), NaN, Infinity, -Infinity, 0, -0, 2.5, -2.5, 3e9, -3e9, 2 ** 31, -(2 ** 31), 1e20]);
  const i = Int32Array.from([0, 1, -1, 7, 2 ** 31 - 1, -(2 ** 31), 16777217]);
  const b = Uint32Array.from([0, 1, 1, 0]);
  const cases: [string, ArrayLike<number>, "float32" | "int32" | "bool"][] = [["float32", f, "float32"], ["int32", i, "int32"], ["bool", b, "bool"]];
  for (const [, src, from] of cases) for (const to of ["float32", "int32", "bool"] as const) {
    const n = src.length;
    const inBuf = from === "float32" ? K.upload(src as Float32Array) : K.uploadWords(src as Int32Array);
    const cpuIn = from === "bool" ? Uint8Array.from(src) : src as Float32Array | Int32Array;
    const want = to === "float32" ? new Float32Array(n) : to === "int32" ? new Int32Array(n) : new Uint8Array(n);
    cast(cpuIn, want);
    const raw = await K.readFloat32(K.cast(inBuf, from, to, n), n);
    const got = to === "float32" ? raw : to === "int32" ? new Int32Array(raw.buffer) : new Uint32Array(raw.buffer);
    if (to === "float32") close(got as Float32Array, want, 0, 0, `${from} -> ${to}`);
    else assert.deepEqual([...got], [...want], `${from} -> ${to}`);
  }
});

test("webgpu comparisons give bool words for float32 (NaN included) and int32, broadcast", { skip }, async () => {
  const a = Float32Array.from([...randn(12, -2, 2).map(Math.round), NaN, 1, 0]), b = Float32Array.from([0, 1, NaN]);
  const ops = ["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"] as const;
  for (const op of ops) {
    const want = new Float32Array(15 * 3);
    binary(op, a, [15, 1], b, [3], want, [15, 3]);
    const got = await words(K.compare(op, K.viewOf(K.upload(a), [15, 1]), K.viewOf(K.upload(b), [3]), [15, 3], "float32"), 45);
    assert.deepEqual([...got], [...want], `float32 ${op}`);
    const ai = Int32Array.from([5, -3, 2 ** 30 + 1, 0]), bi = Int32Array.from([5, 2 ** 30, 0, -3]);
    const wantI = new Float32Array(4);
    binary(op, Float64Array.from(ai), [4], Float64Array.from(bi), [4], wantI, [4]);
    const gotI = await words(K.compare(op, K.viewOf(K.uploadWords(ai), [4]), K.viewOf(K.uploadWords(bi), [4]), [4], "int32"), 4);
    assert.deepEqual([...gotI], [...wantI], `int32 ${op}`);
  }
});

test("webgpu copyView and cat: transposed and sliced inputs into the right places", { skip }, async () => {
  // a [2, 3] read transposed as [3, 2]; b [3, 4] contiguous; cat along dim 1 -> [3, 6]
  const a = Float32Array.of(1, 2, 3, 4, 5, 6), bv = randn(12);
  const at = { buffer: K.upload(a), shape: [3, 2], strides: [1, 3], offset: 0 };
  const r = K.cat([at, K.viewOf(K.upload(bv), [3, 4])], 1);
  assert.deepEqual(r.shape, [3, 6]);
  const want: number[] = [];
  for (let i = 0; i < 3; i++) want.push(a[i], a[3 + i], ...bv.slice(4 * i, 4 * i + 4));
  close(await K.readFloat32(r.buffer, 18), want, 0, 0, "cat dim 1");
  const r0 = K.cat([K.viewOf(K.upload(bv), [3, 4]), { buffer: K.upload(bv), shape: [1, 4], strides: [4, 1], offset: 8 }], 0);
  close(await K.readFloat32(r0.buffer, 16), [...bv, ...bv.slice(8)], 0, 0, "cat dim 0 with a sliced view");
  assert.throws(() => K.cat([K.viewOf(K.upload(bv), [3, 4]), K.viewOf(K.upload(a), [2, 3])], 0), /tensor 1 has shape \[2,3\]/);
});

test("webgpu indexAdd accumulates repeated indices (embedding backward) and skips the padding index", { skip }, async () => {
  const V = 10, D = 33, n = 500;
  const idx = Int32Array.from({ length: n }, (_, i) => (i * 7) % V % 4); // only rows 0..3, each ~125 times
  const g = randn(n * D);
  for (const skipIndex of [null, 2]) {
    const want = new Float64Array(V * D);
    for (let j = 0; j < n; j++) if (idx[j] !== skipIndex) for (let k = 0; k < D; k++) want[idx[j] * D + k] += g[j * D + k];
    const out = K.zeros("test", V * D);
    K.indexAdd(out, K.uploadWords(idx), K.upload(g), 1, V, n, D, skipIndex);
    close(await K.readFloat32(out, V * D), want, 1e-4, 1e-4, `indexAdd skip=${skipIndex}`);
  }
});

test("webgpu softmax and layerNorm on rows longer than a workgroup (20,000 columns)", { skip }, async () => {
  const rows = 3, cols = 20000;
  const x = randn(rows * cols, -8, 8);
  for (const log of [false, true]) {
    const want = new Float32Array(rows * cols);
    softmax(x, rows, cols, 1, 0, log, want);
    close(await K.readFloat32(K.softmax(K.upload(x), rows, cols, log), rows * cols), want, 1e-4, 1e-9, `softmax log=${log}`);
  }
  const out = new Float32Array(rows * cols), mean = new Float32Array(rows), rstd = new Float32Array(rows);
  layerNorm(x, null, null, rows, cols, 1e-5, out, mean, rstd);
  close(await K.readFloat32(K.layerNorm(K.upload(x), null, null, rows, cols, 1e-5).out, rows * cols), out, 1e-4, 1e-5, "layerNorm");
});

test("webgpu fused elementwise chain: x*w + b -> gelu-like tail in one dispatch equals the op-by-op kernels, broadcast and transposed", { skip }, async () => {
  // values: 0 = x [4, 6] read transposed from [6, 4], 1 = w [6], 2 = b [4, 1]
  const xv = randn(24), wv = randn(6), bv = randn(4);
  const x = { buffer: K.upload(xv), shape: [4, 6], strides: [1, 4], offset: 0 };
  const w = K.viewOf(K.upload(wv), [6]), b = K.viewOf(K.upload(bv), [4, 1]);
  const steps = [
    { op: "mul", args: [0, 1] }, { op: "add", args: [3, 2] }, { op: "tanh", args: [4] }, { op: "mul", args: [5, 4] }, { op: "maximum", args: [6, 1] },
  ] as const;
  const before = K.batchStats().pending;
  const fused = K.elementwiseChain(steps.map((s) => ({ ...s, args: [...s.args] })) as never, [x, w, b], [4, 6]);
  assert.equal(K.batchStats().pending - before, 1, "one dispatch for the whole chain");
  const t3 = K.binary("mul", x, w, [4, 6]);
  const t4 = K.binary("add", K.viewOf(t3, [4, 6]), b, [4, 6]);
  const t5 = K.unary("tanh", K.viewOf(t4, [4, 6]));
  const t6 = K.binary("mul", K.viewOf(t5, [4, 6]), K.viewOf(t4, [4, 6]), [4, 6]);
  const t7 = K.binary("maximum", K.viewOf(t6, [4, 6]), w, [4, 6]);
  const want = new Float64Array(24);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) {
    const v4 = Math.fround(xv[j * 4 + i] * wv[j]) + bv[i];
    want[i * 6 + j] = Math.max(Math.tanh(v4) * v4, wv[j]);
  }
  const got = await K.readFloat32(fused, 24);
  close(got, await K.readFloat32(t7, 24), 1e-6, 1e-7, "fused vs op by op");
  close(got, want, 1e-5, 1e-6, "fused vs float64");
  assert.throws(() => K.elementwiseChain([{ op: "add", args: [0, 5] }], [w], [6]), /reads value 5/);
  assert.throws(() => K.elementwiseChain([{ op: "nosuch" as never, args: [0] }], [w], [6]), /not a unary op/);
});
