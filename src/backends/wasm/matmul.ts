/**
 * Float32 batched GEMM on the wasm kernels: copies op(A)/op(B) storage into the arena,
 * runs the packed SIMD sgemm (transposes folded into packing), copies the result out.
 * Big products are split across the worker pool by batch, column or row ranges on
 * tile boundaries, so every output element sees the same summation order as on one
 * thread (bitwise-identical results for any thread count).
 */
import { align64, dataRegion, reserveScratch, scratchPtr, type Runtime } from "./runtime.js";
import type { Pool } from "./pool.js";
import { FN_SGEMM } from "./worker-source.js";

/** Tile sizes of assembly/gemm.ts (splits must fall on multiples of these). */
const MR = 4, NR = 8;
/** Products below this many multiply-adds (m*n*k) stay in JS: the copies and the call would cost more. */
export const GEMM_MIN_MACS = 512;
/** Below this many flops (~200^3 x 2) a product runs on one thread: waking workers costs 10-50 us, more on a loaded machine. */
export const GEMM_THREAD_MIN_FLOPS = 1 << 24;
/** Routing knobs (setWasmRouting lowers the thread threshold to 0 so tests reach the pool with small shapes). */
export const gemmConfig = { threadMinFlops: GEMM_THREAD_MIN_FLOPS };

/** Counters for tests: how many products ran on the pool (split across threads). */
export const gemmStats = { parallel: 0 };

function splitRange(total: number, parts: number, unit: number): number[] {
  const tiles = Math.ceil(total / unit);
  const cuts = [0];
  for (let p = 1; p < parts; p++) cuts.push(Math.min(total, Math.round((tiles * p) / parts) * unit));
  cuts.push(total);
  return cuts;
}

/** Runs out = op(A) @ op(B) (batched, see Backend.matmul) on the wasm kernels with up to `threads` threads. */
export function wasmMatmul(rt: Runtime, pool: Pool | null, threads: number, a: Float32Array, b: Float32Array, out: Float32Array,
  batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, aStride: number, bStride: number): void {
  const total = batch * m * n;
  if (total === 0) return;
  if (k === 0) { out.fill(0, 0, total); return; }
  const aLen = Math.min(a.length, aStride === 0 ? m * k : (batch - 1) * aStride + m * k);
  const bLen = Math.min(b.length, bStride === 0 ? k * n : (batch - 1) * bStride + k * n);
  let T = 1;
  if (pool && threads > 1 && 2 * total * k >= gemmConfig.threadMinFlops) T = Math.min(threads, pool.readyCount() + 1);
  // Pick the split: whole matrices when the batch is large, else columns, else rows.
  let mode = 0;
  if (T > 1) {
    if (batch >= T) mode = 1;
    else if (Math.ceil(n / NR) >= 2 * T && n >= m) mode = 2;
    else if (Math.ceil(m / MR) >= 2 * T) mode = 3;
    else if (Math.ceil(n / NR) >= T) mode = 2;
    else T = 1;
  }
  reserveScratch(rt, T);
  const aBytes = align64(aLen * 4), bBytes = align64(bLen * 4);
  const base = dataRegion(rt, aBytes + bBytes + total * 4);
  const pa = base, pb = base + aBytes, pc = pb + bBytes;
  const heap = rt.f32;
  heap.set(aLen === a.length ? a : a.subarray(0, aLen), pa >>> 2);
  heap.set(bLen === b.length ? b : b.subarray(0, bLen), pb >>> 2);
  const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
  if (T === 1) {
    rt.k.sgemm(pa, pb, pc, m, n, k, ta, tb, aStride, bStride, 0, batch, 0, m, 0, n, scratchPtr(rt, 0));
  } else {
    const cuts = splitRange(mode === 1 ? batch : mode === 2 ? n : m, T, mode === 1 ? 1 : mode === 2 ? NR : MR);
    const jobs: number[][] = [];
    for (let t = 0; t < T; t++) {
      const lo = cuts[t], hi = cuts[t + 1];
      const [b0, b1] = mode === 1 ? [lo, hi] : [0, batch];
      const [n0, n1] = mode === 2 ? [lo, hi] : [0, n];
      const [m0, m1] = mode === 3 ? [lo, hi] : [0, m];
      jobs.push([pa, pb, pc, m, n, k, ta, tb, aStride, bStride, b0, b1, m0, m1, n0, n1, scratchPtr(rt, t)]);
    }
    const kk = rt.k;
    gemmStats.parallel++;
    pool!.parallel(FN_SGEMM, jobs, (j) => kk.sgemm(j[0], j[1], j[2], j[3], j[4], j[5], j[6], j[7], j[8], j[9], j[10], j[11], j[12], j[13], j[14], j[15], j[16]));
  }
  out.set(heap.subarray(pc >>> 2, (pc >>> 2) + total));
}
