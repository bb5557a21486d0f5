/**
 * The tracer's op table: one recorded autograd op (its node name, input tensors and
 * output, as `record` sees them) → the equivalent ONNX nodes. The node name fixes the
 * op; what the name does not carry (a view's geometry, a reduction's dims, a softmax
 * axis, matmul transposes, max-pool windows) is read from the tensors' geometry and,
 * where shapes alone leave a choice, by recomputing each candidate on the example
 * values and keeping the one that reproduces the recorded output exactly. An op that
 * is not in the table, or whose attributes no candidate reproduces, throws by name.
 */
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { numel } from "../../core/shape.js";
import * as C from "../../ops/creation.js";
import { gemm } from "../../ops/linalg.js";
import { logSoftmax, maxPool2d, softmax } from "../../nn/functional/index.js";
import { type OnnxExportContext, type OnnxValue, f } from "./export-context.js";
import { onnxTypeOf } from "./ops-util.js";

const UNARY: Record<string, string> = {
  ExpBackward: "Exp", LogBackward: "Log", SigmoidBackward: "Sigmoid", TanhBackward: "Tanh", ReluBackward: "Relu",
  NegBackward: "Neg", AbsBackward: "Abs", SqrtBackward: "Sqrt", SinBackward: "Sin", CosBackward: "Cos", TanBackward: "Tan",
  ErfBackward: "Erf", ReciprocalBackward: "Reciprocal", SignBackward: "Sign", FloorBackward: "Floor", CeilBackward: "Ceil",
  RoundBackward: "Round", CloneBackward: "Identity",
};
const BINARY: Record<string, string> = {
  AddBackward: "Add", SubBackward: "Sub", MulBackward: "Mul", DivBackward: "Div", PowBackward: "Pow",
  MaximumBackward: "Max", MinimumBackward: "Min", WhereBackward: "Where",
};

/** The ops the tracer writes (for error messages). */
export const TRACED_OPS = [...Object.keys(UNARY), ...Object.keys(BINARY), "views (view, reshape, permute, slice, select, expand, ...)",
  "SquareBackward", "RsqrtBackward", "Log1pBackward", "Expm1Backward", "ToCopyBackward", "CatBackward", "SumBackward",
  "SoftmaxBackward", "LogSoftmaxBackward", "MmBackward", "AddmmBackward", "MaxPool2DWithIndicesBackward"];

const same = (a: Tensor, b: Tensor): boolean => {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) return false;
  const x = a._data, y = b._data;
  for (let i = 0; i < x.length; i++) if (!(Math.abs(x[i] - y[i]) <= 1e-6 * (1 + Math.abs(y[i])))) return false;
  return true;
};

const i64 = (ctx: OnnxExportContext, v: number[]): string => ctx.constant(C.tensor(v, { dtype: "int32" }));

/** Storage positions of a tensor's elements in row-major logical order. */
function positions(t: Tensor): Int32Array {
  const st = t.stride(), sh = t.shape, n = numel(sh), out = new Int32Array(n);
  const idx = new Array<number>(sh.length).fill(0);
  let pos = t.storageOffset();
  for (let e = 0; e < n; e++) {
    out[e] = pos;
    for (let d = sh.length - 1; d >= 0; d--) {
      if (++idx[d] < sh[d]) { pos += st[d]; break; }
      pos -= st[d] * (sh[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}

/** A view `out` of `x` (same storage): Reshape, Transpose, Expand, or a Gather of the elements it picks. */
export function viewOf(ctx: OnnxExportContext, x: OnnxValue, out: Tensor): string {
  const px = positions(x.t), po = positions(out);
  if (px.length === po.length && px.every((p, i) => p === po[i])) {
    // A leading dim kept as is is written 0 (ONNX: copy the input's), so a dynamic batch stays dynamic.
    const shape = out.shape.map((d, i) => (i === 0 && out.ndim > 1 && x.t.ndim > 1 && d === x.t.shape[0] ? 0 : d));
    return ctx.op("Reshape", [x, i64(ctx, shape)])[0];
  }
  const xs = x.t.stride(), os = out.stride();
  if (out.ndim === x.t.ndim && px.length === po.length) {
    // A permutation: each out dim is the x dim with its size and stride.
    const used = new Set<number>();
    const perm = out.shape.map((s, i) => {
      const d = x.t.shape.findIndex((xsz, k) => !used.has(k) && xsz === s && (s === 1 || xs[k] === os[i]));
      used.add(d);
      return d;
    });
    if (perm.every((d) => d >= 0) && out.storageOffset() === x.t.storageOffset()) return ctx.op("Transpose", [x], { perm })[0];
  }
  if (out.ndim === x.t.ndim && out.storageOffset() === x.t.storageOffset() && out.shape.every((s, i) => s === x.t.shape[i] || (x.t.shape[i] === 1 && os[i] === 0))) {
    return ctx.op("Expand", [x, i64(ctx, out.shape)])[0];
  }
  // Any other view: gather the picked elements by their index in x's row-major order.
  const where = new Map<number, number>();
  px.forEach((p, i) => { if (!where.has(p)) where.set(p, i); });
  const flat = Array.from(po, (p) => {
    const i = where.get(p);
    if (i === undefined) throw new Error("exportOnnx: a traced view reads elements outside the tensor it views");
    return i;
  });
  const x1 = ctx.op("Reshape", [x, i64(ctx, [-1])])[0];
  const g = ctx.op("Gather", [x1, i64(ctx, flat)], { axis: 0 })[0];
  return ctx.op("Reshape", [g, i64(ctx, out.shape)])[0];
}

function catAxis(parts: Tensor[], out: Tensor): number {
  for (let d = 0; d < out.ndim; d++) {
    if (parts.every((p) => p.ndim === out.ndim && p.shape.every((s, k) => k === d || s === out.shape[k])) && parts.reduce((a, p) => a + p.shape[d], 0) === out.shape[d]) return d;
  }
  return -1;
}

/** The dims a sum reduced (keepdim or not), checked on the values. */
function sumDims(x: Tensor, out: Tensor): { axes: number[]; keep: number } | null {
  const r = x.ndim;
  const cands: { axes: number[]; keep: number }[] = [];
  for (let mask = 1; mask < 1 << r; mask++) {
    const axes = Array.from({ length: r }, (_, d) => d).filter((d) => mask & (1 << d));
    const kept = x.shape.map((s, d) => (axes.includes(d) ? 1 : s));
    const dropped = x.shape.filter((_, d) => !axes.includes(d));
    if (kept.length === out.ndim && kept.every((s, i) => s === out.shape[i])) cands.push({ axes, keep: 1 });
    if (dropped.length === out.ndim && dropped.every((s, i) => s === out.shape[i])) cands.push({ axes, keep: 0 });
  }
  for (const c of cands) if (cands.length === 1 || same(noGrad(() => x.sum(c.axes, c.keep === 1)), out)) return c;
  return null;
}

/** Writes one recorded op; returns the ONNX name of its output. */
export function emitRecorded(ctx: OnnxExportContext, name: string, ins: OnnxValue[], out: Tensor): string | null {
  const x = ins[0];
  if (UNARY[name]) return ctx.op(UNARY[name], [x])[0];
  if (BINARY[name]) return ctx.op(BINARY[name], ins)[0];
  switch (name) {
    case "SquareBackward": return ctx.op("Mul", [x, x])[0];
    case "RsqrtBackward": return ctx.op("Reciprocal", [ctx.op("Sqrt", [x])[0]])[0];
    case "Log1pBackward": return ctx.op("Log", [ctx.op("Add", [x, ctx.constant(C.scalarTensor(1, out.dtype))])[0]])[0];
    case "Expm1Backward": return ctx.op("Sub", [ctx.op("Exp", [x])[0], ctx.constant(C.scalarTensor(1, out.dtype))])[0];
    case "ToCopyBackward": return ctx.op("Cast", [x], { to: onnxTypeOf(out.dtype) })[0];
    case "CatBackward": {
      const axis = catAxis(ins.map((v) => v.t), out);
      return axis < 0 ? null : ctx.op("Concat", ins, { axis })[0];
    }
    case "SumBackward": {
      const c = sumDims(x.t, out);
      return c && ctx.op("ReduceSum", [x, i64(ctx, c.axes)], { keepdims: c.keep })[0];
    }
    case "SoftmaxBackward": case "LogSoftmaxBackward": {
      const fn = name === "SoftmaxBackward" ? softmax : logSoftmax;
      const dims = Array.from({ length: x.t.ndim }, (_, d) => d).sort((a, b) => Number(x.t.shape[a] === 1) - Number(x.t.shape[b] === 1));
      const axis = dims.find((d) => same(noGrad(() => fn(x.t, d)), out));
      return axis === undefined ? null : ctx.op(name === "SoftmaxBackward" ? "Softmax" : "LogSoftmax", [x], { axis })[0];
    }
    case "MmBackward": {
      const [a, b] = ins;
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        let y: Tensor;
        try { y = noGrad(() => gemm(a.t, b.t, ta, tb)); } catch { continue; }
        if (!same(y, out)) continue;
        const perm = (t: Tensor) => [...Array.from({ length: t.ndim - 2 }, (_, i) => i), t.ndim - 1, t.ndim - 2];
        const aa = ta ? ctx.op("Transpose", [a], { perm: perm(a.t) })[0] : a.name, bb = tb ? ctx.op("Transpose", [b], { perm: perm(b.t) })[0] : b.name;
        return ctx.op("MatMul", [aa, bb])[0];
      }
      return null;
    }
    case "AddmmBackward": // F.linear's fused x·Wᵀ + b on 2-D input
      return ctx.op("Gemm", ins, { transB: 1, alpha: f(1), beta: f(1) })[0];
    case "MaxPool2DWithIndicesBackward": return maxPool(ctx, x, out);
  }
  return null;
}

/** F.maxPool2d: the window (kernel, stride, padding, dilation 1) that reproduces the output. */
function maxPool(ctx: OnnxExportContext, x: OnnxValue, out: Tensor): string | null {
  const [H, W] = x.t.shape.slice(-2), [oH, oW] = out.shape.slice(-2);
  for (let k = 1; k <= Math.min(8, Math.max(H, W)); k++) {
    for (let s = k; s >= 1; s--) {
      for (let p = 0; p <= k >> 1; p++) {
        for (const ceil of [false, true]) {
          const size = (n: number) => (ceil ? Math.ceil : Math.floor)((n + 2 * p - k) / s) + 1;
          if (size(H) !== oH || size(W) !== oW) continue;
          const y = noGrad(() => maxPool2d(x.t, k, { stride: s, padding: p, ceilMode: ceil }));
          if (!same(y, out)) continue;
          return ctx.op("MaxPool", [x], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], ceil_mode: ceil ? 1 : 0 })[0];
        }
      }
    }
  }
  return null;
}
