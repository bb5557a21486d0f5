/**
 * A/B of the wasm GEMM's cache blocking: builds assembly/gemm.ts once per KC_MC variant
 * (relaxed-SIMD, the flags of scripts/build-wasm.mjs), runs each module's single-thread
 * sgemm on the same data, interleaved call by call so every variant sees the same phases
 * of the host, and prints best / p25 / median / mean GFLOP/s. Usage:
 * SHAPE=m,n,k TRANS=0,1 MS=60000 node --import tsx bench/profile/wasm-gemm-blocking.ts 256_128 512_128
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import asc from "assemblyscript/asc";

setFlagsFromString("--experimental-wasm-relaxed-simd");
const [M, N, K] = (process.env.SHAPE ?? "1024,1024,1024").split(",").map(Number);
const [TA, TB] = (process.env.TRANS ?? "0,0").split(",").map(Number);
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ["256_128", "512_128"];
const source = readFileSync(new URL("../../assembly/gemm.ts", import.meta.url), "utf8");
const dir = mkdtempSync(join(tmpdir(), "gemm-blocking-"));
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const a = rand(M * K), b = rand(K * N);

interface Exports { sgemm(...args: number[]): void; gemmScratchBytes(): number }
const runs = [];
for (const v of variants) {
  const [kc, mc] = v.split("_");
  const patched = source.replace(/export const KC: i32 = \d+;/, `export const KC: i32 = ${kc};`)
    .replace(/export const MC: i32 = \d+;/, `export const MC: i32 = ${mc};`);
  writeFileSync(join(dir, `g${v}.ts`), patched);
  writeFileSync(join(dir, `e${v}.ts`), `export { sgemm, gemmScratchBytes } from "./g${v}";\n`);
  const out = join(dir, `k${v}.wasm`);
  const { error, stderr } = await asc.main([join(dir, `e${v}.ts`), "-O3", "--noAssert", "--runtime", "stub", "--importMemory",
    "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536", "--enable", "simd,threads,relaxed-simd", "--outFile", out], {});
  if (error) throw new Error(`asc failed for ${v}: ${stderr}`);
  const memory = new WebAssembly.Memory({ initial: 17, maximum: 65536, shared: true });
  const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), { env: { memory } }).exports as unknown as Exports;
  const scratch = 1 << 20, pa = (scratch + k.gemmScratchBytes() + 4095) & ~4095, pb = pa + 4 * M * K, pc = pb + 4 * K * N;
  memory.grow(Math.ceil((pc + 4 * M * N) / 65536));
  const f = new Float32Array(memory.buffer);
  f.set(a, pa >>> 2);
  f.set(b, pb >>> 2);
  runs.push({ v, t: [] as number[], run: () => k.sgemm(pa, pb, pc, M, N, K, TA, TB, 0, 0, 0, 1, 0, M, 0, N, scratch) });
}
const t0 = performance.now();
while (performance.now() - t0 < Number(process.env.MS ?? 30000)) {
  for (const r of runs) { const s = performance.now(); r.run(); r.t.push(performance.now() - s); }
}
const gf = (ms: number) => (2 * M * N * K / ms / 1e6).toFixed(1);
for (const r of runs) {
  const x = r.t.sort((p, q) => p - q), q = (f: number) => gf(x[Math.floor(f * (x.length - 1))]);
  console.log(`KC_MC ${r.v}: best ${q(0)} p25 ${q(0.25)} median ${q(0.5)} mean ${gf(x.reduce((p, c) => p + c, 0) / x.length)} (${x.length} calls)`);
}
