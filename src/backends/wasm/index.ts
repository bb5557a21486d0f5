/**
 * The wasm backend: WebAssembly SIMD kernels (matmul, unary maps, broadcasting binary
 * ops, sum/max/min reductions, im2col/col2im, fused conv2d, max pooling, softmax,
 * layer norm, dropout masks, Adam, LSTM/GRU cells) layered over the JS reference by
 * the one routing path (../layer.ts): the op table's thresholds decide per call
 * whether the copy into wasm memory pays off; other dtypes, ops and small calls run
 * on JS.
 */
import { referenceBackend, type Backend, type ConvGeom } from "../backend.js";
import { layer, onRouting, setRouting, type RoutingMode } from "../layer.js";
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD } from "../ops.generated.js";
import { loadRuntime, runtimeReady, type Runtime, type WasmVariant } from "./runtime.js";
import { coreCount, Pool } from "./pool.js";
import { GEMM_THREAD_MIN_FLOPS, gemmConfig, wasmMatmul } from "./matmul.js";
import { wasmBinary, wasmReluBackward, wasmUnary } from "./elementwise.js";
import { wasmReduce } from "./reduce.js";
import { type ConvOperands, wasmCol2im, wasmConv2d, wasmIm2col } from "./conv.js";
import { wasmMaxPool2d } from "./pooling.js";
import { wasmAdamStep } from "./optim.js";
import { wasmSoftmax, wasmSoftmaxBackward } from "./softmax.js";
import { wasmBernoulliMask } from "./random.js";
import { wasmLayerNorm, wasmLayerNormBackward } from "./norm.js";
import { wasmGruCell, wasmLstmCell, wasmLstmCellBackward } from "./rnn.js";
import { wasmClamp, wasmDepthwise, wasmHardtanhBackward } from "./depthwise.js";

// Forced routing also splits every splittable matmul across the pool, so small tests reach the threads.
onRouting((mode) => { gemmConfig.threadMinFlops = mode === "always" ? 0 : GEMM_THREAD_MIN_FLOPS; });

/** Former name of ../layer.ts setRouting (forces every fast backend's kernels, not only wasm's). */
export function setWasmRouting(mode: RoutingMode): void {
  setRouting(mode);
}

let threads = coreCount();
let pool: Pool | null = null;

function getPool(rt: Runtime): Pool | null {
  if (threads <= 1 || !rt.shared) return null;
  if (!pool) {
    try { pool = new Pool(rt); } catch { threads = 1; return null; }
  }
  pool.grow(threads - 1);
  return pool;
}

/** Sets how many threads big wasm kernels may use (the calling thread included). */
export function setWasmThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  // Lowering the count keeps idle workers asleep (they cost nothing) so raising it again is instant.
  threads = Math.min(n, 64);
}

/** Threads big wasm kernels may use. */
export function getWasmThreads(): number {
  return threads;
}

/** Resolves when the worker pool for the current thread count has started (tests, benchmarks). */
export async function wasmThreadsReady(): Promise<void> {
  const rt = loadRuntime();
  if (!rt) return;
  const p = getPool(rt);
  if (p) await p.whenReady();
}

/** The kernel build in use ("relaxed" = relaxed-SIMD FMA, "simd" = plain SIMD), or null without wasm. */
export function wasmVariant(): WasmVariant | null {
  return loadRuntime()?.variant ?? null;
}

/** Current wasm memory size in bytes (for memory-flatness checks). */
export function wasmMemoryBytes(): number {
  return loadRuntime()?.memory.buffer.byteLength ?? 0;
}

/** Builds the wasm backend, or returns null when this runtime cannot run the kernels. */
export function createWasmBackend(): Backend | null {
  const rt = loadRuntime();
  if (!rt) return null;
  const conv = (mode: number, ops: ConvOperands, n: number, O: number, g: ConvGeom, out: Float32Array) =>
    wasmConv2d(rt, getPool(rt), threads, mode, ops, n, O, g, out, gemmConfig.threadMinFlops);
  return layer("wasm", referenceBackend(), {
    unary: (code, x, out) => wasmUnary(rt, code, x, out),
    binary: (code, a, aShape, b, bShape, out, outShape) => wasmBinary(rt, code, a, aShape, b, bShape, out, outShape),
    reluBackward: (x, g, out) => wasmReluBackward(rt, x, g, out),
    reduce: (code, x, outer, r, inner, out) => wasmReduce(rt, code, x, outer, r, inner, out),
    matmul: (a, b, out, batch, m, n, k, transA, transB, aStride, bStride) =>
      wasmMatmul(rt, getPool(rt), threads, a, b, out, batch, m, n, k, transA, transB, aStride, bStride),
    im2col: (x, n, g, out) => wasmIm2col(rt, x, n, g, out),
    col2im: (cols, n, g, out) => wasmCol2im(rt, cols, n, g, out),
    conv2dFused: {
      forward: (x, w, bias, n, O, g, out) => conv(CONV_FORWARD, { x, w, bias }, n, O, g, out),
      inputGrad: (w, gy, n, O, g, dx) => conv(CONV_INPUT_GRAD, { w, g: gy }, n, O, g, dx),
      weightGrad: (x, gy, n, O, g, dw) => conv(CONV_WEIGHT_GRAD, { x, g: gy }, n, O, g, dw),
    },
    depthwiseConv2d: {
      forward: (x, w, bias, n, g, out) => wasmDepthwise(rt, CONV_FORWARD, { x, w, bias }, n, g, out),
      inputGrad: (w, gy, n, g, dx) => wasmDepthwise(rt, CONV_INPUT_GRAD, { w, gy }, n, g, dx),
      weightGrad: (x, gy, n, g, dw) => wasmDepthwise(rt, CONV_WEIGHT_GRAD, { x, gy }, n, g, dw),
    },
    clamp: (x, lo, hi, out) => wasmClamp(rt, x, lo, hi, out),
    hardtanhBackward: (x, g, lo, hi, out) => wasmHardtanhBackward(rt, x, g, lo, hi, out),
    maxPool2d: (x, planes, H, W, oH, oW, win, out, idx) => wasmMaxPool2d(rt, x, planes, H, W, oH, oW, win, out, idx),
    lstmCell: (gates, cPrev, n, H, hOut, cOut, xAdd) => wasmLstmCell(rt, gates, cPrev, n, H, hOut, cOut, xAdd),
    lstmCellBackward: (act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2) =>
      wasmLstmCellBackward(rt, act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2),
    gruCell: (gx, gh, hPrev, n, H, hOut, act) => wasmGruCell(rt, gx, gh, hPrev, n, H, hOut, act),
    softmax: (x, rows, cols, scale, causalL, log, out) => wasmSoftmax(rt, x, rows, cols, scale, causalL, log, out),
    softmaxBackward: (y, g, rows, cols, scale, log, out) => wasmSoftmaxBackward(rt, y, g, rows, cols, scale, log, out),
    bernoulliMask: (state, threshold, keepValue, out) => wasmBernoulliMask(rt, state, threshold, keepValue, out),
    layerNorm: (x, w, b, rows, D, eps, out, mean, rstd) => wasmLayerNorm(rt, x, w, b, rows, D, eps, out, mean, rstd),
    layerNormBackward: (x, w, mean, rstd, g, rows, D, dx, dw, db) => wasmLayerNormBackward(rt, x, w, mean, rstd, g, rows, D, dx, dw, db),
    adamStep: (p, g, m, v, vmax, h) => wasmAdamStep(rt, p, g, m, v, vmax, h),
  });
}

let cached: Backend | null = null;
/** The wasm backend singleton (null when unavailable, or while an asynchronous load is still running). */
export function wasmBackend(): Backend | null {
  if (!cached) cached = createWasmBackend();
  return cached;
}

/** Resolves with the wasm backend once the kernels have loaded (null when unavailable). */
export async function wasmBackendReady(): Promise<Backend | null> {
  await runtimeReady();
  return wasmBackend();
}
