/**
 * Page entry for the Chromium WebGPU test: finds the browser's adapter (navigator.gpu),
 * runs the WGSL matmul (both GEMM forms), conv2d forward and its two gradients, and
 * softmax on it, and the CPU backend's kernels on the same data, and reports the largest
 * relative differences. Bundled and run by test/webgpu/chromium.ts.
 */
import { webgpu, webgpuKernels as K } from "../../../src/backends/webgpu/index.js";
import { softmax } from "../../../src/backends/js/softmax.js";
import { jsBackend } from "../../../src/backends/js/index.js";
import type { ConvGeom } from "../../../src/backends/backend.js";

let seed = 7;
const randn = (n: number) => Float32Array.from({ length: n }, () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32 * 4 - 2; });

/** max |got - want| / (1 + |want|). */
function err(got: Float32Array, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let e = 0;
  for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])) || (Number.isNaN(got[i]) ? Infinity : 0));
  return e;
}

export default async function run(): Promise<Record<string, unknown>> {
  const hasNavigatorGpu = typeof navigator !== "undefined" && "gpu" in navigator;
  if (!(await webgpu.init())) return { hasNavigatorGpu, adapter: null, reason: webgpu.lastError() };
  const errors: Record<string, number> = {};
  const M = 37, N = 70, Kd = 45;
  const a = randn(M * Kd), b = randn(Kd * N);
  const want = new Float32Array(M * N);
  jsBackend.matmul(a, b, want, 1, M, N, Kd, false, false, 0, 0);
  for (const style of ["tiled", "direct"] as const) {
    K.setGemmStyle(style);
    errors[`matmul ${style}`] = err(await K.readFloat32(K.matmul(K.operand(K.upload(a), M, Kd), K.operand(K.upload(b), Kd, N), 1, M, N, Kd), M * N), want);
  }
  K.setGemmStyle(null);

  const n = 2, C = 3, O = 4, H = 8;
  const g: ConvGeom = { C, H, W: H, kH: 3, kW: 3, padT: 1, padL: 1, sH: 1, sW: 1, dH: 1, dW: 1, oH: H, oW: H };
  const x = randn(n * C * H * H), w = randn(O * C * 9), bias = randn(O), gy = randn(n * O * H * H);
  // The CPU backend's convolution: im2col, GEMMs, col2im.
  const P = H * H, CK = C * 9;
  const cols = new Float32Array(n * CK * P);
  jsBackend.im2col(x, n, g, cols);
  const y = new Float32Array(n * O * P), dcols = new Float32Array(cols.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  jsBackend.matmul(w, cols, y, n, O, P, CK, false, false, 0, CK * P);
  for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / P) % O];
  jsBackend.matmul(w, gy, dcols, n, CK, P, O, true, false, 0, O * P);
  jsBackend.col2im(dcols, n, g, dx);
  const part = new Float32Array(O * CK);
  for (let img = 0; img < n; img++) {
    jsBackend.matmul(gy.subarray(img * O * P), cols.subarray(img * CK * P), part, 1, O, CK, P, false, true, 0, 0);
    for (let i = 0; i < part.length; i++) dw[i] += part[i];
  }
  const [xb, wb, gyb] = [x, w, gy].map((v) => K.upload(v));
  errors["conv2d forward"] = err(await K.readFloat32(K.conv2dForward(xb, wb, K.upload(bias), n, O, g), y.length), y);
  errors["conv2d input grad"] = err(await K.readFloat32(K.conv2dInputGrad(wb, gyb, n, O, g), dx.length), dx);
  errors["conv2d weight grad"] = err(await K.readFloat32(K.conv2dWeightGrad(xb, gyb, n, O, g), dw.length), dw);

  const rows = 5, width = 300, s = randn(rows * width);
  const sm = new Float32Array(rows * width);
  softmax(s, rows, width, 1, 0, false, sm);
  errors.softmax = err(await K.readFloat32(K.softmax(K.upload(s), rows, width), rows * width), sm);
  return { hasNavigatorGpu, adapter: webgpu.adapterInfo(), errors };
}
