/**
 * Threaded wasm GEMM without the tensor layer: Backend.matmul on preallocated arrays
 * (no output allocation, so no GC), to separate the kernel's scaling from the op's
 * overheads. Prints best and median wall GFLOP/s. Usage: THREADS=2 node --import tsx
 * bench/profile/wasm-gemm-raw.ts [N ...]
 */
import * as my from "../../src/index.js";
import { currentBackend } from "../../src/backends/backend.js";
import { wasmThreadsReady } from "../../src/backends/wasm/index.js";

my.setBackend("wasm");
my.setNumThreads(Number(process.env.THREADS ?? 2));
await wasmThreadsReady();
for (const N of (process.argv.slice(2).length ? process.argv.slice(2) : ["1024"]).map(Number)) {
  const a = Float32Array.from({ length: N * N }, () => Math.random()), b = Float32Array.from({ length: N * N }, () => Math.random());
  const out = new Float32Array(N * N);
  const run = () => currentBackend().matmul(a, b, out, 1, N, N, N, false, false, 0, 0);
  run();
  const t: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) { const s = performance.now(); run(); t.push(performance.now() - s); }
  t.sort((x, y) => x - y);
  const gf = (ms: number) => (2 * N ** 3 / ms / 1e6).toFixed(1);
  console.log(`N=${N} ${my.getNumThreads()}t: best ${gf(t[0])} median ${gf(t[t.length >> 1])} GFLOP/s (${t.length} runs)`);
}
