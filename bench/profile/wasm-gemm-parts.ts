/**
 * Where one single-thread wasm matmul's time goes: the tensor op, the backend call on a
 * preallocated (raw) or new uninitialised (fresh) output, the bare sgemm on data already
 * in wasm memory, and the copies in and out, interleaved call by call so each sees the same phases of the host.
 * Usage: N=1024 MS=60000 node --import tsx bench/profile/wasm-gemm-parts.ts
 */
import * as my from "../../src/index.js";
import { loadRuntime, dataRegion, reserveScratch, scratchPtr } from "../../src/backends/wasm/runtime.js";
import { allocUninit } from "../../src/core/dtype.js";
import { wasmMatmul } from "../../src/backends/wasm/matmul.js";
my.setBackend("wasm");
my.setNumThreads(1);
const N = Number(process.env.N ?? 1024);
const rt = loadRuntime()!;
const A = my.randn([N, N]), Bt = my.randn([N, N]);
const a = A.data() as Float32Array, b = Bt.data() as Float32Array, out = new Float32Array(N * N);
const parts: Record<string, () => void> = {
  op: () => { my.matmul(A, Bt); },
  raw: () => wasmMatmul(rt, null, 1, a, b, out, 1, N, N, N, false, false, 0, 0),
  fresh: () => wasmMatmul(rt, null, 1, a, b, allocUninit("float32", N * N) as Float32Array, 1, N, N, N, false, false, 0, 0),
  sgemm: () => { reserveScratch(rt, 1); const p = dataRegion(rt, 12 * N * N + 64); rt.k.sgemm(p, p + 4 * N * N, p + 8 * N * N, N, N, N, 0, 0, 0, 0, 0, 1, 0, N, 0, N, scratchPtr(rt, 0)); },
  copyIn: () => { const p = dataRegion(rt, 12 * N * N + 64); rt.f32.set(a, p >>> 2); rt.f32.set(b, (p >>> 2) + N * N); },
  copyOut: () => { const p = dataRegion(rt, 12 * N * N + 64); out.set(rt.f32.subarray((p >>> 2) + 2 * N * N, (p >>> 2) + 3 * N * N)); },
};
const names = (process.env.PARTS ?? Object.keys(parts).join(",")).split(",");
const t: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const t0 = performance.now();
while (performance.now() - t0 < Number(process.env.MS ?? 30000)) {
  for (const n of names) { const s = performance.now(); parts[n](); t[n].push(performance.now() - s); }
}
const gf = (ms: number) => (2 * N ** 3 / ms / 1e6).toFixed(1);
for (const n of names) {
  const x = t[n].sort((p, q) => p - q), q = (f: number) => x[Math.floor(f * (x.length - 1))];
  console.log(`${n.padEnd(7)} best ${q(0).toFixed(2)} ms (${gf(q(0))} GFLOP/s)  median ${q(0.5).toFixed(2)} ms (${gf(q(0.5))})  (${x.length} calls)`);
}
