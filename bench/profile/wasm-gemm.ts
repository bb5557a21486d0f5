/**
 * Float32 GEMM speed of the wasm backend through the public op (my.gemm: copy-in,
 * packed SIMD kernel, copy-out), for the square sizes of `npm run bench -- --only=matmul`
 * and the skinny shapes of training steps. Prints GFLOP/s by process CPU time (steady
 * on a shared machine; meaningful for 1 thread) and by wall time (use for 2 threads
 * only when the load average is low), best of ROUNDS rounds.
 * Usage: node --import tsx bench/profile/wasm-gemm.ts [m,n,k[,transA,transB,batch] | N ...]
 * Env: THREADS (default 1), ROUNDS (default 15), MS (ms per round, default 60),
 * MIN_FLOPS (overrides the products' thread threshold, gemmConfig.threadMinFlops).
 */
import * as my from "../../src/index.js";
import { wasmThreadsReady, wasmVariant } from "../../src/backends/wasm/index.js";
import { gemmConfig } from "../../src/backends/wasm/matmul.js";

const DEFAULT_SHAPES = ["128", "512", "1024", "2048",
  "128,512,784,0,1", "512,784,128,1,0", "32,512,128,0,1", "1024,384,128", "64,64,32,0,0,64"];

function parse(s: string): [number, number, number, boolean, boolean, number] {
  const v = s.split(",").map(Number);
  if (v.length === 1) return [v[0], v[0], v[0], false, false, 1];
  return [v[0], v[1], v[2], !!v[3], !!v[4], v[5] || 1];
}

my.setBackend("wasm");
const threads = Number(process.env.THREADS ?? 1);
my.setNumThreads(threads);
await wasmThreadsReady();
if (process.env.MIN_FLOPS) gemmConfig.threadMinFlops = Number(process.env.MIN_FLOPS);
const rounds = Number(process.env.ROUNDS ?? 15);
const roundMs = Number(process.env.MS ?? 60);
const shapes = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_SHAPES;
my.manualSeed(0);
console.log(`wasm-gemm: variant ${wasmVariant()}, ${threads} thread(s), best of ${rounds}`);
for (const s of shapes) {
  const [m, n, k, ta, tb, batch] = parse(s);
  const lead = batch > 1 ? [batch] : [];
  const a = my.randn([...lead, ...(ta ? [k, m] : [m, k])]);
  const b = my.randn([...lead, ...(tb ? [n, k] : [k, n])]);
  const run = () => my.gemm(a, b, ta, tb);
  const flops = 2 * batch * m * n * k;
  run();
  const t0 = performance.now();
  run();
  const reps = Math.max(1, Math.round(roundMs / Math.max(performance.now() - t0, 1e-3)));
  let cpu = Infinity, wall = Infinity;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    const w = (performance.now() - w0) / reps;
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000 / reps);
    wall = Math.min(wall, w);
  }
  const shape = `${batch > 1 ? `${batch}x ` : ""}${m}x${n}x${k}${ta ? " A^T" : ""}${tb ? " B^T" : ""}`;
  console.log(`${shape.padEnd(22)} cpu ${(flops / cpu / 1e6).toFixed(1).padStart(6)} GFLOP/s  wall ${(flops / wall / 1e6).toFixed(1).padStart(6)} GFLOP/s  (${wall.toFixed(3)} ms)`);
}
