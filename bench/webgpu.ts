/**
 * `npm run bench -- --device webgpu`: the WGSL kernels' speed on whatever adapter
 * WebGPU finds (its name goes in the results), timed from the host with one readback
 * per batch of dispatches, so each figure includes submit latency; then the four
 * training workloads on the device beside the CPU backend. On SwiftShader (no GPU)
 * the numbers measure a CPU emulation and say nothing about GPU speed.
 */
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { webgpu, webgpuKernels as K } from "../src/backends/webgpu/index.js";
import type { ConvGeom } from "../src/backends/backend.js";
import * as my from "../src/index.js";
import { stepsPerSecond, trainWorkloads } from "./webgpu-train.js";

const ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD) && process.argv.includes("--swiftshader")) process.env.VK_ICD_FILENAMES = ICD;
if (!(await webgpu.init({ powerPreference: "high-performance" }))) {
  console.error(`bench --device webgpu: no adapter (${webgpu.lastError()})`);
  process.exit(1);
}
const info = webgpu.adapterInfo()!;
const adapter = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" / ") || "unnamed adapter";
const quick = process.argv.includes("--quick");

/** Seconds per call of `fn`: repeats until `minSeconds` of wall time, syncing with one readback per batch. */
async function time(fn: () => { buffer: unknown }, sync: (b: never) => Promise<unknown>, minSeconds = quick ? 0.3 : 1.5): Promise<number> {
  await sync(fn().buffer as never); // warm-up: compiles the pipeline
  let reps = 1, total = 0, calls = 0;
  while (total < minSeconds) {
    const t0 = performance.now();
    let last = fn();
    for (let i = 1; i < reps; i++) last = fn();
    await sync(last.buffer as never);
    total += (performance.now() - t0) / 1000;
    calls += reps;
    reps *= 2;
  }
  return total / calls;
}

const rows: string[] = [];
const rand = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const read1 = (b: never) => K.readFloat32(b, 1);

for (const N of quick ? [256, 512] : [256, 512, 1024, 2048]) {
  const a = K.upload(rand(N * N)), b = K.upload(rand(N * N));
  const s = await time(() => ({ buffer: K.matmul(K.operand(a, N, N), K.operand(b, N, N), 1, N, N, N) }), read1);
  rows.push(`| matmul ${N}x${N}x${N} | ${(2 * N ** 3 / s / 1e9).toFixed(1)} GFLOP/s | ${(s * 1e3).toFixed(3)} ms |`);
}

function geom(C: number, H: number, k: number, s: number, p: number): ConvGeom {
  const o = Math.floor((H + 2 * p - k) / s) + 1;
  return { C, H, W: H, kH: k, kW: k, padT: p, padL: p, sH: s, sW: s, dH: 1, dW: 1, oH: o, oW: o };
}
const convs: [string, number, number, ConvGeom][] = [
  ["MNIST conv2 (batch 64, 32->64, 3x3 on 14x14)", 64, 64, geom(32, 14, 3, 1, 1)],
  ["ResNet-18 layer2 conv (batch 8, 128->128, 3x3 on 28x28)", 8, 128, geom(128, 28, 3, 1, 1)],
];
for (const [name, n, O, g] of convs) {
  const x = K.upload(rand(n * g.C * g.H * g.W)), w = K.upload(rand(O * g.C * 9));
  const s = await time(() => ({ buffer: K.conv2dForward(x, w, null, n, O, g) }), read1);
  const flops = 2 * n * O * g.oH * g.oW * g.C * g.kH * g.kW;
  rows.push(`| conv2d forward, ${name} | ${(flops / s / 1e9).toFixed(1)} GFLOP/s | ${(s * 1e3).toFixed(3)} ms |`);
}

// The four training workloads on the device, with the CPU backend in the same run.
const swift = /swiftshader/i.test(adapter);
const scale = swift || quick ? 0.125 : 1;
const trainRows: string[] = [];
for (const device of ["webgpu", "cpu"] as const) {
  for (const w of trainWorkloads(scale, device)) {
    const sps = await stepsPerSecond(w.build(), quick || swift ? 0.5 : 3);
    trainRows.push(`| ${w.name} | ${device === "cpu" ? `cpu (${my.backend()})` : "webgpu"} | ${(sps * w.perStep).toFixed(1)} ${w.unit} |`);
  }
}

const md = [
  `# myelin WebGPU kernels ${new Date().toISOString().slice(0, 10)}${quick ? " (quick)" : ""}`, "",
  `- Adapter: ${adapter}${process.env.VK_ICD_FILENAMES?.includes("swiftshader") ? " (SwiftShader: a CPU emulation, not GPU speed)" : ""}`,
  `- Timing: host wall clock, one readback per batch of dispatches (submit latency included)`, "",
  "| kernel | speed | time per call |", "|---|---:|---:|", ...rows, "",
  `Training (Adam steps, PyTorch API, same run${scale < 1 ? `; batches scaled by ${scale} on this adapter` : ""}):`, "",
  "| workload | device | speed |", "|---|---|---:|", ...trainRows, "",
].join("\n");
console.log(md);
const dir = join(fileURLToPath(new URL(".", import.meta.url)), "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date().toISOString().slice(0, 10)}-webgpu${quick ? "-quick" : ""}.md`);
writeFileSync(file, md);
console.error(`bench: wrote ${file}`);
process.exit(0);
