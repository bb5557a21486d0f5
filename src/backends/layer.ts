/**
 * The one routing path. A faster backend (wasm, native) is a set of float32 kernels
 * layered over the backend below it: `layer` writes, once for every accelerated
 * backend, the Backend method that decides per call whose kernel runs. The rule, in
 * order: the op table (scripts/op-table.mjs) gives this backend a kernel for the op,
 * the call is at least the table's size threshold (or routing is forced, for tests),
 * every array is float32, the kernel takes the layout (it may return false); otherwise
 * the backend below runs it. Neutral ground: backends import this, never each other.
 */
import type { Backend, ConvFusedKernels, ConvGeom, DepthwiseKernels, PoolWindows, AdamHyper } from "./backend.js";
import type { TypedArray } from "../core/dtype.js";
import { BINARY_CODE, REDUCE_CODE, THRESHOLDS, UNARY_CODE, type AccelName } from "./ops.generated.js";
import { layerF64, type F64Kernels } from "./f64-kernels.js";

type F32 = Float32Array;
type F32N = Float32Array | null;
type Shape = readonly number[];
/** A kernel returns false when it declines this call (layout, capability); anything else means it ran. */
type Ran = boolean | void;

/** An accelerated backend's kernels, float32 only; each is optional (absent: the layer below runs it). */
export interface FastKernels {
  unary?(code: number, x: F32, out: F32): Ran;
  binary?(code: number, a: F32, aShape: Shape, b: F32, bShape: Shape, out: F32, outShape: Shape): Ran;
  /** Called with r >= 1 only. */
  reduce?(code: number, x: F32, outer: number, r: number, inner: number, out: F32): Ran;
  reluBackward?(x: F32, g: F32, out: F32): Ran;
  matmul?(a: F32, b: F32, out: F32, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, aStride: number, bStride: number): Ran;
  im2col?(x: F32, n: number, g: ConvGeom, out: F32): Ran;
  col2im?(cols: F32, n: number, g: ConvGeom, out: F32): Ran;
  conv2dFused?: ConvFusedKernels;
  depthwiseConv2d?: DepthwiseKernels;
  clamp?(x: F32, lo: number, hi: number, out: F32): Ran;
  hardtanhBackward?(x: F32, g: F32, lo: number, hi: number, out: F32): Ran;
  maxPool2d?(x: F32, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows, out: F32, idx: Int32Array): Ran;
  maxPool2dBackward?(g: F32, idx: Int32Array, planes: number, inSize: number, outSize: number, gx: F32): Ran;
  lstmCell?(gates: F32, cPrev: F32, n: number, H: number, hOut: F32, cOut: F32, xAdd: F32N): Ran;
  lstmCellBackward?(act: F32, cPrev: F32, c: F32, gh: F32N, gc: F32N, n: number, H: number, dGates: F32, dcPrev: F32, gh2: F32N): Ran;
  gruCell?(gx: F32, gh: F32, hPrev: F32, n: number, H: number, hOut: F32, act: F32): Ran;
  softmax?(x: F32, rows: number, cols: number, scale: number, causalL: number, log: boolean, out: F32): Ran;
  softmaxBackward?(y: F32, g: F32, rows: number, cols: number, scale: number, log: boolean, out: F32): Ran;
  bernoulliMask?(state: Uint32Array, threshold: number, keepValue: number, out: F32): Ran;
  /** Called with D >= 1 only. */
  layerNorm?(x: F32, w: F32N, b: F32N, rows: number, D: number, eps: number, out: F32, mean: F32, rstd: F32): Ran;
  layerNormBackward?(x: F32, w: F32N, mean: F32, rstd: F32, g: F32, rows: number, D: number, dx: F32N, dw: F32N, db: F32N): Ran;
  adamStep?(p: F32, g: F32, m: F32, v: F32, vmax: F32N, h: AdamHyper): Ran;
  strided?(x: F32, offset: number, shape: Shape, strides: Shape, out: F32): Ran;
  stridedAssign?(src: F32, out: F32, offset: number, shape: Shape, strides: Shape, accumulate: boolean): Ran;
  /** float64 kernels, routed by f64-kernels.ts in front of the float32 ones. */
  f64?: F64Kernels;
}

/** "auto": the op table's measured thresholds; "always": every kernel a backend has, at every size (tests). */
export type RoutingMode = "auto" | "always";

let always = false;
const hooks: ((mode: RoutingMode) => void)[] = [];

/**
 * Testing hook: "always" routes every float32 call a faster backend has a kernel for
 * to it regardless of size (so tiny fixtures reach every kernel; the wasm backend also
 * splits every splittable matmul across its pool), "auto" restores the thresholds.
 */
export function setRouting(mode: RoutingMode): void {
  if (mode !== "always" && mode !== "auto") throw new Error(`setRouting: mode must be "always" or "auto", got ${JSON.stringify(mode)}`);
  always = mode === "always";
  for (const h of hooks) h(mode);
}

/** The routing mode now. */
export function routingMode(): RoutingMode {
  return always ? "always" : "auto";
}

/** Runs `h` on every routing change (a backend's own knobs, e.g. the wasm GEMM's thread threshold). */
export function onRouting(h: (mode: RoutingMode) => void): void {
  hooks.push(h);
}

/** The size rule: a kernel exists here (min defined) and the call is big enough, or routing is forced. */
function routes(min: number | undefined, size: number): boolean {
  return min !== undefined && (always || size >= min);
}

const isF = (x: TypedArray | null): x is F32 => x instanceof Float32Array;
const isFN = (x: TypedArray | null): x is F32N => x === null || x instanceof Float32Array;

/**
 * The backend `name`: `base` with every kernel `fast` has (and the op table lists for
 * `name`) routed per call. Per call it costs one threshold lookup, two comparisons and
 * one instanceof per array argument over calling the kernel directly; nothing is allocated.
 */
export function layer(name: AccelName, base: Backend, fast: FastKernels): Backend {
  const t = THRESHOLDS[name], um = t.unary, bm = t.binary, rm = t.reduce, km = t.kernel;
  const b: { -readonly [K in keyof Backend]: Backend[K] } = { ...base, name };
  const { unary, binary, reduce, reluBackward, matmul, im2col, col2im, maxPool2d, maxPool2dBackward, lstmCell, lstmCellBackward,
    gruCell, softmax, softmaxBackward, bernoulliMask, layerNorm, layerNormBackward, adamStep, strided, stridedAssign } = fast;
  if (unary) b.unary = (op, x, out) => {
    if (routes(um[op], x.length) && isF(x) && isF(out) && unary(UNARY_CODE[op], x, out) !== false) return;
    base.unary(op, x, out);
  };
  if (binary) b.binary = (op, a, aShape, bb, bShape, out, outShape) => {
    if (routes(bm[op], out.length) && isF(a) && isF(bb) && isF(out) && binary(BINARY_CODE[op], a, aShape, bb, bShape, out, outShape) !== false) return;
    base.binary(op, a, aShape, bb, bShape, out, outShape);
  };
  if (reduce) b.reduce = (op, x, outer, r, inner, out) => {
    if (r > 0 && routes(rm[op], outer * r * inner) && isF(x) && isF(out) && reduce(REDUCE_CODE[op], x, outer, r, inner, out) !== false) return;
    base.reduce(op, x, outer, r, inner, out);
  };
  const m = km.reluBackward;
  if (reluBackward) b.reluBackward = (x, g, out) => {
    if (routes(m, out.length) && isF(x) && isF(g) && isF(out) && reluBackward(x, g, out) !== false) return;
    base.reluBackward(x, g, out);
  };
  const mm = km.matmul;
  if (matmul) b.matmul = (a, bb, out, batch, M, N, K, tA, tB, sA, sB) => {
    if (routes(mm, batch * M * N * K) && isF(a) && isF(bb) && isF(out) && matmul(a, bb, out, batch, M, N, K, tA, tB, sA, sB) !== false) return;
    base.matmul(a, bb, out, batch, M, N, K, tA, tB, sA, sB);
  };
  const mi = km.im2col;
  if (im2col) b.im2col = (x, n, g, out) => {
    if (routes(mi, out.length) && isF(x) && isF(out) && im2col(x, n, g, out) !== false) return;
    base.im2col(x, n, g, out);
  };
  const mc = km.col2im;
  if (col2im) b.col2im = (cols, n, g, out) => {
    if (routes(mc, cols.length) && isF(cols) && isF(out) && col2im(cols, n, g, out) !== false) return;
    base.col2im(cols, n, g, out);
  };
  if (fast.conv2dFused && km.conv2dFused !== undefined) b.conv2dFused = fast.conv2dFused;
  if (fast.depthwiseConv2d && km.depthwiseConv2d !== undefined) b.depthwiseConv2d = fast.depthwiseConv2d;
  const mhb = km.hardtanhBackward, { hardtanhBackward } = fast;
  if (hardtanhBackward) b.hardtanhBackward = (x, g, lo, hi, out) => {
    if (routes(mhb, out.length) && isF(x) && isF(g) && isF(out) && hardtanhBackward(x, g, lo, hi, out) !== false) return;
    base.hardtanhBackward(x, g, lo, hi, out);
  };
  const mcl = km.clamp, { clamp } = fast;
  if (clamp) b.clamp = (x, lo, hi, out) => {
    if (routes(mcl, out.length) && isF(x) && isF(out) && clamp(x, lo, hi, out) !== false) return;
    base.clamp(x, lo, hi, out);
  };
  const mp = km.maxPool2d;
  if (maxPool2d) b.maxPool2d = (x, planes, H, W, oH, oW, win, out, idx) => {
    if (routes(mp, planes * H * W) && isF(x) && isF(out) && maxPool2d(x, planes, H, W, oH, oW, win, out, idx) !== false) return;
    base.maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
  };
  const mpb = km.maxPool2dBackward;
  if (maxPool2dBackward) b.maxPool2dBackward = (g, idx, planes, inSize, outSize, gx) => {
    if (routes(mpb, planes * inSize) && isF(g) && isF(gx) && maxPool2dBackward(g, idx, planes, inSize, outSize, gx) !== false) return;
    base.maxPool2dBackward(g, idx, planes, inSize, outSize, gx);
  };
  const ml = km.lstmCell;
  if (lstmCell) b.lstmCell = (gates, cPrev, n, H, hOut, cOut, xAdd = null) => {
    if (routes(ml, n * H) && isF(gates) && isF(cPrev) && isF(hOut) && isF(cOut) && isFN(xAdd) &&
      lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd) !== false) return;
    base.lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd);
  };
  const mlb = km.lstmCellBackward;
  if (lstmCellBackward) b.lstmCellBackward = (act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2 = null) => {
    if (routes(mlb, n * H) && isF(act) && isF(cPrev) && isF(c) && isF(dGates) && isF(dcPrev) && isFN(gh) && isFN(gc) && isFN(gh2) &&
      lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2) !== false) return;
    base.lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2);
  };
  const mg = km.gruCell;
  if (gruCell) b.gruCell = (gx, gh, hPrev, n, H, hOut, act) => {
    if (routes(mg, n * H) && isF(gx) && isF(gh) && isF(hPrev) && isF(hOut) && isF(act) && gruCell(gx, gh, hPrev, n, H, hOut, act) !== false) return;
    base.gruCell(gx, gh, hPrev, n, H, hOut, act);
  };
  const ms = km.softmax;
  if (softmax) b.softmax = (x, rows, cols, scale, causalL, log, out) => {
    if (routes(ms, rows * cols) && isF(x) && isF(out) && softmax(x, rows, cols, scale, causalL, log, out) !== false) return;
    base.softmax(x, rows, cols, scale, causalL, log, out);
  };
  const msb = km.softmaxBackward;
  if (softmaxBackward) b.softmaxBackward = (y, g, rows, cols, scale, log, out) => {
    if (routes(msb, rows * cols) && isF(y) && isF(g) && isF(out) && softmaxBackward(y, g, rows, cols, scale, log, out) !== false) return;
    base.softmaxBackward(y, g, rows, cols, scale, log, out);
  };
  const mb = km.bernoulliMask;
  if (bernoulliMask) b.bernoulliMask = (state, threshold, keepValue, out) => {
    if (routes(mb, out.length) && isF(out) && bernoulliMask(state, threshold, keepValue, out) !== false) return;
    base.bernoulliMask(state, threshold, keepValue, out);
  };
  const mn = km.layerNorm;
  if (layerNorm) b.layerNorm = (x, w, bias, rows, D, eps, out, mean, rstd) => {
    if (D > 0 && routes(mn, rows * D) && isF(x) && isF(out) && isF(mean) && isF(rstd) && isFN(w) && isFN(bias) &&
      layerNorm(x, w, bias, rows, D, eps, out, mean, rstd) !== false) return;
    base.layerNorm(x, w, bias, rows, D, eps, out, mean, rstd);
  };
  const mnb = km.layerNormBackward;
  if (layerNormBackward) b.layerNormBackward = (x, w, mean, rstd, g, rows, D, dx, dw, db) => {
    if (D > 0 && routes(mnb, rows * D) && isF(x) && isF(mean) && isF(rstd) && isF(g) && isFN(w) && isFN(dx) && isFN(dw) && isFN(db) &&
      layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db) !== false) return;
    base.layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db);
  };
  const ma = km.adamStep;
  if (adamStep) b.adamStep = (p, g, mo, v, vmax, h) => {
    if (routes(ma, p.length) && isF(p) && isF(g) && isF(mo) && isF(v) && isFN(vmax) && adamStep(p, g, mo, v, vmax, h) !== false) return;
    base.adamStep(p, g, mo, v, vmax, h);
  };
  const mst = km.strided;
  if (strided) b.strided = (x, offset, shape, strides, out) => {
    if (routes(mst, out.length) && isF(x) && isF(out) && strided(x, offset, shape, strides, out) !== false) return;
    base.strided(x, offset, shape, strides, out);
  };
  const msa = km.stridedAssign;
  if (stridedAssign) b.stridedAssign = (src, out, offset, shape, strides, accumulate) => {
    if (routes(msa, src.length) && isF(src) && isF(out) && stridedAssign(src, out, offset, shape, strides, accumulate) !== false) return;
    base.stridedAssign(src, out, offset, shape, strides, accumulate);
  };
  if (fast.f64) layerF64(b, fast.f64, () => always);
  return b;
}
