// The native addon's GEMM against the JS reference backend: every transposition,
// batched and broadcast (stride 0) forms, edge sizes, and bitwise-identical results
// for 1 and 2 threads. Skipped (with the reason) where the addon was not built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, nativeLoadError } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { Generator } from "../../src/index.js";

const addon = await loadNativeAddon();
const skip = addon ? false : `native addon unavailable (${nativeLoadError() || "not built"})`;
const gen = new Generator(7);
const rnd = (n: number) => Float32Array.from({ length: n }, () => gen.random() * 2 - 1);

const shapes: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 7, 13, 31], [1, 6, 16, 256], [1, 37, 53, 300], [1, 100, 1, 17], [1, 1, 100, 5],
  [1, 0, 3, 4], [1, 3, 4, 0], [3, 5, 7, 9], [4, 64, 64, 32], [1, 130, 260, 520],
];

test("native sgemm matches the JS backend in every transposition and batch form", { skip }, () => {
  for (const [batch, m, n, k] of shapes) {
    for (const ta of [false, true]) for (const tb of [false, true]) for (const bcast of [0, 1, 2]) {
      const sa = bcast === 1 ? 0 : m * k, sb = bcast === 2 ? 0 : k * n;
      const a = rnd(Math.max(1, sa ? batch * m * k : m * k)), b = rnd(Math.max(1, sb ? batch * k * n : k * n));
      const want = new Float32Array(batch * m * n);
      jsBackend.matmul(a, b, want, batch, m, n, k, ta, tb, sa, sb);
      const got = new Float32Array(batch * m * n).fill(NaN);
      addon!.sgemm(a, b, got, batch, m, n, k, ta, tb, sa, sb);
      for (let i = 0; i < got.length; i++) {
        const tol = 1e-5 * Math.max(1, k);
        assert.ok(Math.abs(got[i] - want[i]) <= tol, `[${batch},${m},${n},${k}] ta=${ta} tb=${tb} bcast=${bcast} at ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test("native sgemm gives bitwise-identical results on 1 and 2 threads", { skip }, () => {
  const prev = addon!.getNumThreads();
  for (const [batch, m, n, k] of [[1, 300, 500, 700], [1, 500, 10, 400], [8, 128, 128, 64]] as const) {
    const a = rnd(batch * m * k), b = rnd(batch * k * n);
    const one = new Float32Array(batch * m * n), two = new Float32Array(batch * m * n);
    addon!.setNumThreads(1);
    addon!.sgemm(a, b, one, batch, m, n, k, false, true, m * k, k * n);
    addon!.setNumThreads(2);
    addon!.sgemm(a, b, two, batch, m, n, k, false, true, m * k, k * n);
    assert.deepEqual(Buffer.from(one.buffer), Buffer.from(two.buffer), `[${batch},${m},${n},${k}]`);
  }
  addon!.setNumThreads(prev);
});

test("native sgemm rejects arrays too small for the sizes", { skip }, () => {
  assert.throws(() => addon!.sgemm(new Float32Array(3), new Float32Array(4), new Float32Array(4), 1, 2, 2, 2, false, false, 0, 0), /too small/);
});
