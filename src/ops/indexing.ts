/**
 * Indexing ops: gather/scatter along a dim, index select/add, masks, one-hot and
 * scatterReduce (the segment reductions graph layers need). Every index is checked
 * against its dim's size, and index tensors must be int32.
 */
import { allocArray } from "../core/dtype.js";
import { broadcastShapes, fmtShape, normDim, numel, shapesEqual } from "../core/shape.js";
import { Tensor, allocOn, allocUninitOn, make, needsGrad, record } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { currentBackend } from "../backends/backend.js";
import { assertTensor, checkOnDevice, scalarOf } from "./util.js";
import { where } from "./elementwise.js";

/** How {@link scatterReduce} combines values that land on the same index (PyTorch's names). */
export type ScatterReduce = "sum" | "prod" | "mean" | "amax" | "amin";

/**
 * The checked index as kernels take it (negative entries wrapped): on the CPU checked
 * now; on a device wrapped there, its range checked at the next read (checkOnDevice).
 */
function indexBuf(index: Tensor, size: number, op: string, device: string, what = "index"): Int32Array {
  if (index.device === "cpu" && device === "cpu") return checkIndex(index, size, op, what);
  assertTensor(index, op, what);
  if (index.device !== device) throw new Error(`${op}: expected ${what} on device "${device}" like the input, got "${index.device}"`);
  if (index.dtype !== "int32") throw new TypeError(`${op}: ${what} must be an int32 tensor, got ${index.dtype}`);
  return noGrad(() => {
    const bad = index.lt(-size).logicalOr(index.ge(size)).sum().gt(0);
    checkOnDevice(bad, `${op}: an entry of ${what} is out of bounds for dim of size ${size} (checked on the device; reported at the next read)`);
    return where(index.lt(0), index.add(size), index)._buf as Int32Array;
  });
}

function checkIndex(index: Tensor, size: number, op: string, what = "index"): Int32Array {
  assertTensor(index, op, what);
  if (index.dtype !== "int32") {
    throw new TypeError(`${op}: ${what} must be an int32 tensor, got ${index.dtype}${index.dtype.startsWith("float") ? " (float indices are not allowed; use .int())" : ""}`);
  }
  const d = index._data as Int32Array;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < -size || v >= size) {
      throw new RangeError(`${op}: ${what} ${v} is out of bounds for dim of size ${size}`);
    }
  }
  // Negative indices count from the end, as PyTorch.
  let neg = false;
  for (let i = 0; i < d.length; i++) if (d[i] < 0) { neg = true; break; }
  if (!neg) return d;
  const c = d.slice();
  for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] += size;
  return c;
}

/** Views a shape as [outer, shape[d], inner]. */
function split3(shape: readonly number[], d: number): [number, number, number] {
  return [numel(shape.slice(0, d)), shape[d], numel(shape.slice(d + 1))];
}

/** Rows of x selected by a 1-D int32 `index` along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "indexSelect");
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 1-D (or 0-D), got shape ${fmtShape(index.shape)}`);
  const idx = checkIndex(index, x.ndim === 0 ? 1 : x.shape[d], "indexSelect");
  const [outer, r, inner] = x.ndim === 0 ? [1, 1, 1] : split3(x.shape, d);
  const n = idx.length;
  const shape = x.ndim === 0 ? [] : x.shape.slice();
  if (x.ndim > 0) shape[d] = n;
  const out = make(allocArray(x.dtype, outer * n * inner), shape, x.dtype);
  const src = x._data, dst = out._data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const s = (o * r + idx[j]) * inner;
      dst.set(src.subarray(s, s + inner), (o * n + j) * inner);
    }
  }
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, "IndexSelectBackward", [x], (g) => [indexAdd(make(allocArray(g.dtype, numel(xs)), xs, g.dtype), d, index, g)]);
  }
  return out;
}

/** Adds `src` rows into a copy of x at `index` along dim (out-of-place index_add). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor, opts: { alpha?: number } = {}): Tensor {
  const d = normDim(dim, x.ndim, "indexAdd");
  const idx = checkIndex(index, x.ndim === 0 ? 1 : x.shape[d], "indexAdd");
  const expect = x.shape.slice();
  if (x.ndim > 0) expect[d] = idx.length;
  if (!shapesEqual(src.shape, expect)) {
    throw new Error(`indexAdd: source shape ${fmtShape(src.shape)} must be ${fmtShape(expect)} (x ${fmtShape(x.shape)} with dim ${d} sized to index length ${idx.length})`);
  }
  const s = opts.alpha !== undefined && opts.alpha !== 1 ? src.mul(opts.alpha) : src;
  const sc = s.dtype === x.dtype ? s : s.to(x.dtype);
  const [outer, r, inner] = x.ndim === 0 ? [1, 1, 1] : split3(x.shape, d);
  const out = make(x._data.slice(), x.shape.slice(), x.dtype);
  const dst = out._data, sd = sc._data;
  const n = idx.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const t = (o * r + idx[j]) * inner, f = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) dst[t + i] += sd[f + i];
    }
  }
  if (needsGrad(x, sc)) {
    record(out, "IndexAddBackward", [x, sc], (g) => [g, sc.requiresGrad ? indexSelect(g, d, index) : null]);
  }
  return out;
}

function checkGatherShapes(x: Tensor, d: number, index: Tensor, op: string): void {
  if (index.ndim !== x.ndim) {
    throw new Error(`${op}: index must have as many dims as the input: index ${fmtShape(index.shape)} vs input ${fmtShape(x.shape)}`);
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] !== x.shape[i]) {
      throw new Error(`${op}: index shape ${fmtShape(index.shape)} must match input shape ${fmtShape(x.shape)} in every dim but ${d} (dim ${i} differs)`);
    }
  }
}

/** out[i][j] = x[i][index[i][j]] along dim (index has x's shape except at dim). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "gather");
  // PyTorch lets the index be smaller than x outside dim: gather from the leading block.
  if (index.ndim === x.ndim && index.shape.some((s, i) => i !== d && s < x.shape[i])) {
    x = cropTo(x, x.shape.map((s, i) => (i === d ? s : Math.min(s, index.shape[i]))));
  }
  checkGatherShapes(x, d, index, "gather");
  const idx = indexBuf(index, x.ndim === 0 ? 1 : x.shape[d], "gather", x.device);
  const [outer, r, inner] = x.ndim === 0 ? [1, 1, 1] : split3(x.shape, d);
  const idxR = x.ndim === 0 ? 1 : index.shape[d];
  const out = make(allocUninitOn(x.device, x.dtype, index.numel()), index.shape.slice(), x.dtype);
  currentBackend().gather(x._buf, idx, outer, r, idxR, inner, out._buf);
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, "GatherBackward", [x], (g) => [scatterAdd(make(allocOn(g.device, g.dtype, numel(xs)), xs, g.dtype), d, index, g)]);
  }
  return out;
}

function scatterImpl(x: Tensor, dim: number, index: Tensor, src: Tensor | number, mode: "set" | "sum", op: string): Tensor {
  const d = normDim(dim, x.ndim, op);
  const srcT = typeof src === "number" ? scalarOf(src, x.dtype).to(x.device).expand(index.shape) : src;
  checkGatherShapes(x, d, index, op);
  for (let i = 0; i < index.ndim; i++) {
    if (srcT.shape[i] < index.shape[i]) throw new Error(`${op}: src ${fmtShape(srcT.shape)} is smaller than index ${fmtShape(index.shape)} at dim ${i}`);
  }
  const sc = shapesEqual(srcT.shape, index.shape) ? srcT : cropTo(srcT, index.shape);
  const scd = sc.dtype === x.dtype ? sc : sc.to(x.dtype);
  const idx = indexBuf(index, x.ndim === 0 ? 1 : x.shape[d], op, x.device);
  const [outer, r, inner] = x.ndim === 0 ? [1, 1, 1] : split3(x.shape, d);
  const idxR = x.ndim === 0 ? 1 : index.shape[d];
  const out = x.detach().clone();
  currentBackend().scatter(out._buf, idx, scd.contiguous()._buf, outer, r, idxR, inner, mode);
  if (needsGrad(x, scd)) {
    record(out, mode === "set" ? "ScatterBackward" : "ScatterAddBackward", [x, scd], (g) => [
      x.requiresGrad ? (mode === "set" ? scatterImpl(g, d, index, 0, "set", op) : g) : null,
      scd.requiresGrad ? gather(g, d, index) : null,
    ]);
  }
  return out;
}

function cropTo(t: Tensor, shape: readonly number[]): Tensor {
  let r = t;
  for (let i = 0; i < shape.length; i++) if (r.shape[i] !== shape[i]) r = r.narrow(i, 0, shape[i]);
  return r;
}

/** Copy of x with src values written at index along dim (later writes win on duplicates). */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return scatterImpl(x, dim, index, src, "set", "scatter");
}

/** Copy of x with src values added at index along dim (duplicates accumulate). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterImpl(x, dim, index, src, "sum", "scatterAdd");
}

/**
 * Reduces src values into x at index along dim with "sum" | "prod" | "mean" |
 * "amax" | "amin"; `includeSelf` (default true) counts x's own values.
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, opts: { includeSelf?: boolean } = {}): Tensor {
  const includeSelf = opts.includeSelf ?? true;
  const d = normDim(dim, x.ndim, "scatterReduce");
  checkGatherShapes(x, d, index, "scatterReduce");
  if (!shapesEqual(src.shape, index.shape)) {
    throw new Error(`scatterReduce: src shape ${fmtShape(src.shape)} must equal index shape ${fmtShape(index.shape)}`);
  }
  if (!["sum", "prod", "mean", "amax", "amin"].includes(reduce)) {
    throw new Error(`scatterReduce: unknown reduce "${reduce}"; expected "sum", "prod", "mean", "amax" or "amin"`);
  }
  if (reduce === "sum") {
    const base = includeSelf ? x : scatter(x, d, index, 0);
    return scatterAdd(base, d, index, src);
  }
  if (reduce === "mean") {
    const ones = make(allocArray(x.dtype, src.numel()).fill(1), src.shape.slice(), x.dtype).to(x.device);
    const base = includeSelf ? x : scatter(x, d, index, 0);
    const count0 = make(allocArray(x.dtype, x.numel()).fill(includeSelf ? 1 : 0), x.shape.slice(), x.dtype).to(x.device);
    const count = scatterAdd(count0, d, index, ones);
    const total = scatterAdd(base, d, index, src);
    // Untouched slots keep x (count 0 with includeSelf=false): divide by max(count, 1).
    const c = count.clamp(1);
    return x.dtype === "int32" ? total.div(c).floor().int() : total.div(c);
  }
  const mode = reduce;
  const idx = checkIndex(index, x.shape[d], "scatterReduce");
  const [outer, r, inner] = split3(x.shape, d);
  const idxR = index.shape[d];
  const out = make(x._data.slice(), x.shape.slice(), x.dtype);
  const touched = make(new Uint8Array(x.numel()), x.shape.slice(), "bool");
  // Mark the slots written, so includeSelf=false can start them from the first src value.
  currentBackend().scatter(touched._data, idx, new Uint8Array(src.numel()).fill(1), outer, r, idxR, inner, "set");
  if (!includeSelf) {
    const init = mode === "prod" ? 1 : mode === "amax" ? -Infinity : Infinity;
    for (let i = 0; i < out._data.length; i++) if (touched._data[i]) out._data[i] = init;
  }
  const sc = src.dtype === x.dtype ? src : src.to(x.dtype);
  currentBackend().scatter(out._data, idx, sc._data, outer, r, idxR, inner, mode);
  if (needsGrad(x, sc)) {
    record(out, "ScatterReduceBackward", [x, sc], (g) => {
      if (mode === "prod") {
        // d out / d v = out / v for a nonzero contributor v (out is 0 if another one is 0).
        // A zero contributor gets the product of the others: the nonzero product when it
        // is the only zero in its slot, else 0.
        const outSafe = g.mul(out);
        const srcZero = sc.eq(0), selfZero = x.eq(0);
        const { nzProd, zeros } = prodZeroStats(x, sc, d, index, includeSelf);
        const gZero = g.mul(where(zeros.eq(1), nzProd, 0));
        const gSrc = where(srcZero, gather(gZero, d, index), gather(outSafe, d, index).div(where(srcZero, 1, sc)));
        const gSelf = includeSelf ? where(selfZero, gZero, outSafe.div(where(selfZero, 1, x))) : where(touched, 0, g);
        return [x.requiresGrad ? gSelf : null, sc.requiresGrad ? gSrc : null];
      }
      // amax/amin: the gradient is split evenly among the values equal to the result.
      const outAtSrc = gather(out, d, index);
      const srcHit = sc.eq(outAtSrc).to(g.dtype);
      const selfHit = includeSelf ? x.eq(out).to(g.dtype) : where(touched, 0, 1).to(g.dtype).mul(0);
      const counts = scatterAdd(selfHit, d, index, srcHit);
      const gPer = g.div(counts.clamp(1));
      const gSelf = includeSelf ? gPer.mul(selfHit) : where(touched, 0, g);
      return [x.requiresGrad ? gSelf : null, sc.requiresGrad ? gather(gPer, d, index).mul(srcHit) : null];
    }, [x, sc, out]);
  }
  return out;
}

/** Per slot of a prod scatterReduce: the product of the nonzero contributors and the count of zeros. */
function prodZeroStats(x: Tensor, src: Tensor, d: number, index: Tensor, includeSelf: boolean): { nzProd: Tensor; zeros: Tensor } {
  const [outer, r, inner] = split3(x.shape, d);
  const idxR = index.shape[d];
  const idx = checkIndex(index, x.shape[d], "scatterReduce");
  const nz = allocArray(x.dtype, x.numel());
  const zc = allocArray(x.dtype, x.numel());
  const xd = x._data;
  for (let i = 0; i < nz.length; i++) {
    const v = includeSelf ? xd[i] : 1;
    nz[i] = v === 0 ? 1 : v;
    zc[i] = v === 0 ? 1 : 0;
  }
  const sd = src._data;
  const sNz = allocArray(x.dtype, sd.length), sZ = allocArray(x.dtype, sd.length);
  for (let i = 0; i < sd.length; i++) {
    sNz[i] = sd[i] === 0 ? 1 : sd[i];
    sZ[i] = sd[i] === 0 ? 1 : 0;
  }
  currentBackend().scatter(nz, idx, sNz, outer, r, idxR, inner, "prod");
  currentBackend().scatter(zc, idx, sZ, outer, r, idxR, inner, "sum");
  return { nzProd: make(nz, x.shape.slice(), x.dtype), zeros: make(zc, x.shape.slice(), x.dtype) };
}

/** Copy of x with `value` where mask (bool, broadcastable to x) is true. */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  if (mask.dtype !== "bool") throw new TypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  const v = value instanceof Tensor ? value.to(x.dtype) : value;
  // Out of place, PyTorch broadcasts x and mask together (the result may be bigger than x).
  const shape = broadcastShapes(x.shape, mask.shape, "maskedFill");
  const r = where(mask, v, x);
  if (!shapesEqual(r.shape, shape)) {
    throw new Error(`maskedFill: value of shape ${fmtShape((value as Tensor).shape)} must be a 0-dim tensor or a number`);
  }
  return r.dtype === x.dtype ? r : r.to(x.dtype);
}

/** The 1-D tensor of x's values where mask (broadcast) is true. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== "bool") throw new TypeError(`maskedSelect: mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes(x.shape, mask.shape, "maskedSelect");
  const xe = x.expand(shape), me = mask.expand(shape);
  const picks: number[] = [];
  for (let i = 0; i < me._data.length; i++) if (me._data[i]) picks.push(i);
  const idx = make(Int32Array.from(picks), [picks.length], "int32");
  return indexSelect(xe.reshape(-1), 0, idx);
}

/** One-hot encoding of int32 class indices → int32 [..., numClasses]. */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  if (index.dtype !== "int32") throw new TypeError(`oneHot: expects an int32 index tensor, got ${index.dtype}`);
  const d = index._data as Int32Array;
  let n = numClasses;
  if (n < 0) n = d.reduce((m, v) => Math.max(m, v + 1), 0);
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= n) throw new RangeError(`oneHot: class index ${d[i]} is out of range for ${n} classes`);
  }
  const out = new Int32Array(d.length * n);
  for (let i = 0; i < d.length; i++) out[i * n + d[i]] = 1;
  return make(out, [...index.shape, n], "int32");
}

/** Indices of nonzero elements as an int32 [count, ndim] tensor. */
export function nonzero(x: Tensor): Tensor {
  const rows: number[] = [];
  const nd = x.ndim;
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < x._data.length; i++) {
    if (x._data[i]) rows.push(...idx);
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < x.shape[k]) break;
      idx[k] = 0;
    }
  }
  return make(Int32Array.from(rows), [rows.length / Math.max(nd, 1), nd], "int32");
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link indexSelect}. */ indexSelect(dim: number, index: Tensor): Tensor;
    /** Method form of {@link indexAdd}. */ indexAdd(dim: number, index: Tensor, src: Tensor, opts?: { alpha?: number }): Tensor;
    /** Method form of {@link gather}. */ gather(dim: number, index: Tensor): Tensor;
    /** Method form of {@link scatter}. */ scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    /** Method form of {@link scatterAdd}. */ scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    /** Method form of {@link scatterReduce}. */ scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, opts?: { includeSelf?: boolean }): Tensor;
    /** Method form of {@link maskedFill}. */ maskedFill(mask: Tensor, value: number | Tensor): Tensor;
    /** Method form of {@link maskedSelect}. */ maskedSelect(mask: Tensor): Tensor;
    /** Method form of {@link nonzero}. */ nonzero(): Tensor;
  }
}

const P = Tensor.prototype;
P.indexSelect = function (d, i) { return indexSelect(this, d, i); };
P.indexAdd = function (d, i, s, o) { return indexAdd(this, d, i, s, o); };
P.gather = function (d, i) { return gather(this, d, i); };
P.scatter = function (d, i, s) { return scatter(this, d, i, s); };
P.scatterAdd = function (d, i, s) { return scatterAdd(this, d, i, s); };
P.scatterReduce = function (d, i, s, r, o) { return scatterReduce(this, d, i, s, r, o); };
P.maskedFill = function (m, v) { return maskedFill(this, m, v); };
P.maskedSelect = function (m) { return maskedSelect(this, m); };
P.nonzero = function () { return nonzero(this); };
