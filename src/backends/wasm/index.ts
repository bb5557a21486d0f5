/**
 * The wasm backend: the JS reference backend with its hot float32 kernels (matmul,
 * unary maps, broadcasting binary ops, sum/max/min reductions) replaced by
 * WebAssembly SIMD kernels, plus im2col/col2im, max pooling and the fused LSTM/GRU cell steps, routed by size so the copy into wasm memory pays off.
 * Every other kernel, dtype or layout falls back to JS per call.
 */
import type { Backend, BinaryOp, ConvGeom, ReduceOp, UnaryOp } from "../backend.js";
import { jsBackend } from "../js/index.js";
import type { TypedArray } from "../../core/dtype.js";
import { loadRuntime, runtimeReady, type Runtime, type WasmVariant } from "./runtime.js";
import { coreCount, Pool } from "./pool.js";
import { GEMM_MIN_MACS, GEMM_THREAD_MIN_FLOPS, gemmConfig, wasmMatmul } from "./matmul.js";
import { BINARY_CODES, UNARY_CODES, wasmBinary, wasmReluBackward, wasmUnary } from "./elementwise.js";
import { REDUCE_CODES, wasmReduce } from "./reduce.js";
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD, type ConvOperands, wasmCol2im, wasmConv2d, wasmIm2col } from "./conv.js";
import { wasmMaxPool2d } from "./pooling.js";
import { wasmAdamStep } from "./optim.js";
import { wasmSoftmax, wasmSoftmaxBackward } from "./softmax.js";
import { wasmBernoulliMask } from "./random.js";
import { wasmLayerNorm, wasmLayerNormBackward } from "./norm.js";
import { wasmGruCell, wasmLstmCell, wasmLstmCellBackward } from "./rnn.js";

/**
 * Minimum element counts for routing to wasm, measured with bench/thresholds.ts on
 * a 2-core Zen 4 (Node 20): transcendental maps win from ~64 elements (JS Math.exp and
 * tanh are slow), everything else from ~256 (below that the copies and the call cost
 * more than the JS loop). Matmul wins from ~8x8x8 (GEMM_MIN_MACS in matmul.ts).
 */
const AUTO_UNARY_MIN: Partial<Record<UnaryOp, number>> = {
  exp: 64, log: 64, tanh: 64, sigmoid: 64,
  neg: 256, abs: 256, sqrt: 256, rsqrt: 256, square: 256, reciprocal: 256, relu: 256, step: 256,
};
const AUTO_BINARY_MIN: Partial<Record<BinaryOp, number>> = { add: 256, sub: 256, mul: 256, div: 256, maximum: 256, minimum: 256 };
const AUTO_REDUCE_MIN: Partial<Record<ReduceOp, number>> = { sum: 256, max: 256, min: 256 };
let UNARY_MIN = AUTO_UNARY_MIN, BINARY_MIN = AUTO_BINARY_MIN, REDUCE_MIN = AUTO_REDUCE_MIN;
let MATMUL_MIN = GEMM_MIN_MACS;
/** Recurrent cells are sigmoid/tanh bound: wasm wins from a few dozen hidden units (n*H). */
const AUTO_CELL_MIN = 64;
let CELL_MIN = AUTO_CELL_MIN;
/** im2col/col2im are memory-bound; wasm (bulk copies) wins once the column matrix is a few thousand floats. */
const AUTO_CONV_MIN = 4096;
let CONV_MIN = AUTO_CONV_MIN;

/**
 * Testing hook: "always" routes every supported float32 call to wasm regardless of
 * size and splits every splittable matmul across the pool (so small fixtures exercise
 * the kernels and the threads), "auto" restores the measured thresholds.
 */
export function setWasmRouting(mode: "always" | "auto"): void {
  const zero = <K extends string>(t: Partial<Record<K, number>>) =>
    Object.fromEntries(Object.keys(t).map((k) => [k, 0])) as Partial<Record<K, number>>;
  UNARY_MIN = mode === "always" ? zero(AUTO_UNARY_MIN) : AUTO_UNARY_MIN;
  BINARY_MIN = mode === "always" ? zero(AUTO_BINARY_MIN) : AUTO_BINARY_MIN;
  REDUCE_MIN = mode === "always" ? zero(AUTO_REDUCE_MIN) : AUTO_REDUCE_MIN;
  MATMUL_MIN = mode === "always" ? 0 : GEMM_MIN_MACS;
  gemmConfig.threadMinFlops = mode === "always" ? 0 : GEMM_THREAD_MIN_FLOPS;
  CELL_MIN = mode === "always" ? 0 : AUTO_CELL_MIN;
  CONV_MIN = mode === "always" ? 0 : AUTO_CONV_MIN;
  SOFTMAX_MIN = mode === "always" ? 0 : 64;
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
  const js = jsBackend;
  const conv = (mode: number, ops: ConvOperands, n: number, O: number, g: ConvGeom, out: Float32Array) =>
    wasmConv2d(rt, getPool(rt), threads, mode, ops, n, O, g, out, gemmConfig.threadMinFlops);
  return {
    ...js,
    name: "wasm",
    unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
      const code = UNARY_CODES[op], min = UNARY_MIN[op];
      if (code !== undefined && min !== undefined && x.length >= min && x instanceof Float32Array && out instanceof Float32Array) {
        return wasmUnary(rt, code, x, out);
      }
      js.unary(op, x, out);
    },
    binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void {
      const code = BINARY_CODES[op], min = BINARY_MIN[op];
      if (code !== undefined && min !== undefined && out.length >= min && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array &&
        wasmBinary(rt, code, a, aShape, b, bShape, out, outShape)) return;
      js.binary(op, a, aShape, b, bShape, out, outShape);
    },
    reluBackward(x, g, out): void {
      if (out.length >= UNARY_MIN.relu! && f32(x, g, out)) return wasmReluBackward(rt, x as Float32Array, g as Float32Array, out as Float32Array);
      js.reluBackward(x, g, out);
    },
    reduce(op: ReduceOp, x: TypedArray, outer: number, r: number, inner: number, out: TypedArray): void {
      const code = REDUCE_CODES[op], min = REDUCE_MIN[op];
      if (code !== undefined && min !== undefined && outer * r * inner >= min && r > 0 && x instanceof Float32Array && out instanceof Float32Array) {
        return wasmReduce(rt, code, x, outer, r, inner, out);
      }
      js.reduce(op, x, outer, r, inner, out);
    },
    matmul(a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, n: number, k: number,
      transA: boolean, transB: boolean, aStride: number, bStride: number): void {
      if (m * n * k >= MATMUL_MIN && a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
        return wasmMatmul(rt, getPool(rt), threads, a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
      }
      js.matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
    },
    im2col(x, n, g, out): void {
      if (out.length >= CONV_MIN && f32(x, out)) return wasmIm2col(rt, x as Float32Array, n, g, out as Float32Array);
      js.im2col(x, n, g, out);
    },
    col2im(cols, n, g, out): void {
      if (cols.length >= CONV_MIN && f32(cols, out)) return wasmCol2im(rt, cols as Float32Array, n, g, out as Float32Array);
      js.col2im(cols, n, g, out);
    },
    conv2dFused: {
      forward: (x, w, bias, n, O, g, out) => conv(CONV_FORWARD, { x, w, bias }, n, O, g, out),
      inputGrad: (w, gy, n, O, g, dx) => conv(CONV_INPUT_GRAD, { w, g: gy }, n, O, g, dx),
      weightGrad: (x, gy, n, O, g, dw) => conv(CONV_WEIGHT_GRAD, { x, g: gy }, n, O, g, dw),
    },
    maxPool2d(x, planes, H, W, oH, oW, win, out, idx): void {
      if (planes * H * W >= CONV_MIN && f32(x, out)) return wasmMaxPool2d(rt, x as Float32Array, planes, H, W, oH, oW, win, out as Float32Array, idx);
      js.maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
    },
    lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd = null): void {
      if (n * H >= CELL_MIN && f32(gates, cPrev, hOut, cOut) && f32orNull(xAdd)) {
        return wasmLstmCell(rt, gates as Float32Array, cPrev as Float32Array, n, H, hOut as Float32Array, cOut as Float32Array, xAdd as Float32Array | null);
      }
      js.lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd);
    },
    lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2 = null): void {
      if (n * H >= CELL_MIN && f32(act, cPrev, c, dGates, dcPrev) && f32orNull(gh, gc, gh2)) {
        return wasmLstmCellBackward(rt, act as Float32Array, cPrev as Float32Array, c as Float32Array, gh as Float32Array | null,
          gc as Float32Array | null, n, H, dGates as Float32Array, dcPrev as Float32Array, gh2 as Float32Array | null);
      }
      js.lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
    },
    softmax(x, rows, cols, scale, causalL, log, out): void {
      if (rows * cols >= SOFTMAX_MIN && f32(x, out)) return wasmSoftmax(rt, x as Float32Array, rows, cols, scale, causalL, log, out as Float32Array);
      js.softmax(x, rows, cols, scale, causalL, log, out);
    },
    softmaxBackward(y, g, rows, cols, scale, log, out): void {
      if (rows * cols >= SOFTMAX_MIN && f32(y, g, out)) return wasmSoftmaxBackward(rt, y as Float32Array, g as Float32Array, rows, cols, scale, log, out as Float32Array);
      js.softmaxBackward(y, g, rows, cols, scale, log, out);
    },
    bernoulliMask(state, threshold, keepValue, out): void {
      if (out.length >= SOFTMAX_MIN && out instanceof Float32Array) return wasmBernoulliMask(rt, state, threshold, keepValue, out);
      js.bernoulliMask(state, threshold, keepValue, out);
    },
    layerNorm(x, w, b, rows, D, eps, out, mean, rstd): void {
      if (D > 0 && rows * D >= SOFTMAX_MIN && f32(x, out, mean, rstd) && f32orNull(w, b)) {
        return wasmLayerNorm(rt, x as Float32Array, w as Float32Array | null, b as Float32Array | null, rows, D, eps, out as Float32Array, mean as Float32Array, rstd as Float32Array);
      }
      js.layerNorm(x, w, b, rows, D, eps, out, mean, rstd);
    },
    layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db): void {
      if (D > 0 && rows * D >= SOFTMAX_MIN && f32(x, mean, rstd, g) && f32orNull(w, dx, dw, db)) {
        return wasmLayerNormBackward(rt, x as Float32Array, w as Float32Array | null, mean as Float32Array, rstd as Float32Array, g as Float32Array, rows, D,
          dx as Float32Array | null, dw as Float32Array | null, db as Float32Array | null);
      }
      js.layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db);
    },
    adamStep(p, g, m, v, vmax, h): void {
      if (p.length >= ADAM_MIN && f32(p, g, m, v) && (vmax === null || vmax instanceof Float32Array)) {
        return wasmAdamStep(rt, p as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, vmax as Float32Array | null, h);
      }
      js.adamStep(p, g, m, v, vmax, h);
    },
    gruCell(gx, gh, hPrev, n, H, hOut, act): void {
      if (n * H >= CELL_MIN && f32(gx, gh, hPrev, hOut, act)) return wasmGruCell(rt, gx as Float32Array, gh as Float32Array, hPrev as Float32Array, n, H, hOut as Float32Array, act as Float32Array);
      js.gruCell(gx, gh, hPrev, n, H, hOut, act);
    },
  };
}

/** Softmax is exp-bound, so wasm wins early, as for the transcendental unary maps. */
let SOFTMAX_MIN = 64;

/** Narrows to "each float32 or null". */
function f32orNull(...xs: (TypedArray | null)[]): boolean {
  for (const x of xs) if (x !== null && !(x instanceof Float32Array)) return false;
  return true;
}

/** Adam parameters shorter than this update in JS (the call and copies cost more). */
const ADAM_MIN = 256;

/** Narrows to "all float32" (the only dtype the wasm kernels take). */
function f32(...xs: TypedArray[]): boolean {
  for (const x of xs) if (!(x instanceof Float32Array)) return false;
  return true;
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
