/**
 * Shared helpers for the backend parity tests: a seeded RNG (independent of
 * myelin's), float64 reference kernels written from the definitions, and an
 * error-bound check for float32 dot products.
 */
import assert from "node:assert/strict";

/** mulberry32: small seeded PRNG so test data is reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Float32 array of n uniform values in [-1, 1). */
export function randArray(r: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/**
 * Float64 reference batched GEMM from the definition (op = transpose when flagged),
 * also returning sum_k |a_ik b_kj| per element for a rounding-error bound.
 */
export function refMatmul(a: Float32Array, b: Float32Array, batch: number, m: number, n: number, k: number,
  transA: boolean, transB: boolean, aStride: number, bStride: number): { out: Float64Array; mag: Float64Array } {
  const out = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, g = 0;
        for (let p = 0; p < k; p++) {
          const av = a[bi * aStride + (transA ? p * m + i : i * k + p)];
          const bv = b[bi * bStride + (transB ? j * k + p : p * n + j)];
          s += av * bv;
          g += Math.abs(av * bv);
        }
        out[(bi * m + i) * n + j] = s;
        mag[(bi * m + i) * n + j] = g;
      }
    }
  }
  return { out, mag };
}

/** Asserts |got - ref| <= 2 k u sum|a||b| + tiny (the standard float32 dot-product bound, u = 2^-24). */
export function assertGemmClose(got: ArrayLike<number>, ref: { out: Float64Array; mag: Float64Array }, k: number, msg: string): void {
  assert.equal(got.length, ref.out.length, `${msg}: length`);
  const u = 2 ** -24;
  for (let i = 0; i < got.length; i++) {
    const tol = 2 * (k + 2) * u * ref.mag[i] + 1e-30;
    const d = Math.abs(got[i] - ref.out[i]);
    if (!(d <= tol)) assert.fail(`${msg} [${i}]: got ${got[i]}, expected ${ref.out[i]} (|diff| ${d} > ${tol})`);
  }
}
