/**
 * ONNX importer operators, part 2: shape and indexing (Reshape, Transpose, Concat,
 * Split, Slice, Gather, Squeeze/Unsqueeze, Expand, Shape, Tile, Pad, …). ONNX passes
 * shapes and axes as int64 tensors; they arrive here as int32 (huge Slice ends such as
 * INT64_MAX clamp to INT32_MAX, which still means "to the end").
 */
import type { Tensor } from "../../core/tensor.js";
import { broadcastShapes } from "../../core/shape.js";
import * as S from "../../ops/shape.js";
import { pad } from "../../ops/pad.js";
import * as I from "../../ops/indexing.js";
import * as E from "../../ops/elementwise.js";
import { type OpHandler, vals, ints, axis, need, prodOf } from "./ops-util.js";
import { checkAlloc } from "./checks.js";
import { readData } from "../../ops/data.js";

/** Axes from the attribute (older opsets) or from input `i` (opset ≥ 13). */
function axesArg(ins: (Tensor | undefined)[], i: number, list: number[] | undefined): number[] | undefined {
  return ins[i] !== undefined ? vals(ins[i]) : list;
}

function normIndex(idx: Tensor, size: number): Tensor {
  const v = readData(idx);
  for (let i = 0; i < v.length; i++) {
    if (v[i] < -size || v[i] >= size) throw new Error(`Gather: index ${v[i]} is out of range for an axis of size ${size}`);
  }
  return E.where(E.lt(idx, 0), E.add(idx, size), idx).to("int32");
}

function sliceAxis(x: Tensor, d: number, start: number, end: number, step: number): Tensor {
  const n = x.shape[d];
  if (step === 0) throw new Error(`Slice: step must not be 0`);
  if (step > 0) {
    const s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
    const e = Math.min(Math.max(end < 0 ? end + n : end, 0), n);
    return S.slice(x, d, s, Math.max(s, e), step);
  }
  // Negative steps: clamp as ONNX does (start to [0, n-1], end to [-1, n-1]) and gather the indices.
  const s = Math.min(Math.max(start < 0 ? start + n : start, -1), n - 1);
  const e = Math.min(Math.max(end < 0 ? end + n : end, -1), n - 1);
  const idx: number[] = [];
  for (let i = s; i > e; i += step) idx.push(i);
  return I.indexSelect(x, d, ints(idx));
}

function gather(x: Tensor, ax: number, idx: Tensor): Tensor {
  const n = x.shape[ax];
  const flat = normIndex(idx.reshape([-1]), n);
  const g = I.indexSelect(x, ax, flat);
  return g.reshape([...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)]);
}

export const shapeOps: Record<string, OpHandler> = {
  Flatten: (ins, a) => {
    const x = need(ins, 0, "Flatten");
    const ax = a.int("axis", 1);
    const k = ax < 0 ? ax + x.ndim : ax;
    if (k < 0 || k > x.ndim) a.fail(`axis ${ax} is out of range for rank ${x.ndim}`);
    return S.reshape(x, [prodOf(x.shape.slice(0, k)), prodOf(x.shape.slice(k))]);
  },
  Reshape: (ins, a) => {
    const x = need(ins, 0, "Reshape");
    const target = ins[1] !== undefined ? vals(ins[1]) : a.ints("shape") ?? [];
    const allowZero = a.int("allowzero", 0) === 1;
    const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
    if (shape.filter((d) => d === -1).length > 1) a.fail(`shape [${target}] has more than one -1`);
    return S.reshape(x, shape);
  },
  Transpose: (ins, a) => {
    const x = need(ins, 0, "Transpose");
    const perm = a.ints("perm") ?? x.shape.map((_, i) => x.ndim - 1 - i);
    return S.permute(x, perm);
  },
  Concat: (ins, a) => {
    const xs = ins.filter((t): t is Tensor => t !== undefined);
    if (xs.length === 0) a.fail("Concat needs at least one input");
    return S.cat(xs, axis(a.int("axis", 0), xs[0].ndim, "Concat"));
  },
  Split: (ins, a, ctx) => {
    const x = need(ins, 0, "Split");
    const d = axis(a.int("axis", 0), x.ndim, "Split");
    let sizes = ins[1] !== undefined ? vals(ins[1]) : a.ints("split");
    if (!sizes || sizes.length === 0) {
      const k = a.int("num_outputs") ?? ctx.nOutputs;
      const each = Math.ceil(x.shape[d] / k);
      sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(each, x.shape[d] - i * each)));
    }
    return S.split(x, sizes, d);
  },
  Slice: (ins, a, ctx) => {
    let x = need(ins, 0, "Slice");
    const old = ctx.opset < 10;
    const starts = old ? a.ints("starts") ?? [] : vals(need(ins, 1, "Slice"));
    const ends = old ? a.ints("ends") ?? [] : vals(need(ins, 2, "Slice"));
    const axes = (old ? a.ints("axes") : ins[3] !== undefined ? vals(ins[3]) : undefined) ?? starts.map((_, i) => i);
    const steps = !old && ins[4] !== undefined ? vals(ins[4]) : starts.map(() => 1);
    for (let i = 0; i < starts.length; i++) x = sliceAxis(x, axis(axes[i], x.ndim, "Slice"), starts[i], ends[i], steps[i]);
    return x;
  },
  Gather: (ins, a) => {
    const x = need(ins, 0, "Gather");
    return gather(x, axis(a.int("axis", 0), x.ndim, "Gather"), need(ins, 1, "Gather"));
  },
  GatherElements: (ins, a) => {
    const x = need(ins, 0, "GatherElements"), idx = need(ins, 1, "GatherElements");
    const d = axis(a.int("axis", 0), x.ndim, "GatherElements");
    return I.gather(x, d, E.where(E.lt(idx, 0), E.add(idx, x.shape[d]), idx).to("int32"));
  },
  Squeeze: (ins, a) => {
    const x = need(ins, 0, "Squeeze");
    const axes = axesArg(ins, 1, a.ints("axes"));
    if (!axes || axes.length === 0) return S.squeeze(x);
    const ds = axes.map((d) => axis(d, x.ndim, "Squeeze"));
    for (const d of ds) if (x.shape[d] !== 1) a.fail(`cannot squeeze axis ${d} of size ${x.shape[d]} (shape [${x.shape}])`);
    return S.reshape(x, x.shape.filter((_, i) => !ds.includes(i)));
  },
  Unsqueeze: (ins, a) => {
    const x = need(ins, 0, "Unsqueeze");
    const axes = axesArg(ins, 1, a.ints("axes")) ?? [];
    const r = x.ndim + axes.length;
    const ds = new Set(axes.map((d) => axis(d, r, "Unsqueeze")));
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) shape.push(ds.has(i) ? 1 : x.shape[j++]);
    return S.reshape(x, shape);
  },
  Expand: (ins, a, ctx) => {
    const x = need(ins, 0, "Expand");
    const target = vals(need(ins, 1, "Expand"));
    checkAlloc(a, ctx, target, x.dtype, "the Expand target");
    const shape = broadcastShapes(x.shape, target, "Expand");
    checkAlloc(a, ctx, shape, x.dtype, "the output");
    return S.expand(x, shape).contiguous();
  },
  Shape: (ins, a) => {
    const x = need(ins, 0, "Shape");
    const r = x.ndim;
    const clampD = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const s = clampD(a.int("start", 0)), e = clampD(a.int("end", r));
    return ints(x.shape.slice(s, Math.max(s, e)));
  },
  Size: (ins) => ints([need(ins, 0, "Size").numel()], []),
  Tile: (ins, a, ctx) => {
    const x = need(ins, 0, "Tile");
    const reps = vals(need(ins, 1, "Tile"));
    if (reps.length !== x.ndim) a.fail(`repeats has ${reps.length} values; the input has rank ${x.ndim}`);
    if (reps.some((r) => r < 0)) a.fail(`repeats [${reps.join(", ")}] must be non-negative`);
    checkAlloc(a, ctx, x.shape.map((d, i) => d * reps[i]), x.dtype, "the output");
    return S.repeat(x, ...reps);
  },
  Pad: (ins, a, ctx) => {
    const x = need(ins, 0, "Pad");
    const modeName = a.string("mode", "constant");
    const mode = modeName === "edge" ? "replicate" : modeName === "reflect" ? "reflect" : modeName === "constant" ? "constant" : a.fail(`mode "${modeName}" is not supported`);
    const raw = ctx.opset < 11 ? a.ints("pads") ?? [] : vals(need(ins, 1, "Pad"));
    const value = ctx.opset < 11 ? a.float("value", 0) : ins[2] !== undefined ? vals(ins[2])[0] ?? 0 : 0;
    const axes = ins[3] !== undefined ? vals(ins[3]).map((d) => axis(d, x.ndim, "Pad")) : x.shape.map((_, i) => i);
    const k = axes.length;
    // Checked before building anything: a short or empty pads list would make NaN sizes.
    if (raw.length !== 2 * k) a.fail(`pads has ${raw.length} values; expected ${2 * k} (begin and end for each of ${k} axes)`);
    const begin = new Array<number>(x.ndim).fill(0), end = new Array<number>(x.ndim).fill(0);
    for (let i = 0; i < k; i++) { begin[axes[i]] = raw[i]; end[axes[i]] = raw[i + k]; }
    // myelin's pad lists (left, right) pairs from the last dim backwards, as F.pad.
    const pads: number[] = [];
    for (let d = x.ndim - 1; d >= 0; d--) pads.push(begin[d], end[d]);
    checkAlloc(a, ctx, x.shape.map((s, d) => Math.max(0, s + begin[d] + end[d])), x.dtype, "the output");
    return pad(x, pads, mode, value);
  },
};
