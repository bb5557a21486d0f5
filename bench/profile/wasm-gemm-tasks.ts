/**
 * A/B of the threaded wasm GEMM's task count (gemmConfig.tasksPerThread): calls with
 * each setting interleaved for MS milliseconds, so every setting sees the same phases
 * of the host; prints best, quartiles and mean GFLOP/s per setting. Usage:
 * SHAPE=m,n,k MS=60000 node --import tsx bench/profile/wasm-gemm-tasks.ts
 */
import * as my from "../../src/index.js";
import { wasmThreadsReady } from "../../src/backends/wasm/index.js";
import { gemmConfig } from "../../src/backends/wasm/matmul.js";
my.setBackend("wasm");
await wasmThreadsReady();
my.setNumThreads(2);
const [M, N, K] = (process.env.SHAPE ?? "1024,1024,1024").split(",").map(Number);
const A = my.randn([M, K]), Bt = my.randn([K, N]);
const gf = (ms: number) => (2 * M * N * K / ms / 1e6);
const variants = (process.env.VARIANTS ?? "4,8,16").split(",").map(Number);
const t: Record<number, number[]> = {};
for (const v of variants) t[v] = [];
const t0 = performance.now();
while (performance.now() - t0 < Number(process.env.MS ?? 180000)) {
  for (const v of variants) { gemmConfig.tasksPerThread = v; const s = performance.now(); my.matmul(A, Bt); t[v].push(performance.now() - s); }
}
for (const v of variants) {
  const x = t[v].sort((a, b) => a - b), q = (p: number) => gf(x[Math.floor(p * (x.length - 1))]).toFixed(1);
  console.log(`tasksPerThread ${v}: best ${q(0)} p25 ${q(0.25)} median ${q(0.5)} p75 ${q(0.75)} mean ${gf(x.reduce((a, b) => a + b, 0) / x.length).toFixed(1)} (${x.length} calls)`);
}
