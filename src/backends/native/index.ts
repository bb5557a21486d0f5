/**
 * The optional native backend (Node only): loads the N-API addon built from
 * native/*.cc at install time, if any, and layers its zero-copy float32 kernels (packed
 * AVX2/FMA GEMM, im2col/col2im and fused conv2d, max pooling, softmax, layer norm,
 * LSTM/GRU cells, unary maps, add/sub/mul/div, sums, strided copies, dropout masks,
 * Adam) over a base backend (wasm, else JS) through the one routing path (../layer.ts).
 * Kernels an older addon lacks, and calls below the op table's thresholds, go to the base.
 */
import type { Backend, ConvGeom, PoolWindows } from "../backend.js";
import { broadcastPlan } from "../broadcast.js";
import { layer, type FastKernels } from "../layer.js";
import type { F64Kernels } from "../f64-kernels.js";
// The addon numbers ops and conv modes from the same op table (native/ops_generated.h).
import { BINARY_CODE, CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD, OP_TABLE_HASH, REDUCE_CODE } from "../ops.generated.js";

/** The addon's surface (see native/addon.cc). */
export interface NativeAddon {
  sgemm(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, aStride: number, bStride: number): void;
  im2col(x: Float32Array, n: number, geom: Int32Array, out: Float32Array): void;
  col2im(cols: Float32Array, n: number, geom: Int32Array, out: Float32Array): void;
  /** conv2d image by image (native/conv.h convFused; absent in addons built before it); see Backend.conv2dFused. */
  convFused?(mode: number, x: Float32Array | null, w: Float32Array | null, bias: Float32Array | null, gy: Float32Array | null,
    out: Float32Array, n: number, O: number, geom: Int32Array): void;
  maxPool2d(x: Float32Array, planes: number, H: number, W: number, oH: number, oW: number, hs: Int32Array, he: Int32Array,
    ws: Int32Array, we: Int32Array, dH: number, dW: number, out: Float32Array, idx: Int32Array): void;
  maxPool2dBackward(g: Float32Array, idx: Int32Array, planes: number, inSize: number, outSize: number, gx: Float32Array): void;
  /** 2x2 windows with stride 2 (absent in addons built before it). */
  maxPool2d2x2?(x: Float32Array, planes: number, H: number, W: number, out: Float32Array, idx: Int32Array): void;
  /** out = g * (x > 0) (absent in addons built before it). */
  reluBackward?(x: Float32Array, g: Float32Array, out: Float32Array): void;
  /** Fused Adam/AdamW update (absent in addons built before it); see Backend.adamStep. */
  adamStep?(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null,
    b1: number, b2: number, stepSize: number, bc2Sqrt: number, eps: number, sign: number, l2: number, decay: number): void;
  /** Row softmax and its backward (AVX2 CPUs only); see Backend.softmax / softmaxBackward. */
  softmax?(x: Float32Array, rows: number, cols: number, scale: number, causalL: number, log: boolean, out: Float32Array): void;
  softmaxBackward?(y: Float32Array, g: Float32Array, rows: number, cols: number, scale: number, log: boolean, out: Float32Array): void;
  /** Broadcast binary ops over a 2-D plan (op codes of ops.generated.ts with a native kernel; absent in older addons). */
  binary?(op: number, a: Float32Array, sa0: number, sa1: number, b: Float32Array, sb0: number, sb1: number, out: Float32Array, n0: number, n1: number): void;
  /** out = op(x) for the unary codes the op table gives a native kernel (AVX2 CPUs only). */
  unary?(op: number, x: Float32Array, out: Float32Array): void;
  /** Strided view ↔ contiguous copies (float32; shape/strides as Int32Array); see Backend.strided / stridedAssign. */
  strided?(x: Float32Array, offset: number, shape: Int32Array, strides: Int32Array, out: Float32Array): void;
  stridedAssign?(src: Float32Array, out: Float32Array, offset: number, shape: Int32Array, strides: Int32Array, accumulate: boolean): void;
  /** Dropout mask draw; see Backend.bernoulliMask. */
  bernoulliMask?(state: Uint32Array, threshold: number, keepValue: number, out: Float32Array): void;
  /** Fused layer norm (AVX2 CPUs only); see Backend.layerNorm / layerNormBackward. */
  layerNorm?(x: Float32Array, w: Float32Array | null, b: Float32Array | null, rows: number, D: number, eps: number,
    out: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  layerNormBackward?(x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, g: Float32Array, rows: number, D: number,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void;
  /** Fused recurrent cells (AVX2 CPUs only); see Backend.lstmCell / lstmCellBackward / gruCell. */
  lstmCell?(gates: Float32Array, cPrev: Float32Array, n: number, H: number, hOut: Float32Array, cOut: Float32Array, xAdd?: Float32Array | null): void;
  lstmCellBackward?(act: Float32Array, cPrev: Float32Array, c: Float32Array, gh: Float32Array | null, gc: Float32Array | null,
    n: number, H: number, dGates: Float32Array, dcPrev: Float32Array, gh2?: Float32Array | null): void;
  /** Sum over the middle axis of [outer, r, inner] (r >= 1; AVX2 CPUs only); see Backend.reduce. */
  reduceSum?(x: Float32Array, outer: number, r: number, inner: number, out: Float32Array): void;
  /** float64 GEMM and LSTM cell (native/f64.cc; absent in addons built before it); see F64Kernels. */
  dgemm?: NonNullable<F64Kernels["matmul"]>;
  binaryF64?(op: number, a: Float64Array, sa0: number, sa1: number, b: Float64Array, sb0: number, sb1: number, out: Float64Array, n0: number, n1: number): void;
  lstmCellF64?: NonNullable<F64Kernels["lstmCell"]>;
  lstmCellBackwardF64?: NonNullable<F64Kernels["lstmCellBackward"]>;
  /** Set when lstmCell / lstmCellBackward take xAdd / gh2 (an older addon would ignore them). */
  rnnAddends?: boolean;
  gruCell?(gx: Float32Array, gh: Float32Array, hPrev: Float32Array, n: number, H: number, hOut: Float32Array, act: Float32Array): void;
  /** Depthwise conv2d, modes as convFused, w [C, kH*kW] (AVX2 CPUs; absent in older addons); see Backend.depthwiseConv2d. */
  depthwiseConv2d?(mode: number, x: Float32Array | null, w: Float32Array | null, bias: Float32Array | null, gy: Float32Array | null,
    out: Float32Array, n: number, geom: Int32Array): void;
  /** out = min(max(x, lo), hi) (AVX2 CPUs; absent in older addons); see Backend.clamp. */
  clamp?(x: Float32Array, lo: number, hi: number, out: Float32Array): void;
  /** out = lo < x < hi ? g : 0 (AVX2 CPUs; absent in older addons); see Backend.hardtanhBackward. */
  hardtanhBackward?(x: Float32Array, g: Float32Array, lo: number, hi: number, out: Float32Array): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Hash of the op table the addon was built from (absent in addons built before the table). */
  opTableHash?(): string;
  cpuFeatures(): string;
}

let addon: NativeAddon | null | undefined;
let loadError = "";

/**
 * `require` for this module in either build: CommonJS has it; in ES modules Node's
 * `createRequire` makes one. Synchronous on purpose: a top-level await here would make
 * the package impossible to `require()` and to bundle as an IIFE.
 */
function nodeRequire(proc: NodeLikeProcess): ((id: string) => unknown) | null {
  const cjs = typeof require === "function" ? require : null;
  if (cjs) return cjs;
  const mod = proc.getBuiltinModule?.("node:module") as typeof import("node:module") | undefined;
  return mod ? mod.createRequire(import.meta.url) : null;
}

type NodeLikeProcess = {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?(id: string): unknown;
};

/** Loads the addon once; null when it was not built or cannot load here. */
export function loadNativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const proc = (globalThis as { process?: NodeLikeProcess }).process;
  if (!proc?.versions?.node || proc.env?.MYELIN_NO_NATIVE) return addon;
  try {
    const req = nodeRequire(proc);
    if (!req) {
      loadError = "no require() in this runtime";
      return addon;
    }
    const { fileURLToPath } = req("node:url") as typeof import("node:url");
    const { join, dirname } = req("node:path") as typeof import("node:path");
    const { existsSync } = req("node:fs") as typeof import("node:fs");
    const here = dirname(typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url));
    // Package root: three levels above src/backends/native and dist/backends/native,
    // four above the CommonJS build's dist/cjs/backends/native.
    const up = typeof __filename === "string" ? ["..", "..", "..", ".."] : ["..", "..", ".."];
    const file = join(here, ...up, "native", "build", "Release", "myelin_native.node");
    if (!existsSync(file)) {
      loadError = "not built";
      return addon;
    }
    addon = req(file) as NativeAddon;
    if (addon.opTableHash?.() !== OP_TABLE_HASH) {
      // Its op codes would name other ops: use the base backend, and say so.
      const why = "the native addon was built from another op table; rebuild it with node scripts/build-native.mjs";
      console.warn(`myelin: ${why}`);
      throw new Error(why);
    }
    // Default to all cores, like the wasm worker pool.
    const os = req("node:os") as typeof import("node:os");
    addon.setNumThreads(typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
  } catch (e) {
    loadError = (e as Error).message;
    addon = null;
  }
  return addon;
}

/** Why the addon is unavailable ("" when it loaded or was not tried). */
export function nativeLoadError(): string {
  return loadError;
}

const geomBuf = new Int32Array(13);

function packGeom(g: ConvGeom): Int32Array {
  geomBuf[0] = g.C; geomBuf[1] = g.H; geomBuf[2] = g.W; geomBuf[3] = g.kH; geomBuf[4] = g.kW;
  geomBuf[5] = g.padT; geomBuf[6] = g.padL; geomBuf[7] = g.sH; geomBuf[8] = g.sW;
  geomBuf[9] = g.dH; geomBuf[10] = g.dW; geomBuf[11] = g.oH; geomBuf[12] = g.oW;
  return geomBuf;
}

/** Whether the windows are the plain 2x2 / stride-2 grid (MaxPool2d(2) without padding or dilation). */
function is2x2(win: PoolWindows, oH: number, oW: number): boolean {
  if (win.dH !== 1 || win.dW !== 1) return false;
  for (let i = 0; i < oH; i++) if (win.hs[i] !== 2 * i || win.he[i] !== 2 * i + 2) return false;
  for (let j = 0; j < oW; j++) if (win.ws[j] !== 2 * j || win.we[j] !== 2 * j + 2) return false;
  return true;
}

/**
 * The addon's kernels in the routing layer's form (sizes and dtypes are checked there).
 * conv2d runs image by image on the fused kernels: no column matrix is written out,
 * copied or transposed (MNIST CNN training step, interleaved A/B, median ms: 1 thread
 * 48.5/56.1/48.6 -> 47.7/48.6/45.9; 2 threads 44.6/45.4 -> 38.7/37.1).
 */
function nativeKernels(native: NativeAddon): FastKernels {
  const fused = native.convFused?.bind(native);
  const dw = native.depthwiseConv2d?.bind(native);
  const { binary, unary, reluBackward, softmax, softmaxBackward, strided, stridedAssign, bernoulliMask, layerNorm, layerNormBackward,
    reduceSum, lstmCell, lstmCellBackward, gruCell, adamStep, maxPool2d2x2 } = native;
  return {
    matmul: (a, b, out, batch, m, n, k, transA, transB, aStride, bStride) => native.sgemm(a, b, out, batch, m, n, k, transA, transB, aStride, bStride),
    im2col: (x, n, g, out) => native.im2col(x, n, packGeom(g), out),
    col2im: (cols, n, g, out) => native.col2im(cols, n, packGeom(g), out),
    conv2dFused: fused && {
      forward: (x, w, bias, n, O, g, out) => fused(CONV_FORWARD, x, w, bias, null, out, n, O, packGeom(g)),
      inputGrad: (w, gy, n, O, g, dx) => fused(CONV_INPUT_GRAD, null, w, null, gy, dx, n, O, packGeom(g)),
      weightGrad: (x, gy, n, O, g, dw) => fused(CONV_WEIGHT_GRAD, x, null, null, gy, dw, n, O, packGeom(g)),
    },
    depthwiseConv2d: dw && {
      forward: (x, w, bias, n, g, out) => dw(CONV_FORWARD, x, w, bias, null, out, n, packGeom(g)),
      inputGrad: (w, gy, n, g, dx) => dw(CONV_INPUT_GRAD, null, w, null, gy, dx, n, packGeom(g)),
      weightGrad: (x, gy, n, g, dwOut) => dw(CONV_WEIGHT_GRAD, x, null, null, gy, dwOut, n, packGeom(g)),
    },
    clamp: native.clamp && ((x, lo, hi, out) => native.clamp!(x, lo, hi, out)),
    hardtanhBackward: native.hardtanhBackward && ((x, g, lo, hi, out) => native.hardtanhBackward!(x, g, lo, hi, out)),
    maxPool2d(x, planes, H, W, oH, oW, win, out, idx) {
      if (maxPool2d2x2 && oH === H >> 1 && oW === W >> 1 && is2x2(win, oH, oW)) native.maxPool2d2x2!(x, planes, H, W, out, idx);
      else native.maxPool2d(x, planes, H, W, oH, oW, win.hs, win.he, win.ws, win.we, win.dH, win.dW, out, idx);
    },
    maxPool2dBackward: (g, idx, planes, inSize, outSize, gx) => native.maxPool2dBackward(g, idx, planes, inSize, outSize, gx),
    reluBackward: reluBackward && ((x, g, out) => native.reluBackward!(x, g, out)),
    softmax: softmax && ((x, rows, cols, scale, causalL, log, out) => native.softmax!(x, rows, cols, scale, causalL, log, out)),
    softmaxBackward: softmaxBackward && ((y, g, rows, cols, scale, log, out) => native.softmaxBackward!(y, g, rows, cols, scale, log, out)),
    binary: binary && ((code, a, aShape, b, bShape, out, outShape) => {
      const p = broadcastPlan(a.length, b.length, aShape, bShape, out.length, outShape);
      if (!p) return false;
      native.binary!(code, a, p[2], p[3], b, p[4], p[5], out, p[0], p[1]);
    }),
    unary: unary && ((code, x, out) => native.unary!(code, x, out)),
    // The addon takes at most 16 dims (its plan lives on the stack).
    strided: strided && ((x, offset, shape, strides, out) => {
      if (shape.length === 0 || shape.length > 16) return false;
      native.strided!(x, offset, Int32Array.from(shape), Int32Array.from(strides), out);
    }),
    stridedAssign: stridedAssign && ((src, out, offset, shape, strides, accumulate) => {
      if (shape.length === 0 || shape.length > 16) return false;
      native.stridedAssign!(src, out, offset, Int32Array.from(shape), Int32Array.from(strides), accumulate);
    }),
    bernoulliMask: bernoulliMask && ((state, threshold, keepValue, out) => native.bernoulliMask!(state, threshold, keepValue, out)),
    layerNorm: layerNorm && ((x, w, b, rows, D, eps, out, mean, rstd) => native.layerNorm!(x, w, b, rows, D, eps, out, mean, rstd)),
    layerNormBackward: layerNormBackward && ((x, w, mean, rstd, g, rows, D, dx, dw, db) => native.layerNormBackward!(x, w, mean, rstd, g, rows, D, dx, dw, db)),
    // Zero-copy sum (bias gradients); the wasm backend's would copy x into wasm memory.
    reduce: reduceSum && ((code, x, outer, r, inner, out) => {
      if (code !== REDUCE_CODE.sum) return false; // the addon only sums; a table entry for another reduction must not reach it
      native.reduceSum!(x, outer, r, inner, out);
    }),
    // An addon without rnnAddends would ignore xAdd / gh2.
    lstmCell: lstmCell && ((gates, cPrev, n, H, hOut, cOut, xAdd) => {
      if (xAdd && !native.rnnAddends) return false;
      native.lstmCell!(gates, cPrev, n, H, hOut, cOut, xAdd);
    }),
    lstmCellBackward: lstmCellBackward && ((act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2) => {
      if (gh2 && !native.rnnAddends) return false;
      native.lstmCellBackward!(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
    }),
    gruCell: gruCell && ((gx, gh, hPrev, n, H, hOut, act) => native.gruCell!(gx, gh, hPrev, n, H, hOut, act)),
    adamStep: adamStep && ((p, g, m, v, vmax, h) => native.adamStep!(p, g, m, v, vmax, h.b1, h.b2, h.stepSize, h.bc2Sqrt, h.eps, h.sign, h.l2, h.decay)),
    f64: native.dgemm && {
      matmul: native.dgemm.bind(native),
      // add, sub, mul, div only (the addon refuses other codes)
      binary: native.binaryF64 && ((code, a, aShape, b, bShape, out, outShape) => {
        if (code > BINARY_CODE.div) return false;
        const p = broadcastPlan(a.length, b.length, aShape, bShape, out.length, outShape);
        if (!p) return false;
        native.binaryF64!(code, a, p[2], p[3], b, p[4], p[5], out, p[0], p[1]);
      }),
      lstmCell: native.lstmCellF64?.bind(native),
      lstmCellBackward: native.lstmCellBackwardF64?.bind(native),
    },
  };
}

/** Wraps `base` (the wasm or JS backend) with the addon's kernels. */
export function makeNativeBackend(base: Backend, native: NativeAddon): Backend {
  return layer("native", base, nativeKernels(native));
}

// Loaded once at import (synchronously), so backend selection stays synchronous.
const loaded = loadNativeAddon();
let cached: Backend | null = null;

/** The addon, if it loaded (for thread control). */
export function nativeAddon(): NativeAddon | null {
  return loaded;
}

/** The native backend over `base` (the wasm or JS backend), or null without the addon. */
export function nativeBackend(base: Backend): Backend | null {
  if (!loaded) return null;
  if (!cached) cached = makeNativeBackend(base, loaded);
  return cached;
}
