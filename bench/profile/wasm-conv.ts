/**
 * Speed of the wasm backend's fused conv2d kernels (Backend.conv2dFused) on the MNIST
 * CNN's layers, through the backend (copy-in, kernel, copy-out): GFLOP/s of forward,
 * input gradient and weight gradient, best and median of ROUNDS rounds (wall time).
 * Usage: node --import tsx bench/profile/wasm-conv.ts [N,C,H,W,O,k,pad ...]  Env: THREADS, ROUNDS.
 */
import * as my from "../../src/index.js";
import { currentBackend, type ConvGeom } from "../../src/backends/backend.js";
import { wasmThreadsReady } from "../../src/backends/wasm/index.js";

my.setBackend("wasm");
my.setNumThreads(Number(process.env.THREADS ?? 1));
await wasmThreadsReady();
const rounds = Number(process.env.ROUNDS ?? 15);
const shapes = process.argv.slice(2).length ? process.argv.slice(2) : ["64,32,14,14,64,3,1", "64,1,28,28,32,3,1"];
const kern = currentBackend().conv2dFused!;
for (const s of shapes) {
  const [N, C, H, W, O, k, pad] = s.split(",").map(Number);
  const oH = H + 2 * pad - k + 1, oW = W + 2 * pad - k + 1, K = C * k * k, L = oH * oW;
  const g: ConvGeom = { C, H, W, kH: k, kW: k, padT: pad, padL: pad, sH: 1, sW: 1, dH: 1, dW: 1, oH, oW };
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const x = rnd(N * C * H * W), w = rnd(O * K), bias = rnd(O), gy = rnd(N * O * L);
  const y = new Float32Array(N * O * L), dx = new Float32Array(N * C * H * W), dw = new Float32Array(O * K);
  const flops = 2 * N * O * K * L;
  const runs: [string, () => void][] = [
    ["forward", () => kern.forward(x, w, bias, N, O, g, y)],
    ["inputGrad", () => kern.inputGrad(w, gy, N, O, g, dx)],
    ["weightGrad", () => kern.weightGrad(x, gy, N, O, g, dw)],
  ];
  const times = runs.map(() => [] as number[]);
  for (const [, f] of runs) f();
  for (let r = 0; r < rounds; r++) {
    runs.forEach(([, f], i) => { const t0 = performance.now(); f(); times[i].push(performance.now() - t0); });
  }
  const cells = runs.map(([name], i) => {
    const t = times[i].sort((a, b) => a - b);
    return `${name} best ${(flops / t[0] / 1e6).toFixed(1)} med ${(flops / t[t.length >> 1] / 1e6).toFixed(1)}`;
  });
  console.log(`${s.padEnd(20)} ${cells.join("  |  ")} GFLOP/s`);
}
