/**
 * Workload: float32 square matmul GFLOP/s at N = 128/512/1024/2048 for myelin (wasm at
 * 1 and 2 threads, the optional native addon when built, JS reference), TensorFlow.js (cpu, wasm) and PyTorch (1 and 2
 * threads), plus A@B^T and A^T@B at N = 512 (the backward-pass shapes, where
 * TF.js-wasm is known to be slow).
 */
import * as my from "../../src/index.js";
import { wasmThreadsReady, wasmVariant } from "../../src/backends/wasm/index.js";
import { loadTfjs, measure, runPython, wants, type Row, type RunOptions, type Workload } from "../harness.js";

const T_SIZE = 512;
/** Skip a size when the previous one predicts more than this many seconds per call. */
const MAX_CALL_S = 6;

function gflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms * 1e6);
}

async function run(opts: RunOptions): Promise<Row[]> {
  const sizes = opts.quick ? [128, 512] : [128, 512, 1024, 2048];
  const rows: Row[] = [];
  const add = (c: string, impl: string, value: number, note?: string) =>
    rows.push({ workload: "matmul", case: c, impl, value, unit: "GFLOP/s", higherIsBetter: true, note });
  const minMs = opts.quick ? 100 : 300;
  my.manualSeed(0);

  // myelin: wasm at 1 and 2 threads, then the JS reference.
  const variant = wasmVariant();
  const configs: [string, "wasm" | "js" | "native", number][] = [];
  if (variant) configs.push([`myelin-wasm-${variant}-1t`, "wasm", 1], [`myelin-wasm-${variant}-2t`, "wasm", 2]);
  // The optional native addon, where it was built at install.
  if (wants(opts, "myelin-native")) {
    try { my.setBackend("native"); configs.push(["myelin-native-1t", "native", 1], ["myelin-native-2t", "native", 2]); } catch (e) {
      add(`N=${sizes[0]}`, "myelin-native-1t", NaN, `skipped: ${(e as Error).message}`);
    }
  }
  configs.push(["myelin-js", "js", 1]);
  for (const [impl, be, th] of configs) {
    if (!wants(opts, impl)) continue;
    my.setBackend(be);
    my.setNumThreads(th);
    if (be === "wasm") await wasmThreadsReady();
    let lastMs = 0, lastN = 0;
    for (const n of sizes) {
      if (lastMs * (n / lastN) ** 3 > MAX_CALL_S * 1000) { add(`N=${n}`, impl, NaN, "skipped: too slow"); continue; }
      const a = my.randn([n, n]), b = my.randn([n, n]);
      const t = measure(() => my.matmul(a, b), minMs);
      lastMs = t.wall; lastN = n;
      add(`N=${n}`, impl, gflops(n, t.wall), th === 1 ? `cpu-time ${gflops(n, t.cpu).toFixed(1)}` : undefined);
    }
    if (be === "wasm") {
      const a = my.randn([T_SIZE, T_SIZE]), b = my.randn([T_SIZE, T_SIZE]);
      add(`N=${T_SIZE} A@B^T`, impl, gflops(T_SIZE, measure(() => my.gemm(a, b, false, true), minMs).wall));
      add(`N=${T_SIZE} A^T@B`, impl, gflops(T_SIZE, measure(() => my.gemm(a, b, true, false), minMs).wall));
    }
  }
  my.setNumThreads(2);

  // TensorFlow.js backends (single-threaded in Node).
  for (const be of ["wasm", "cpu"] as const) {
    const impl = `tfjs-${be}`;
    if (!wants(opts, impl)) continue;
    const tf = await loadTfjs(be);
    if (typeof tf === "string") { add(`N=${sizes[0]}`, impl, NaN, tf); continue; }
    let lastMs = 0, lastN = 0;
    const mm = (a: ReturnType<typeof tf.randomNormal>, b: ReturnType<typeof tf.randomNormal>, ta = false, tb = false) => () => {
      const c = tf.matMul(a, b, ta, tb);
      c.dataSync();
      c.dispose();
    };
    for (const n of sizes) {
      if (lastMs * (n / lastN) ** 3 > MAX_CALL_S * 1000) { add(`N=${n}`, impl, NaN, "skipped: too slow"); continue; }
      const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
      const t = measure(mm(a, b), minMs);
      lastMs = t.wall; lastN = n;
      add(`N=${n}`, impl, gflops(n, t.wall), `cpu-time ${gflops(n, t.cpu).toFixed(1)}`);
      a.dispose(); b.dispose();
    }
    if (be === "wasm") {
      const a = tf.randomNormal([T_SIZE, T_SIZE]), b = tf.randomNormal([T_SIZE, T_SIZE]);
      add(`N=${T_SIZE} A@B^T`, impl, gflops(T_SIZE, measure(mm(a, b, false, true), minMs).wall));
      add(`N=${T_SIZE} A^T@B`, impl, gflops(T_SIZE, measure(mm(a, b, true, false), minMs).wall));
    }
  }

  // PyTorch (OpenBLAS) at 1 and 2 threads.
  for (const th of [1, 2]) {
    const impl = `pytorch-${th}t`;
    if (!wants(opts, impl)) continue;
    const env = { OPENBLAS_NUM_THREADS: String(th), OMP_NUM_THREADS: String(th), MKL_NUM_THREADS: String(th) };
    const r = runPython("torch_bench.py", { sizes, threads: th, min_s: minMs / 1000, t_sizes: [T_SIZE] }, env);
    if (typeof r === "string") { add(`N=${sizes[0]}`, impl, NaN, r); continue; }
    const res = r as { blas: string; matmul: Record<string, { wall: number; cpu: number }>; matmul_t: Record<string, { nt: number; tn: number }> };
    for (const n of sizes) {
      const m = res.matmul[String(n)];
      add(`N=${n}`, impl, gflops(n, m.wall * 1000), th === 1 ? `cpu-time ${gflops(n, m.cpu * 1000).toFixed(1)}` : undefined);
    }
    // Debian's torch uses the system libblas; the reference (netlib) BLAS is ~30x slower than OpenBLAS.
    if (th === 1) rows[rows.length - 1].note = `${rows[rows.length - 1].note ?? ""}; torch mm goes through ${res.blas}`;
    const t = res.matmul_t[String(T_SIZE)];
    add(`N=${T_SIZE} A@B^T`, impl, gflops(T_SIZE, t.nt * 1000));
    add(`N=${T_SIZE} A^T@B`, impl, gflops(T_SIZE, t.tn * 1000));
  }
  return rows;
}

export const workload: Workload = {
  name: "matmul",
  description: "float32 square matmul GFLOP/s (wall clock; 1-thread rows also note CPU-time GFLOP/s)",
  simdVariant: true,
  groups: ["myelin-wasm", "myelin-native", "myelin-js", "tfjs-wasm", "tfjs-cpu", "pytorch"],
  rounds: 5,
  // Seconds per call at N = 1024 and no target rides on them.
  onceGroups: ["myelin-js", "tfjs-cpu"],
  run,
};
