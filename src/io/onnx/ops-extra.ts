/**
 * More ONNX operators, each as the ONNX specification defines it: inverse and
 * hyperbolic trig (composed from differentiable ops), Trilu, CumSum, Shrink,
 * MeanVarianceNormalization, DepthToSpace/SpaceToDepth, Hardmax, OneHot, IsInf,
 * EyeLike, TopK (values differentiable through a gather), NonZero, Compress, GatherND,
 * ScatterElements/Scatter, ScatterND, ReverseSequence, LRN, Det and the Hann, Hamming
 * and Blackman windows. Index-valued outputs are computed directly on the data.
 */
import { Tensor, make } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import { allocArray } from "../../core/dtype.js";
import { atan2, where } from "../../ops/elementwise.js";
import { tril, triu } from "../../ops/pad.js";
import { cumsum } from "../../ops/reduce.js";
import { flip } from "../../ops/shape.js";
import { gather, indexSelect } from "../../ops/indexing.js";
import { type Attrs, type OpContext, type OpHandler, axis, dtypeOf, need, prodOf, vals } from "./ops-util.js";
import { readData } from "../../ops/data.js";

const one = (f: (x: Tensor) => Tensor, op: string): OpHandler => (ins) => f(need(ins, 0, op));
const sqrt1m = (x: Tensor): Tensor => x.square().neg().add(1).sqrt();
const stridesOf = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};
const out = (data: ArrayLike<number>, shape: number[], dtype: DType): Tensor => {
  const a = allocArray(dtype, data.length);
  for (let i = 0; i < data.length; i++) a[i] = data[i];
  return make(a, shape, dtype);
};

/** y = x / (bias + alpha/size · Σ x² over a window of channels)^beta. */
function lrn(x: Tensor, a: Attrs): Tensor {
  const size = a.int("size", 0), alpha = a.float("alpha", 1e-4), beta = a.float("beta", 0.75), bias = a.float("bias", 1);
  if (!(size > 0)) a.fail("size must be a positive integer");
  const [n, c] = x.shape, inner = prodOf(x.shape.slice(2)), d = readData(x) as Float32Array, o = new Float32Array(d.length);
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < inner; i++) {
    let s = 0;
    for (let k = Math.max(0, ch - lo); k <= Math.min(c - 1, ch + hi); k++) s += d[(b * c + k) * inner + i] ** 2;
    const j = (b * c + ch) * inner + i;
    o[j] = d[j] / (bias + (alpha / size) * s) ** beta;
  }
  return make(o, x.shape.slice(), x.dtype);
}

/** One-hot of the arg-max (first on ties) along `axis`; before opset 13 the input is read as 2-D [∏ dims < axis, rest]. */
function hardmax(x: Tensor, a: Attrs, ctx: OpContext): Tensor {
  const r = x.ndim, ax = axis(a.int("axis", ctx.opset < 13 ? 1 : -1), r, "Hardmax");
  const d = readData(x), o = allocArray(x.dtype, d.length);
  const outer = prodOf(x.shape.slice(0, ax));
  const [len, inner] = ctx.opset < 13 ? [prodOf(x.shape.slice(ax)), 1] : [x.shape[ax], prodOf(x.shape.slice(ax + 1))];
  for (let b = 0; b < outer; b++) for (let i = 0; i < inner; i++) {
    let best = 0;
    for (let k = 1; k < len; k++) if (d[(b * len + k) * inner + i] > d[(b * len + best) * inner + i]) best = k;
    o[(b * len + best) * inner + i] = 1;
  }
  return make(o, x.shape.slice(), x.dtype);
}

function oneHot(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const idx = need(ins, 0, "OneHot"), depth = Math.trunc(vals(need(ins, 1, "OneHot"))[0]), values = need(ins, 2, "OneHot");
  const [off, on] = vals(values);
  const r = idx.ndim + 1, ax = axis(a.int("axis", -1), r, "OneHot");
  const shape = [...idx.shape.slice(0, ax), depth, ...idx.shape.slice(ax)];
  const inner = prodOf(idx.shape.slice(ax)), outer = prodOf(idx.shape.slice(0, ax)), iv = vals(idx);
  const o = allocArray(values.dtype, prodOf(shape)).fill(off);
  for (let b = 0; b < outer; b++) for (let i = 0; i < inner; i++) {
    let k = Math.trunc(iv[b * inner + i]);
    if (k < 0) k += depth;
    if (k >= 0 && k < depth) o[(b * depth + k) * inner + i] = on;
  }
  return make(o, shape, values.dtype);
}

/** Values and int indices of the k largest (or smallest) along an axis; ties keep the lower index first. */
function topK(ins: (Tensor | undefined)[], a: Attrs, ctx: OpContext): Tensor[] {
  const x = need(ins, 0, "TopK"), r = x.ndim, ax = axis(a.int("axis", -1), r, "TopK");
  const k = ctx.opset < 10 ? a.int("k", 0) : Math.trunc(vals(need(ins, 1, "TopK"))[0]);
  const largest = a.int("largest", 1) !== 0, len = x.shape[ax];
  if (!(k >= 0 && k <= len)) a.fail(`k ${k} must be in [0, ${len}]`);
  const outer = prodOf(x.shape.slice(0, ax)), inner = prodOf(x.shape.slice(ax + 1)), d = readData(x);
  const idx = new Int32Array(outer * k * inner), order = Array.from({ length: len }, (_, i) => i);
  for (let b = 0; b < outer; b++) for (let i = 0; i < inner; i++) {
    const v = (j: number) => d[(b * len + j) * inner + i];
    order.sort((p, q) => (v(p) === v(q) ? p - q : largest ? v(q) - v(p) : v(p) - v(q)));
    for (let j = 0; j < k; j++) idx[(b * k + j) * inner + i] = order[j];
  }
  const shape = x.shape.slice();
  shape[ax] = k;
  const indices = make(idx, shape, "int32");
  return [gather(x, ax, indices), indices];
}

function nonZero(x: Tensor): Tensor {
  const d = readData(x), st = stridesOf(x.shape), hits: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i]) hits.push(i);
  const r = Math.max(x.ndim, 1), o = new Int32Array(r * hits.length);
  hits.forEach((h, j) => { for (let dd = 0; dd < x.ndim; dd++) o[dd * hits.length + j] = Math.floor(h / st[dd]) % x.shape[dd]; });
  return make(o, [x.ndim, hits.length], "int32");
}

function compress(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  let x = need(ins, 0, "Compress");
  const cond = vals(need(ins, 1, "Compress"));
  if (!a.has("axis")) x = x.reshape(-1);
  const ax = a.has("axis") ? axis(a.int("axis", 0), x.ndim, "Compress") : 0;
  const keep: number[] = [];
  for (let i = 0; i < Math.min(cond.length, x.shape[ax]); i++) if (cond[i]) keep.push(i);
  return indexSelect(x, ax, make(Int32Array.from(keep), [keep.length], "int32"));
}

function gatherND(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x = need(ins, 0, "GatherND"), ind = need(ins, 1, "GatherND"), bd = a.int("batch_dims", 0);
  const q = ind.ndim, m = ind.shape[q - 1], iv = vals(ind), d = readData(x);
  const batch = prodOf(x.shape.slice(0, bd)), slice = prodOf(x.shape.slice(bd + m)), st = stridesOf(x.shape.slice(bd));
  const perBatch = prodOf(ind.shape.slice(bd, q - 1)), xBatch = prodOf(x.shape.slice(bd));
  const o = allocArray(x.dtype, batch * perBatch * slice);
  for (let b = 0; b < batch; b++) for (let j = 0; j < perBatch; j++) {
    let off = b * xBatch;
    for (let t = 0; t < m; t++) {
      let v = Math.trunc(iv[(b * perBatch + j) * m + t]);
      if (v < 0) v += x.shape[bd + t];
      off += v * st[t];
    }
    for (let s = 0; s < slice; s++) o[(b * perBatch + j) * slice + s] = d[off + s];
  }
  return make(o, [...ind.shape.slice(0, q - 1), ...x.shape.slice(bd + m)], x.dtype);
}

const REDUCE: Record<string, (p: number, q: number) => number> = {
  none: (_p, q) => q, add: (p, q) => p + q, mul: (p, q) => p * q, max: Math.max, min: Math.min,
};
function reducer(a: Attrs): (p: number, q: number) => number {
  const r = a.string("reduction", "none");
  if (!(r in REDUCE)) a.fail(`reduction "${r}" is not one of ${Object.keys(REDUCE).join(", ")}`);
  return REDUCE[r];
}

function scatterElements(ins: (Tensor | undefined)[], a: Attrs, op: string): Tensor {
  const x = need(ins, 0, op), ind = need(ins, 1, op), upd = need(ins, 2, op), f = reducer(a);
  const ax = axis(a.int("axis", 0), x.ndim, op), o = readData(x).slice(), iv = vals(ind), uv = readData(upd);
  const xs = stridesOf(x.shape), is = stridesOf(ind.shape);
  for (let i = 0; i < iv.length; i++) {
    let off = 0;
    for (let dd = 0; dd < ind.ndim; dd++) {
      let c = Math.floor(i / is[dd]) % ind.shape[dd];
      if (dd === ax) { c = Math.trunc(iv[i]); if (c < 0) c += x.shape[ax]; }
      off += c * xs[dd];
    }
    o[off] = f(o[off], uv[i]);
  }
  return make(o, x.shape.slice(), x.dtype);
}

function scatterND(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x = need(ins, 0, "ScatterND"), ind = need(ins, 1, "ScatterND"), upd = need(ins, 2, "ScatterND"), f = reducer(a);
  const m = ind.shape[ind.ndim - 1], n = prodOf(ind.shape.slice(0, -1)), slice = prodOf(x.shape.slice(m));
  const st = stridesOf(x.shape), iv = vals(ind), uv = readData(upd), o = readData(x).slice();
  for (let j = 0; j < n; j++) {
    let off = 0;
    for (let t = 0; t < m; t++) { let v = Math.trunc(iv[j * m + t]); if (v < 0) v += x.shape[t]; off += v * st[t]; }
    for (let s = 0; s < slice; s++) o[off + s] = f(o[off + s], uv[j * slice + s]);
  }
  return make(o, x.shape.slice(), x.dtype);
}

function reverseSequence(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x = need(ins, 0, "ReverseSequence"), lens = vals(need(ins, 1, "ReverseSequence"));
  const ba = a.int("batch_axis", 1), ta = a.int("time_axis", 0), st = stridesOf(x.shape), d = readData(x), o = d.slice();
  for (let i = 0; i < d.length; i++) {
    const b = Math.floor(i / st[ba]) % x.shape[ba], t = Math.floor(i / st[ta]) % x.shape[ta];
    if (t < lens[b]) o[i + (lens[b] - 1 - 2 * t) * st[ta]] = d[i];
  }
  return make(o, x.shape.slice(), x.dtype);
}

/** Determinant of each trailing [n, n] matrix by LU with partial pivoting (float64 accumulation). */
function det(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1], count = prodOf(x.shape.slice(0, -2)), d = readData(x), o = allocArray(x.dtype, count);
  for (let b = 0; b < count; b++) {
    const m = Float64Array.from(d.subarray(b * n * n, (b + 1) * n * n) as ArrayLike<number>);
    let r = 1;
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[p * n + c])) p = i;
      if (m[p * n + c] === 0) { r = 0; break; }
      if (p !== c) { for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]]; r = -r; }
      r *= m[c * n + c];
      for (let i = c + 1; i < n; i++) {
        const f = m[i * n + c] / m[c * n + c];
        for (let j = c; j < n; j++) m[i * n + j] -= f * m[c * n + j];
      }
    }
    o[b] = r;
  }
  return make(o, x.shape.slice(0, -2), x.dtype);
}

/** Generalised cosine window Σ_k (-1)^k a_k cos(2πk n / N), N = size (periodic) or size - 1. */
function cosineWindow(coeffs: number[], op: string): OpHandler {
  return (ins, a) => {
    const size = Math.trunc(vals(need(ins, 0, op))[0]), periodic = a.int("periodic", 1) !== 0;
    const N = periodic ? size : size - 1, w = new Float64Array(size);
    for (let i = 0; i < size; i++) w[i] = coeffs.reduce((s, c, k) => s + (k % 2 ? -c : c) * Math.cos((2 * Math.PI * k * i) / N), 0);
    return out(w, [size], dtypeOf(a.int("output_datatype", 1), op));
  };
}

/** DepthToSpace (DCR or CRD) and SpaceToDepth as reshape / permute / reshape. */
function depthToSpace(x: Tensor, a: Attrs): Tensor {
  const bs = a.int("blocksize", 0), [n, c, h, w] = x.shape, crd = a.string("mode", "DCR") === "CRD";
  const t = crd ? x.reshape(n, c / (bs * bs), bs, bs, h, w).permute(0, 1, 4, 2, 5, 3) : x.reshape(n, bs, bs, c / (bs * bs), h, w).permute(0, 3, 4, 1, 5, 2);
  return t.reshape(n, c / (bs * bs), h * bs, w * bs);
}
function spaceToDepth(x: Tensor, a: Attrs): Tensor {
  const bs = a.int("blocksize", 0), [n, c, h, w] = x.shape;
  return x.reshape(n, c, h / bs, bs, w / bs, bs).permute(0, 3, 5, 1, 2, 4).reshape(n, c * bs * bs, h / bs, w / bs);
}

/** The operators of this file, by op_type. */
export const extraOps: Record<string, OpHandler> = {
  Asin: one((x) => atan2(x, sqrt1m(x)), "Asin"),
  Acos: one((x) => atan2(sqrt1m(x), x), "Acos"),
  Atan: one((x) => atan2(x, x.mul(0).add(1)), "Atan"),
  Sinh: one((x) => x.exp().sub(x.neg().exp()).div(2), "Sinh"),
  Cosh: one((x) => x.exp().add(x.neg().exp()).div(2), "Cosh"),
  Asinh: one((x) => x.abs().add(x.square().add(1).sqrt()).log().mul(x.sign()), "Asinh"),
  Acosh: one((x) => x.add(x.square().sub(1).sqrt()).log(), "Acosh"),
  Atanh: one((x) => x.add(1).div(x.neg().add(1)).log().mul(0.5), "Atanh"),
  Trilu: (ins, a) => {
    const x = need(ins, 0, "Trilu"), k = ins[1] ? Math.trunc(vals(ins[1])[0]) : 0;
    return a.int("upper", 1) ? triu(x, k) : tril(x, k);
  },
  CumSum: (ins, a) => {
    let x = need(ins, 0, "CumSum");
    const ax = axis(Math.trunc(vals(need(ins, 1, "CumSum"))[0]), x.ndim, "CumSum"), rev = a.int("reverse", 0) !== 0;
    if (rev) x = flip(x, ax);
    let y = cumsum(x, ax);
    if (a.int("exclusive", 0)) y = y.sub(x);
    return rev ? flip(y, ax) : y;
  },
  Shrink: (ins, a) => {
    const x = need(ins, 0, "Shrink"), l = a.float("lambd", 0.5), b = a.float("bias", 0);
    return where(x.lt(-l), x.add(b), where(x.gt(l), x.sub(b), x.mul(0)));
  },
  MeanVarianceNormalization: (ins, a) => {
    const x = need(ins, 0, "MeanVarianceNormalization"), axes = a.ints("axes") ?? [0, 2, 3];
    const c = x.sub(x.mean(axes, true));
    return c.div(c.square().mean(axes, true).add(1e-9).sqrt());
  },
  DepthToSpace: (ins, a) => depthToSpace(need(ins, 0, "DepthToSpace"), a),
  SpaceToDepth: (ins, a) => spaceToDepth(need(ins, 0, "SpaceToDepth"), a),
  Hardmax: (ins, a, ctx) => hardmax(need(ins, 0, "Hardmax"), a, ctx),
  OneHot: (ins, a) => oneHot(ins, a),
  IsInf: (ins, a) => {
    const x = need(ins, 0, "IsInf"), neg = a.int("detect_negative", 1) !== 0, pos = a.int("detect_positive", 1) !== 0;
    return out(Array.from(readData(x) as ArrayLike<number>, (v) => Number((pos && v === Infinity) || (neg && v === -Infinity))), x.shape.slice(), "bool");
  },
  EyeLike: (ins, a) => {
    const x = need(ins, 0, "EyeLike"), [r, c] = x.shape, k = a.int("k", 0);
    const o = new Float64Array(r * c);
    for (let i = 0; i < r; i++) if (i + k >= 0 && i + k < c) o[i * c + i + k] = 1;
    return out(o, [r, c], a.has("dtype") ? dtypeOf(a.int("dtype", 1), "EyeLike") : x.dtype);
  },
  TopK: (ins, a, ctx) => topK(ins, a, ctx),
  NonZero: (ins) => nonZero(need(ins, 0, "NonZero")),
  Compress: (ins, a) => compress(ins, a),
  GatherND: (ins, a) => gatherND(ins, a),
  ScatterElements: (ins, a) => scatterElements(ins, a, "ScatterElements"),
  Scatter: (ins, a) => scatterElements(ins, a, "Scatter"),
  ScatterND: (ins, a) => scatterND(ins, a),
  ReverseSequence: (ins, a) => reverseSequence(ins, a),
  LRN: (ins, a) => lrn(need(ins, 0, "LRN"), a),
  Det: (ins) => det(need(ins, 0, "Det")),
  HannWindow: cosineWindow([0.5, 0.5], "HannWindow"),
  HammingWindow: cosineWindow([25 / 46, 21 / 46], "HammingWindow"),
  BlackmanWindow: cosineWindow([0.42, 0.5, 0.08], "BlackmanWindow"),
};
