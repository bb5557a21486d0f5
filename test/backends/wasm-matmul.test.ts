// wasm GEMM parity: every transposition flag, edge sizes (0, 1, primes, tile and
// block boundaries), batched with broadcast (stride 0) operands; checked against a
// float64 reference from the definition with the float32 error bound, and against
// the JS backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { assertGemmClose, randArray, refMatmul, rng } from "./wasm-util.js";

const w = wasmBackend();
setWasmRouting("always");
const skip = w ? false : "wasm unavailable in this runtime";
const r = rng(1234);

type Case = [batch: number, m: number, n: number, k: number, aStride: "full" | 0, bStride: "full" | 0];
const cases: Case[] = [];
for (const m of [0, 1, 7, 13]) for (const n of [0, 1, 8, 13, 31]) for (const k of [0, 1, 4, 31]) cases.push([1, m, n, k, "full", "full"]);
cases.push([1, 33, 17, 257, "full", "full"], [1, 129, 9, 40, "full", "full"], [1, 5, 2100, 300, "full", "full"],
  [1, 64, 64, 64, "full", "full"], [3, 7, 13, 31, "full", "full"], [3, 13, 9, 5, 0, "full"], [4, 5, 31, 7, "full", 0],
  [2, 1, 1, 1, 0, 0], [0, 3, 3, 3, "full", "full"]);

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`wasm matmul transA=${transA} transB=${transB}: edge and batched shapes vs float64 reference and JS`, { skip }, () => {
      for (const [batch, m, n, k, as, bs] of cases) {
        const aStride = as === 0 ? 0 : m * k, bStride = bs === 0 ? 0 : k * n;
        const a = randArray(r, as === 0 ? m * k : batch * m * k), b = randArray(r, bs === 0 ? k * n : batch * k * n);
        const out = new Float32Array(batch * m * n).fill(NaN), outJs = new Float32Array(batch * m * n);
        w!.matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
        jsBackend.matmul(a, b, outJs, batch, m, n, k, transA, transB, aStride, bStride);
        const ref = refMatmul(a, b, batch, m, n, k, transA, transB, aStride, bStride);
        const what = `b${batch} m${m} n${n} k${k} strides ${aStride}/${bStride}`;
        assertGemmClose(out, ref, k, `${what} wasm`);
        assertGemmClose(outJs, ref, k, `${what} js`);
      }
    });
  }
}

test("wasm matmul: k = 0 gives zeros even over a dirty output buffer", { skip }, () => {
  const out = new Float32Array(6).fill(7);
  w!.matmul(new Float32Array(0), new Float32Array(0), out, 1, 2, 3, 0, false, false, 0, 0);
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0]);
});

test("wasm matmul: exact small integer product (hand-computed)", { skip }, () => {
  // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]]; with transB the same B read as B^T.
  const a = Float32Array.of(1, 2, 3, 4), b = Float32Array.of(5, 6, 7, 8), out = new Float32Array(4);
  w!.matmul(a, b, out, 1, 2, 2, 2, false, false, 0, 0);
  assert.deepEqual(Array.from(out), [19, 22, 43, 50]);
  w!.matmul(a, b, out, 1, 2, 2, 2, false, true, 0, 0);
  assert.deepEqual(Array.from(out), [17, 23, 39, 53]);
  w!.matmul(a, b, out, 1, 2, 2, 2, true, false, 0, 0);
  assert.deepEqual(Array.from(out), [26, 30, 38, 44]);
});

test("wasm matmul: float64 and int32 fall back to the JS kernels", { skip }, () => {
  const a = Float64Array.of(1, 2, 3, 4), b = Float64Array.of(1, 0, 0, 1), out = new Float64Array(4);
  w!.matmul(a, b, out, 1, 2, 2, 2, false, false, 0, 0);
  assert.deepEqual(Array.from(out), [1, 2, 3, 4]);
  const ai = Int32Array.of(2, 0, 0, 2), oi = new Int32Array(4);
  w!.matmul(ai, Int32Array.of(1, 2, 3, 4), oi, 1, 2, 2, 2, false, false, 0, 0);
  assert.deepEqual(Array.from(oi), [2, 4, 6, 8]);
});
