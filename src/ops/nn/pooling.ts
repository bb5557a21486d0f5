/**
 * Pooling: max / average / adaptive / Lp pooling and max-unpooling, 1-D and 2-D, with
 * PyTorch's output sizes (ceilMode, padding, dilation) and indices. Every variant is
 * lowered to planes of H x W (1-D: H = 1) plus precomputed window tables, so all of
 * them run on four kernels. The backward ops are differentiable too: max pooling's
 * backward scatters to the argmax (its own backward gathers), and average pooling and
 * its adjoint are each other's backward, so double backward works.
 */
import { allocArray, allocUninit, isFloating } from "../../core/dtype.js";
import { fmtShape, numel } from "../../core/shape.js";
import { Tensor, allocOn, allocUninitOn, make, needsGrad, record } from "../../core/tensor.js";
import { currentBackend, type PoolWindows } from "../../backends/backend.js";
import { assertTensor } from "../util.js";
import { tupleArg } from "./conv.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";

type IntArg = number | number[];

/** Options of maxPool1d / maxPool2d. stride defaults to kernelSize. */
export interface MaxPoolOptions {
  stride?: IntArg | null;
  padding?: IntArg;
  dilation?: IntArg;
  ceilMode?: boolean;
  /** Also return the argmax of each window as int32 flat indices within its plane (h * W + w). */
  returnIndices?: boolean;
}

/** Options of avgPool1d / avgPool2d. stride defaults to kernelSize. */
export interface AvgPoolOptions {
  stride?: IntArg | null;
  padding?: IntArg;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead (2-D only in PyTorch; accepted for 1-D too). */
  divisorOverride?: number | null;
}

/** Planes view of a pooling input: lead dims, plane count, H, W. */
interface Planes { lead: number[]; planes: number; H: number; W: number }

function planesOf(op: string, x: Tensor, nd: number): Planes {
  assertTensor(x, op);
  const names = nd === 1 ? "[N, C, L]" : "[N, C, H, W]";
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2) throw new Error(`${op}: expected input of ${nd + 1} or ${nd + 2} dims ${names}, got ${fmtShape(x.shape)}`);
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: expected a floating-point input, got dtype ${x.dtype}`);
  const sp = x.shape.slice(x.ndim - nd);
  if (sp.some((s) => s === 0)) throw new Error(`${op}: expected non-empty spatial dims, got input ${fmtShape(x.shape)}`);
  const lead = x.shape.slice(0, x.ndim - nd);
  return { lead, planes: numel(lead), H: nd === 1 ? 1 : sp[0], W: sp[nd - 1] };
}

/** PyTorch's pooling_output_shape. */
function poolOutSize(inp: number, k: number, pad: number, s: number, d: number, ceil: boolean): number {
  let o = Math.floor((inp + 2 * pad - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  // The last window must start inside the input or its left padding.
  if (ceil && (o - 1) * s >= inp + pad) o--;
  return o;
}

interface Params { k: number[]; s: number[]; p: number[]; d: number[]; out: number[] }

/** Parses kernel/stride/padding/dilation, checks PyTorch's rules, and computes output sizes (2 entries; 1-D gets H params 1,1,0,1). */
function poolParams(op: string, nd: number, pl: Planes, x: Tensor, kernelSize: IntArg, stride: IntArg | null | undefined, padding: IntArg | undefined,
  dilation: IntArg | undefined, ceil: boolean): Params {
  const k = tupleArg(kernelSize, nd, 1, op, "kernelSize", 1);
  const s = stride == null || (Array.isArray(stride) && stride.length === 0) ? k.slice() : tupleArg(stride, nd, 1, op, "stride", 1);
  const p = tupleArg(padding, nd, 0, op, "padding", 0);
  const d = tupleArg(dilation, nd, 1, op, "dilation", 1);
  for (let i = 0; i < nd; i++) {
    if (p[i] > Math.floor(k[i] / 2)) {
      throw new Error(`${op}: padding should be at most half of the kernel size, got padding ${JSON.stringify(padding)} for kernelSize ${JSON.stringify(kernelSize)}`);
    }
  }
  const pre = (a: number[], v: number) => (nd === 1 ? [v, ...a] : a);
  const K = pre(k, 1), S = pre(s, 1), P = pre(p, 0), D = pre(d, 1);
  const inSz = [pl.H, pl.W];
  const out = [0, 1].map((i) => poolOutSize(inSz[i], K[i], P[i], S[i], D[i], ceil));
  if (out.some((o) => o < 1)) {
    throw new Error(`${op}: input ${fmtShape(x.shape)} is too small for kernelSize ${JSON.stringify(kernelSize)} (dilation ${JSON.stringify(dilation ?? 1)}, padding ${JSON.stringify(padding ?? 0)}): output size ${fmtShape(out.slice(2 - nd))}`);
  }
  return { k: K, s: S, p: P, d: D, out };
}

function outShape(pl: Planes, nd: number, oH: number, oW: number): number[] {
  return nd === 1 ? [...pl.lead, oW] : [...pl.lead, oH, oW];
}

/** Max-pooling windows along one axis: taps start + t*d clipped to [0, n). */
function maxAxis(n: number, o: number, k: number, s: number, p: number, d: number): [Int32Array, Int32Array] {
  const st = new Int32Array(o), en = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    let a = i * s - p;
    const e = Math.min(a + (k - 1) * d + 1, n);
    while (a < 0) a += d;
    st[i] = a;
    en[i] = e;
  }
  return [st, en];
}

/** Adaptive windows: [floor(i*n/o), ceil((i+1)*n/o)). */
function adaptiveAxis(n: number, o: number): [Int32Array, Int32Array, Float64Array] {
  const st = new Int32Array(o), en = new Int32Array(o), sc = new Float64Array(o);
  for (let i = 0; i < o; i++) {
    st[i] = Math.floor((i * n) / o);
    en[i] = Math.floor(((i + 1) * n + o - 1) / o);
    sc[i] = 1 / (en[i] - st[i]);
  }
  return [st, en, sc];
}

/** Scatters g [..., outSize] into zeros [planes, inSize] at idx; backward gathers. */
function scatterPlanes(g: Tensor, idx: Tensor, planes: number, inSize: number, shape: number[]): Tensor {
  const outSize = planes ? g.numel() / planes : 0;
  // Uninitialised: maxPool2dBackward overwrites every plane (zeros, then the scatter).
  const out = make(allocUninitOn(g.device, g.dtype, planes * inSize), shape, g.dtype);
  currentBackend().maxPool2dBackward(g.contiguous()._buf, idx._buf as Int32Array, planes, inSize, outSize, out._buf);
  if (needsGrad(g)) {
    const gs = g.shape.slice();
    record(out, "MaxPoolBackwardBackward", [g], (gg) => [gg.reshape(planes, inSize).gather(1, idx.reshape(planes, outSize)).reshape(gs)]);
  }
  return out;
}

function maxCore(x: Tensor, pl: Planes, nd: number, oH: number, oW: number, win: PoolWindows, name: string): [Tensor, Tensor] {
  const shape = outShape(pl, nd, oH, oW);
  const out = make(allocUninitOn(x.device, x.dtype, pl.planes * oH * oW), shape, x.dtype);
  const idx = make(allocOn(x.device, "int32", pl.planes * oH * oW), shape.slice(), "int32");
  currentBackend().maxPool2d(x._buf, pl.planes, pl.H, pl.W, oH, oW, win, out._buf, idx._buf as Int32Array);
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, name, [x], (g) => [scatterPlanes(g, idx, pl.planes, pl.H * pl.W, xs)]);
  }
  return [out, idx];
}

interface AvgSpec { pl: Planes; oH: number; oW: number; win: PoolWindows; rs: Float64Array; cs: Float64Array; inShape: number[]; outShape: number[] }

function avgFwd(x: Tensor, a: AvgSpec, name: string): Tensor {
  const out = make(allocOn(x.device, x.dtype, numel(a.outShape)), a.outShape.slice(), x.dtype);
  currentBackend().avgPool2d(x._buf, a.pl.planes, a.pl.H, a.pl.W, a.oH, a.oW, a.win, a.rs, a.cs, out._buf);
  if (needsGrad(x)) record(out, name, [x], (g) => [avgAdj(g, a, name)]);
  return out;
}

function avgAdj(g: Tensor, a: AvgSpec, name: string): Tensor {
  const out = make(allocOn(g.device, g.dtype, numel(a.inShape)), a.inShape.slice(), g.dtype);
  currentBackend().avgPool2dBackward(g.contiguous()._buf, a.pl.planes, a.pl.H, a.pl.W, a.oH, a.oW, a.win, a.rs, a.cs, out._buf);
  if (needsGrad(g)) record(out, `${name}Backward`, [g], (gg) => [avgFwd(gg, a, name)]);
  return out;
}

function maxPoolNd(op: string, nd: number, x: Tensor, kernelSize: IntArg, opts: MaxPoolOptions): Tensor | [Tensor, Tensor] {
  const pl = planesOf(op, x, nd);
  const { k, s, p, d, out } = poolParams(op, nd, pl, x, kernelSize, opts.stride, opts.padding, opts.dilation, !!opts.ceilMode);
  const [hs, he] = maxAxis(pl.H, out[0], k[0], s[0], p[0], d[0]);
  const [ws, we] = maxAxis(pl.W, out[1], k[1], s[1], p[1], d[1]);
  const r = maxCore(x, pl, nd, out[0], out[1], { hs, he, ws, we, dH: d[0], dW: d[1] }, nd === 1 ? "MaxPool1DBackward" : "MaxPool2DWithIndicesBackward");
  return opts.returnIndices ? r : r[0];
}

function avgPoolNd(op: string, nd: number, x: Tensor, kernelSize: IntArg, opts: AvgPoolOptions): Tensor {
  const pl = planesOf(op, x, nd);
  const { k, s, p, out } = poolParams(op, nd, pl, x, kernelSize, opts.stride, opts.padding, undefined, !!opts.ceilMode);
  const include = opts.countIncludePad ?? true;
  const div = opts.divisorOverride;
  if (div != null && (!Number.isFinite(div) || div === 0)) throw new Error(`${op}: divisorOverride must be a non-zero number, got ${div}`);
  const inSz = [pl.H, pl.W];
  const axes = [0, 1].map((a) => {
    const o = out[a];
    const st = new Int32Array(o), en = new Int32Array(o), sc = new Float64Array(o);
    for (let i = 0; i < o; i++) {
      const start = i * s[a] - p[a];
      const endPadded = Math.min(start + k[a], inSz[a] + p[a]);
      st[i] = Math.max(start, 0);
      en[i] = Math.min(endPadded, inSz[a]);
      // The divisor factorises over rows and columns, so each axis carries its own factor.
      sc[i] = div != null ? (a === 0 ? 1 / div : 1) : 1 / (include ? endPadded - start : en[i] - st[i]);
    }
    return { st, en, sc };
  });
  const spec: AvgSpec = {
    pl, oH: out[0], oW: out[1], rs: axes[0].sc, cs: axes[1].sc, inShape: x.shape.slice(), outShape: outShape(pl, nd, out[0], out[1]),
    win: { hs: axes[0].st, he: axes[0].en, ws: axes[1].st, we: axes[1].en, dH: 1, dW: 1 },
  };
  return avgFwd(x, spec, nd === 1 ? "AvgPool1DBackward" : "AvgPool2DBackward");
}

/**
 * 1-D max pooling over x [N, C, L] or [C, L].
 * @example const [y, idx] = F.maxPool1d(x, 2, {returnIndices: true})
 */
export function maxPool1d(x: Tensor, kernelSize: IntArg, opts: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: IntArg, opts?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxPoolOptions, typeof FS.maxPool1d.names>): Tensor | [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxPoolOptions, typeof FS.maxPool1d.names>): Tensor | [Tensor, Tensor] {
  const opts = FS.maxPool1d.parse<MaxPoolOptions>(args);
  return maxPoolNd("maxPool1d", 1, x, kernelSize, opts);
}

/**
 * 2-D max pooling over x [N, C, H, W] or [C, H, W]; with returnIndices, also the int32
 * argmax of each window as a flat index h * W + w within its plane (as PyTorch).
 * @example F.maxPool2d(x, 2)  // [N, C, H/2, W/2]
 */
export function maxPool2d(x: Tensor, kernelSize: IntArg, opts: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: IntArg, opts?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxPoolOptions, typeof FS.maxPool2d.names>): Tensor | [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxPoolOptions, typeof FS.maxPool2d.names>): Tensor | [Tensor, Tensor] {
  const opts = FS.maxPool2d.parse<MaxPoolOptions>(args);
  return maxPoolNd("maxPool2d", 2, x, kernelSize, opts);
}

/** 1-D average pooling over x [N, C, L] or [C, L]. @example F.avgPool1d(x, 3, {stride: 2, padding: 1}) */
export function avgPool1d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<AvgPoolOptions, typeof FS.avgPool1d.names>): Tensor {
  const opts = FS.avgPool1d.parse<AvgPoolOptions>(args);
  return avgPoolNd("avgPool1d", 1, x, kernelSize, opts);
}

/** 2-D average pooling over x [N, C, H, W] or [C, H, W]. @example F.avgPool2d(x, 2) */
export function avgPool2d(x: Tensor, kernelSize: IntArg, ...args: PyArgs<AvgPoolOptions, typeof FS.avgPool2d.names>): Tensor {
  const opts = FS.avgPool2d.parse<AvgPoolOptions>(args);
  return avgPoolNd("avgPool2d", 2, x, kernelSize, opts);
}

function adaptiveSizes(op: string, nd: number, pl: Planes, outputSize: number | (number | null)[]): [number, number] {
  const arr = typeof outputSize === "number" ? new Array<number | null>(nd).fill(outputSize) : outputSize.slice();
  if (arr.length !== nd || arr.some((v) => v !== null && (!Number.isInteger(v) || v < 0))) {
    throw new Error(`${op}: outputSize must be a non-negative integer or a list of ${nd} such integers (null keeps the input size), got ${JSON.stringify(outputSize)}`);
  }
  const inSz = nd === 1 ? [pl.W] : [pl.H, pl.W];
  const o = arr.map((v, i) => v ?? inSz[i]);
  return nd === 1 ? [1, o[0]] : [o[0], o[1]];
}

function adaptiveWin(pl: Planes, oH: number, oW: number): [PoolWindows, Float64Array, Float64Array] {
  const [hs, he, rs] = adaptiveAxis(pl.H, oH);
  const [ws, we, cs] = adaptiveAxis(pl.W, oW);
  return [{ hs, he, ws, we, dH: 1, dW: 1 }, rs, cs];
}

function adaptiveAvgNd(op: string, nd: number, x: Tensor, outputSize: number | (number | null)[]): Tensor {
  const pl = planesOf(op, x, nd);
  const [oH, oW] = adaptiveSizes(op, nd, pl, outputSize);
  const [win, rs, cs] = adaptiveWin(pl, oH, oW);
  const spec: AvgSpec = { pl, oH, oW, win, rs, cs, inShape: x.shape.slice(), outShape: outShape(pl, nd, oH, oW) };
  return avgFwd(x, spec, nd === 1 ? "AdaptiveAvgPool1DBackward" : "AdaptiveAvgPool2DBackward");
}

function adaptiveMaxNd(op: string, nd: number, x: Tensor, outputSize: number | (number | null)[], returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const pl = planesOf(op, x, nd);
  const [oH, oW] = adaptiveSizes(op, nd, pl, outputSize);
  const [win] = adaptiveWin(pl, oH, oW);
  const r = maxCore(x, pl, nd, oH, oW, win, nd === 1 ? "AdaptiveMaxPool1DBackward" : "AdaptiveMaxPool2DBackward");
  return returnIndices ? r : r[0];
}

/** Adaptive 1-D average pooling to `outputSize` (windows [floor(i*L/o), ceil((i+1)*L/o))). */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number | number[]): Tensor {
  return adaptiveAvgNd("adaptiveAvgPool1d", 1, x, outputSize);
}

/**
 * Adaptive 2-D average pooling to `outputSize` ([oH, oW]; a null entry keeps that size).
 * @example F.adaptiveAvgPool2d(x, 1)  // global average pool -> [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | (number | null)[]): Tensor {
  return adaptiveAvgNd("adaptiveAvgPool2d", 2, x, outputSize);
}

/** Adaptive 1-D max pooling; `{returnIndices: true}` also returns the int32 argmax positions. */
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | number[], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | number[], opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | number[], ...args: PyArgs<{ returnIndices?: boolean }, typeof FS.adaptiveMaxPool1d.names>): Tensor | [Tensor, Tensor] {
  const opts = FS.adaptiveMaxPool1d.parse<{ returnIndices?: boolean }>(args);
  return adaptiveMaxNd("adaptiveMaxPool1d", 1, x, outputSize, !!opts.returnIndices);
}

/** Adaptive 2-D max pooling; `{returnIndices: true}` also returns int32 flat per-plane argmax indices. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], opts: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], opts?: { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], ...args: PyArgs<{ returnIndices?: boolean }, typeof FS.adaptiveMaxPool2d.names>): Tensor | [Tensor, Tensor] {
  const opts = FS.adaptiveMaxPool2d.parse<{ returnIndices?: boolean }>(args);
  return adaptiveMaxNd("adaptiveMaxPool2d", 2, x, outputSize, !!opts.returnIndices);
}

/** Options of maxUnpool1d / maxUnpool2d. */
export interface MaxUnpoolOptions {
  stride?: IntArg | null;
  padding?: IntArg;
  /** Explicit output spatial size (the last nd entries are used, as PyTorch). */
  outputSize?: number[];
}

function maxUnpoolNd(op: string, nd: number, x: Tensor, indices: Tensor, kernelSize: IntArg, opts: MaxUnpoolOptions): Tensor {
  const pl = planesOf(op, x, nd);
  assertTensor(indices, op, "indices");
  if (indices.dtype !== "int32") throw new TypeError(`${op}: expected int32 indices, got ${indices.dtype}`);
  if (indices.shape.length !== x.shape.length || indices.shape.some((v, i) => v !== x.shape[i])) {
    throw new Error(`${op}: indices ${fmtShape(indices.shape)} must have the shape of the input ${fmtShape(x.shape)}`);
  }
  const k = tupleArg(kernelSize, nd, 1, op, "kernelSize", 1);
  const s = opts.stride == null ? k.slice() : tupleArg(opts.stride, nd, 1, op, "stride", 1);
  const p = tupleArg(opts.padding, nd, 0, op, "padding", 0);
  const inSz = nd === 1 ? [pl.W] : [pl.H, pl.W];
  let out = inSz.map((n, i) => (n - 1) * s[i] - 2 * p[i] + k[i]);
  if (opts.outputSize) {
    const os = opts.outputSize.slice(opts.outputSize.length - nd);
    if (os.length !== nd) throw new Error(`${op}: outputSize must have ${nd} (or ${nd + 2}) entries, got ${JSON.stringify(opts.outputSize)}`);
    out = os;
  }
  const inSize = numel(out);
  const idx = indices._data as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= inSize) throw new Error(`${op}: found an invalid max index ${idx[i]} (output plane ${fmtShape(out)} has ${inSize} elements)`);
  }
  return scatterPlanes(x, indices, pl.planes, inSize, [...pl.lead, ...out]);
}

/** Inverse of maxPool1d: places x at `indices` in a zero tensor of the pre-pooling length. */
export function maxUnpool1d(x: Tensor, indices: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxUnpoolOptions, typeof FS.maxUnpool1d.names>): Tensor {
  const opts = FS.maxUnpool1d.parse<MaxUnpoolOptions>(args);
  return maxUnpoolNd("maxUnpool1d", 1, x, indices, kernelSize, opts);
}

/**
 * Inverse of maxPool2d: places x at `indices` (from `maxPool2d(..., {returnIndices: true})`)
 * in a zero tensor; output size (H-1)*stride - 2*padding + kernelSize unless outputSize is given.
 * Duplicate indices (overlapping windows) add up.
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: IntArg, ...args: PyArgs<MaxUnpoolOptions, typeof FS.maxUnpool2d.names>): Tensor {
  const opts = FS.maxUnpool2d.parse<MaxUnpoolOptions>(args);
  return maxUnpoolNd("maxUnpool2d", 2, x, indices, kernelSize, opts);
}

/** Options of lpPool1d / lpPool2d. */
export interface LpPoolOptions {
  stride?: IntArg | null;
  ceilMode?: boolean;
}

function lpPoolNd(nd: number, x: Tensor, normType: number, kernelSize: IntArg, opts: LpPoolOptions): Tensor {
  const op = nd === 1 ? "lpPool1d" : "lpPool2d";
  const k = tupleArg(kernelSize, nd, 1, op, "kernelSize", 1);
  const avg = avgPoolNd(op, nd, x.pow(normType), kernelSize, { stride: opts.stride, ceilMode: opts.ceilMode });
  // PyTorch's formula: sign(out) * relu(|out|) keeps the gradient at 0 well-defined.
  return avg.sign().mul(avg.abs().relu()).mul(numel(k)).pow(1 / normType);
}

/** Power-average pooling (sum of x^p over each window)^(1/p), 1-D. */
export function lpPool1d(x: Tensor, normType: number, kernelSize: IntArg, ...args: PyArgs<LpPoolOptions, typeof FS.lpPool1d.names>): Tensor {
  const opts = FS.lpPool1d.parse<LpPoolOptions>(args);
  return lpPoolNd(1, x, normType, kernelSize, opts);
}

/** Power-average pooling (sum of x^p over each window)^(1/p), 2-D. @example F.lpPool2d(x, 2, 3) */
export function lpPool2d(x: Tensor, normType: number, kernelSize: IntArg, ...args: PyArgs<LpPoolOptions, typeof FS.lpPool2d.names>): Tensor {
  const opts = FS.lpPool2d.parse<LpPoolOptions>(args);
  return lpPoolNd(2, x, normType, kernelSize, opts);
}
