/**
 * The optional native backend (Node only): loads the N-API addon built from
 * native/*.cc at install time, if any, and overrides the float32 GEMM with its
 * packed AVX2/FMA kernel. Everything else falls through to the base backend.
 */
import type { Backend, BinaryOp, ConvGeom, PoolWindows, UnaryOp } from "../backend.js";
import { plan2d } from "../wasm/elementwise.js";
// The addon numbers the conv modes as assembly/conv-gemm.ts does (native/conv.h kConv*).
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD } from "../wasm/conv.js";

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
  /** Broadcast add/sub/mul/div over a 2-D plan (op codes of wasm/elementwise.ts; absent in older addons). */
  binary?(op: number, a: Float32Array, sa0: number, sa1: number, b: Float32Array, sb0: number, sb1: number, out: Float32Array, n0: number, n1: number): void;
  /** out = op(x) for the unary codes of wasm/elementwise.ts in NATIVE_UNARY (AVX2 CPUs only). */
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
  /** Set when lstmCell / lstmCellBackward take xAdd / gh2 (an older addon would ignore them). */
  rnnAddends?: boolean;
  gruCell?(gx: Float32Array, gh: Float32Array, hPrev: Float32Array, n: number, H: number, hOut: Float32Array, act: Float32Array): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
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

// Below this many multiply-adds the N-API call (~130 ns) costs more than it saves.
const MIN_MACS = 4096;

const geomBuf = new Int32Array(13);

function packGeom(g: ConvGeom): Int32Array {
  geomBuf[0] = g.C; geomBuf[1] = g.H; geomBuf[2] = g.W; geomBuf[3] = g.kH; geomBuf[4] = g.kW;
  geomBuf[5] = g.padT; geomBuf[6] = g.padL; geomBuf[7] = g.sH; geomBuf[8] = g.sW;
  geomBuf[9] = g.dH; geomBuf[10] = g.dW; geomBuf[11] = g.oH; geomBuf[12] = g.oW;
  return geomBuf;
}

const f32 = (...xs: unknown[]): boolean => xs.every((x) => x instanceof Float32Array);
const f32orNull = (...xs: unknown[]): boolean => xs.every((x) => x === null || x instanceof Float32Array);

/** Whether the windows are the plain 2x2 / stride-2 grid (MaxPool2d(2) without padding or dilation). */
function is2x2(win: PoolWindows, oH: number, oW: number): boolean {
  if (win.dH !== 1 || win.dW !== 1) return false;
  for (let i = 0; i < oH; i++) if (win.hs[i] !== 2 * i || win.he[i] !== 2 * i + 2) return false;
  for (let j = 0; j < oW; j++) if (win.ws[j] !== 2 * j || win.we[j] !== 2 * j + 2) return false;
  return true;
}

/** Op codes of native/elementwise.cc (the others, e.g. NaN-propagating maximum, stay on the base backend). */
const NATIVE_BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };
/** Unary op codes (wasm/elementwise.ts numbering) with a native AVX2 loop; log etc. stay on the base backend. */
const NATIVE_UNARY: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 1, sqrt: 2, square: 4, relu: 6, exp: 7, tanh: 9, sigmoid: 10, step: 11 };
/** Strided copies smaller than this stay in JS (the call and the shape arrays cost more). */
const STRIDED_MIN = 1024;
// Below this the N-API call costs more than the loop saves.
const BINARY_MIN = 64;
/** As the wasm backend's sum threshold, so the two backends give the same bits at every size. */
const REDUCE_SUM_MIN = 256;

/** The 2-D broadcast plan [n0, n1, sa0, sa1, sb0, sb1] (fast paths first), or null. */
function plan(na: number, nb: number, aShape: readonly number[], bShape: readonly number[], total: number, outShape: readonly number[]): number[] | null {
  if (na === total && nb === total) return [1, total, 0, 1, 0, 1];
  if (nb === 1 && na === total) return [1, total, 0, 1, 0, 0];
  if (na === 1 && nb === total) return [1, total, 0, 0, 0, 1];
  return plan2d(aShape, bShape, outShape);
}

/**
 * conv2d image by image on the addon's fused kernels: no column matrix is written out,
 * copied or transposed. They replaced one GEMM over the whole batch (MNIST CNN training
 * step, interleaved A/B, median ms: 1 thread 48.5/56.1/48.6 -> 47.7/48.6/45.9; 2 threads
 * 44.6/45.4 -> 38.7/37.1). An addon built before them keeps the base backend's.
 */
function convKernels(native: NativeAddon, base: Backend): Pick<Backend, "conv2dFused"> {
  const fused = native.convFused?.bind(native);
  if (!fused) return { conv2dFused: base.conv2dFused };
  return {
    conv2dFused: {
      forward: (x, w, bias, n, O, g, out) => fused(CONV_FORWARD, x, w, bias, null, out, n, O, packGeom(g)),
      inputGrad: (w, gy, n, O, g, dx) => fused(CONV_INPUT_GRAD, null, w, null, gy, dx, n, O, packGeom(g)),
      weightGrad: (x, gy, n, O, g, dw) => fused(CONV_WEIGHT_GRAD, x, null, null, gy, dw, n, O, packGeom(g)),
    },
  };
}

/** Wraps `base`, routing float32 GEMMs, im2col/col2im and max pooling to the addon. */
export function makeNativeBackend(base: Backend, native: NativeAddon): Backend {
  return {
    ...base,
    name: "native",
    ...convKernels(native, base),
    im2col(x, n, g, out) {
      if (f32(x, out)) native.im2col(x as Float32Array, n, packGeom(g), out as Float32Array);
      else base.im2col(x, n, g, out);
    },
    col2im(cols, n, g, out) {
      if (f32(cols, out)) native.col2im(cols as Float32Array, n, packGeom(g), out as Float32Array);
      else base.col2im(cols, n, g, out);
    },
    maxPool2d(x, planes, H, W, oH, oW, win, out, idx) {
      if (native.maxPool2d2x2 && x instanceof Float32Array && out instanceof Float32Array && oH === H >> 1 && oW === W >> 1 && is2x2(win, oH, oW)) {
        native.maxPool2d2x2(x, planes, H, W, out, idx);
      } else if (f32(x, out)) native.maxPool2d(x as Float32Array, planes, H, W, oH, oW, win.hs, win.he, win.ws, win.we, win.dH, win.dW, out as Float32Array, idx);
      else base.maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
    },
    maxPool2dBackward(g, idx, planes, inSize, outSize, gx) {
      if (f32(g, gx)) native.maxPool2dBackward(g as Float32Array, idx, planes, inSize, outSize, gx as Float32Array);
      else base.maxPool2dBackward(g, idx, planes, inSize, outSize, gx);
    },
    reluBackward(x, g, out) {
      if (native.reluBackward && x instanceof Float32Array && g instanceof Float32Array && out instanceof Float32Array) native.reluBackward(x, g, out);
      else base.reluBackward(x, g, out);
    },
    softmax(x, rows, cols, scale, causalL, log, out) {
      if (native.softmax && f32(x, out)) native.softmax(x as Float32Array, rows, cols, scale, causalL, log, out as Float32Array);
      else base.softmax(x, rows, cols, scale, causalL, log, out);
    },
    softmaxBackward(y, g, rows, cols, scale, log, out) {
      if (native.softmaxBackward && f32(y, g, out)) native.softmaxBackward(y as Float32Array, g as Float32Array, rows, cols, scale, log, out as Float32Array);
      else base.softmaxBackward(y, g, rows, cols, scale, log, out);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = NATIVE_BINARY[op];
      if (native.binary && code !== undefined && out.length >= BINARY_MIN && f32(a, b, out)) {
        const p = plan(a.length, b.length, aShape, bShape, out.length, outShape);
        if (p) return native.binary(code, a as Float32Array, p[2], p[3], b as Float32Array, p[4], p[5], out as Float32Array, p[0], p[1]);
      }
      base.binary(op, a, aShape, b, bShape, out, outShape);
    },
    unary(op, x, out) {
      const code = NATIVE_UNARY[op];
      if (native.unary && code !== undefined && out.length >= BINARY_MIN && f32(x, out)) native.unary(code, x as Float32Array, out as Float32Array);
      else base.unary(op, x, out);
    },
    strided(x, offset, shape, strides, out) {
      if (native.strided && out.length >= STRIDED_MIN && shape.length > 0 && shape.length <= 16 && f32(x, out)) {
        native.strided(x as Float32Array, offset, Int32Array.from(shape), Int32Array.from(strides), out as Float32Array);
      } else base.strided(x, offset, shape, strides, out);
    },
    stridedAssign(src, out, offset, shape, strides, accumulate) {
      if (native.stridedAssign && src.length >= STRIDED_MIN && shape.length > 0 && shape.length <= 16 && f32(src, out)) {
        native.stridedAssign(src as Float32Array, out as Float32Array, offset, Int32Array.from(shape), Int32Array.from(strides), accumulate);
      } else base.stridedAssign(src, out, offset, shape, strides, accumulate);
    },
    bernoulliMask(state, threshold, keepValue, out) {
      if (native.bernoulliMask && out instanceof Float32Array && out.length >= 64) native.bernoulliMask(state, threshold, keepValue, out);
      else base.bernoulliMask(state, threshold, keepValue, out);
    },
    layerNorm(x, w, b, rows, D, eps, out, mean, rstd) {
      if (native.layerNorm && D > 0 && f32(x, out, mean, rstd) && f32orNull(w, b)) {
        native.layerNorm(x as Float32Array, w as Float32Array | null, b as Float32Array | null, rows, D, eps, out as Float32Array, mean as Float32Array, rstd as Float32Array);
      } else base.layerNorm(x, w, b, rows, D, eps, out, mean, rstd);
    },
    layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db) {
      if (native.layerNormBackward && D > 0 && f32(x, mean, rstd, g) && f32orNull(w, dx, dw, db)) {
        native.layerNormBackward(x as Float32Array, w as Float32Array | null, mean as Float32Array, rstd as Float32Array, g as Float32Array, rows, D,
          dx as Float32Array | null, dw as Float32Array | null, db as Float32Array | null);
      } else base.layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db);
    },
    reduce(op, x, outer, r, inner, out) {
      // Zero-copy sum (bias gradients); the base backend's would copy x into wasm memory.
      if (op === "sum" && native.reduceSum && r > 0 && outer * r * inner >= REDUCE_SUM_MIN && f32(x, out)) {
        native.reduceSum(x as Float32Array, outer, r, inner, out as Float32Array);
      } else base.reduce(op, x, outer, r, inner, out);
    },
    lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd = null) {
      if (native.lstmCell && (native.rnnAddends || !xAdd) && f32(gates, cPrev, hOut, cOut) && f32orNull(xAdd)) {
        native.lstmCell(gates as Float32Array, cPrev as Float32Array, n, H, hOut as Float32Array, cOut as Float32Array, xAdd as Float32Array | null);
      } else base.lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd);
    },
    lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2 = null) {
      if (native.lstmCellBackward && (native.rnnAddends || !gh2) && f32(act, cPrev, c, dGates, dcPrev) && f32orNull(gh, gc, gh2)) {
        native.lstmCellBackward(act as Float32Array, cPrev as Float32Array, c as Float32Array, gh as Float32Array | null, gc as Float32Array | null,
          n, H, dGates as Float32Array, dcPrev as Float32Array, gh2 as Float32Array | null);
      } else base.lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
    },
    gruCell(gx, gh, hPrev, n, H, hOut, act) {
      if (native.gruCell && f32(gx, gh, hPrev, hOut, act)) native.gruCell(gx as Float32Array, gh as Float32Array, hPrev as Float32Array, n, H, hOut as Float32Array, act as Float32Array);
      else base.gruCell(gx, gh, hPrev, n, H, hOut, act);
    },
    adamStep(p, g, m, v, vmax, h) {
      if (native.adamStep && f32(p, g, m, v) && (vmax === null || vmax instanceof Float32Array)) {
        native.adamStep(p as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, vmax as Float32Array | null,
          h.b1, h.b2, h.stepSize, h.bc2Sqrt, h.eps, h.sign, h.l2, h.decay);
      } else base.adamStep(p, g, m, v, vmax, h);
    },
    matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && batch * m * n * k >= MIN_MACS) {
        native.sgemm(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
      } else {
        base.matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
      }
    },
  };
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
