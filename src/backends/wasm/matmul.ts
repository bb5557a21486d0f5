/**
 * Float32 batched GEMM on the wasm kernels: copies op(A)/op(B) storage into the arena,
 * runs the packed SIMD sgemm (transposes folded into packing), copies the result out.
 * Big products run on the worker pool through one shared plan (assembly/gemm.ts
 * gemmRun): threads claim pack tasks, then blocks of C, from atomic counters, so a
 * slow or late thread just takes fewer. Every output element sees the same summation
 * order whoever computes it, so results are bitwise identical for any thread count.
 */
import { align64, dataRegion, reserveScratch, scratchPtr, type Runtime } from "./runtime.js";
import type { Pool } from "./pool.js";
import { FN_GEMM_RUN } from "./worker-source.js";

/** Tile and block sizes of assembly/gemm.ts. */
const MR = 4, NR = 8, MC = 128;
/** Plan fields of assembly/gemm.ts (PLAN_*), as i32 offsets. */
const P_A = 3, P_B = 4, P_C = 5, P_M = 6, P_N = 7, P_K = 8, P_TA = 9, P_TB = 10, P_AS = 11, P_BS = 12, P_BATCH = 13,
  P_AP = 14, P_BP = 15, P_PACK_ROWS = 16, P_PACK_COLS = 17, P_TASK_ROWS = 18, P_TASK_COLS = 19, PLAN_BYTES = 128;
/** Floats per pack task (a few hundred microseconds of packing at most). */
const PACK_TASK_FLOATS = 1 << 16;

/** Products below this many multiply-adds (m*n*k) stay in JS: the copies and the call would cost more. */
export const GEMM_MIN_MACS = 512;
/**
 * Below this many flops (2 x 160^3) a product runs on one thread. Measured with 2 threads
 * vs 1 (17 quiet windows, median time ratio of best / of mean): 128^3 1.08 / 1.20,
 * 160^3 0.88 / 0.98, 192^3 0.82 / 0.93, 64x784x128 0.79 / 0.91, 256^3 0.72 / 0.81.
 */
export const GEMM_THREAD_MIN_FLOPS = 1 << 23;
/** Routing knobs (forced routing, setRouting("always") in ../layer.ts, lowers the thread threshold to 0 so tests reach the pool with small shapes). */
export const gemmConfig = {
  threadMinFlops: GEMM_THREAD_MIN_FLOPS,
  /**
   * Compute tasks per thread to aim for: enough that a slow thread's share moves to the
   * others. This host slows one core at a time for seconds (bench/README.md), and the
   * last coarse task then straggles. 2 threads, interleaved calls (bench/profile/
   * wasm-gemm-tasks.ts), mean GFLOP/s for 4 -> 16: 1024^3 67.5 -> 69.3 (1596 calls each),
   * 128x512x784 56.0 -> 57.0, 512x784x128 55.9 -> 56.6, 128x256x512 51.0 -> 51.9,
   * 256^3 48.9 -> 50.0; medians likewise +1-4%, best calls within 2%.
   */
  tasksPerThread: 16,
};

/** Counters for tests and profiling: products run on the pool, and worker jobs that took part (not cancelled). */
export const gemmStats = { parallel: 0, workerJobs: 0 };

type GemmKernels = Runtime["k"] & { gemmRun(plan: number, scratch: number, canBlock: number): void };

const roundUp = (x: number, u: number) => Math.ceil(x / u) * u;

/**
 * Task shapes for T threads: whole rows of C in MC-row blocks, halving the wider side
 * (in tiles) until there are about gemmConfig.tasksPerThread tasks per thread.
 */
function taskShape(batch: number, m: number, n: number, T: number): [rows: number, cols: number] {
  let tr = Math.min(roundUp(m, MR), MC), tc = roundUp(n, NR);
  const tasks = () => batch * Math.ceil(m / tr) * Math.ceil(n / tc);
  while (tasks() < gemmConfig.tasksPerThread * T) {
    if (tc >= 2 * tr && tc > 64) tc = roundUp(tc / 2, NR);
    else if (tr > 16) tr = roundUp(tr / 2, MR);
    else if (tc > 32) tc = roundUp(tc / 2, NR);
    else break;
  }
  return [tr, tc];
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
  // Many batch items: tasks of whole items, each packed on its thread's scratch (packedBytes 0).
  const byItems = T > 1 && batch >= 2 * T;
  const aItems = aStride === 0 ? 1 : batch, bItems = bStride === 0 ? 1 : batch;
  const apBytes = T > 1 && !byItems ? align64(aItems * roundUp(m, MR) * k * 4) : 0;
  const bpBytes = T > 1 && !byItems ? align64(bItems * roundUp(n, NR) * k * 4) : 0;
  reserveScratch(rt, T);
  const aBytes = align64(aLen * 4), bBytes = align64(bLen * 4), cBytes = align64(total * 4);
  const base = dataRegion(rt, PLAN_BYTES + aBytes + bBytes + cBytes + apBytes + bpBytes);
  const plan = base, pa = plan + PLAN_BYTES, pb = pa + aBytes, pc = pb + bBytes, pap = pc + cBytes, pbp = pap + apBytes;
  const heap = rt.f32;
  heap.set(aLen === a.length ? a : a.subarray(0, aLen), pa >>> 2);
  heap.set(bLen === b.length ? b : b.subarray(0, bLen), pb >>> 2);
  const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
  if (T === 1) {
    rt.k.sgemm(pa, pb, pc, m, n, k, ta, tb, aStride, bStride, 0, batch, 0, m, 0, n, scratchPtr(rt, 0));
  } else {
    const p = new Int32Array(heap.buffer, plan, PLAN_BYTES / 4);
    p.fill(0);
    p[P_A] = pa; p[P_B] = pb; p[P_C] = pc; p[P_M] = m; p[P_N] = n; p[P_K] = k; p[P_TA] = ta; p[P_TB] = tb;
    p[P_AS] = aStride; p[P_BS] = bStride; p[P_BATCH] = batch;
    if (byItems) {
      p[P_TASK_ROWS] = Math.max(1, Math.floor(batch / (gemmConfig.tasksPerThread * T)));
    } else {
      p[P_AP] = pap; p[P_BP] = pbp;
      p[P_PACK_ROWS] = Math.min(roundUp(m, MR), roundUp(Math.ceil(PACK_TASK_FLOATS / k), MR));
      p[P_PACK_COLS] = Math.min(roundUp(n, NR), roundUp(Math.ceil(PACK_TASK_FLOATS / k), NR));
      [p[P_TASK_ROWS], p[P_TASK_COLS]] = taskShape(batch, m, n, T);
    }
    // Workers may always block; the calling thread only where Atomics.wait is allowed.
    const jobs: number[][] = [];
    for (let t = 0; t < T; t++) jobs.push([plan, scratchPtr(rt, t), t === 0 ? +pool!.canBlock : 1]);
    const kk = rt.k as GemmKernels;
    gemmStats.parallel++;
    gemmStats.workerJobs += pool!.parallel(FN_GEMM_RUN, jobs, (j) => kk.gemmRun(j[0], j[1], j[2]), true);
  }
  out.set(heap.subarray(pc >>> 2, (pc >>> 2) + total));
}
