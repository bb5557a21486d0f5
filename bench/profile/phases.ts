/**
 * Probes this host's slow phases: interleaves, in one process and in short windows, the
 * core clock (a latency-bound multiply chain), wasm and native GEMM at N = 512 and 1024,
 * memory bandwidth (a 64 MB copy) and integer issue throughput (independent multiply
 * chains), then ranks the cycles by the wasm GEMM and compares each probe's slowest and
 * fastest quarter. If the GEMMs and the throughput probe slow down while the clock and
 * the bandwidth hold, the contention is for the core's issue slots (a busy sibling
 * hardware thread on the host), not for the clock, caches or memory.
 *
 *   node --import tsx bench/profile/phases.ts [cycles=200]   (VERBOSE=1: every cycle)
 */
import * as my from "../../src/index.js";
import { estimateClockGHz } from "../clock.js";

const cycles = Number(process.argv[2] ?? 200);
/** Each probe's window: short, so the probes of one cycle see the same phase. */
const WINDOW_MS = 60;

function rate(fn: () => void, minMs: number): number {
  fn();
  let reps = 0;
  const t0 = performance.now();
  do { fn(); reps++; } while (performance.now() - t0 < minMs);
  return (performance.now() - t0) / reps;
}

const gf = (n: number, ms: number) => (2 * n ** 3) / (ms * 1e6);
const mats = new Map<number, [my.Tensor, my.Tensor]>();
function mm(backend: "wasm" | "native", n: number): number {
  my.setBackend(backend);
  my.setNumThreads(1);
  if (!mats.has(n)) mats.set(n, [my.randn([n, n]), my.randn([n, n])]);
  const [a, b] = mats.get(n)!;
  return gf(n, rate(() => my.matmul(a, b), WINDOW_MS));
}

const big = new Float32Array(16 << 20), bigDst = new Float32Array(16 << 20); // 64 MB each
big.fill(1);

/** Eight independent multiply chains: bound by issue throughput, not latency (Gop/s). */
function imulThroughput(): number {
  const n = 2e5;
  const run = (m: number) => {
    let a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
    for (let i = 0; i < n; i++) {
      a = Math.imul(a, m); b = Math.imul(b, m); c = Math.imul(c, m); d = Math.imul(d, m);
      e = Math.imul(e, m); f = Math.imul(f, m); g = Math.imul(g, m); h = Math.imul(h, m);
    }
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h;
  };
  let sink = 0;
  const ms = rate(() => { sink ^= run(3); }, WINDOW_MS);
  if (sink === 0.5) throw new Error("unreachable: keeps the result alive");
  return (8 * n) / (ms * 1e6);
}
const gbps = (bytes: number, ms: number) => bytes / (ms * 1e6);

const cols = ["GHz", "wasm512", "native512", "wasm1024", "native1024", "dram GB/s", "imul Gop/s"];
const rows: number[][] = [];
for (let c = 0; c < cycles; c++) {
  rows.push([estimateClockGHz(1), mm("wasm", 512), mm("native", 512), mm("wasm", 1024), mm("native", 1024),
    gbps(2 * big.byteLength, rate(() => bigDst.set(big), WINDOW_MS)), imulThroughput()]);
  if (process.env.VERBOSE) console.log(rows[rows.length - 1].map((v) => v.toFixed(2)).join("\t"));
}
// Cycles ranked by the wasm 1024 product: each column's mean in the slowest and the
// fastest quarter, and their ratio (1.00 = that probe did not notice the slow phases).
const byWasm = [...rows].sort((a, b) => a[3] - b[3]);
const q = Math.max(1, cycles >> 2);
const mean = (rs: number[][], i: number) => rs.reduce((s, r) => s + r[i], 0) / rs.length;
console.log(`${cycles} cycles; quarters ranked by wasm1024`);
console.log("probe\tslowest quarter\tfastest quarter\tratio");
cols.forEach((name, i) => {
  const lo = mean(byWasm.slice(0, q), i), hi = mean(byWasm.slice(-q), i);
  console.log(`${name}\t${lo.toFixed(2)}\t${hi.toFixed(2)}\t${(lo / hi).toFixed(2)}`);
});
