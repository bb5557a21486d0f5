/**
 * ONNX integer and set operators: BitShift (unsigned shifts, computed on the values so
 * uint32 inputs do not wrap through int32 sign bits) and Unique (flattened or slices
 * along an axis; sorted or in first-occurrence order; with first indices, inverse
 * indices and counts).
 */
import { type Tensor, make } from "../../core/tensor.js";
import { broadcastShapes } from "../../core/shape.js";
import { allocArray } from "../../core/dtype.js";
import { indexSelect } from "../../ops/indexing.js";
import { type Attrs, type OpHandler, axis, need, prodOf } from "./ops-util.js";
import { readData } from "../../ops/data.js";

function bitShift(ins: (Tensor | undefined)[], a: Attrs): Tensor {
  const x0 = need(ins, 0, "BitShift"), y0 = need(ins, 1, "BitShift");
  const dir = a.string("direction", "");
  if (dir !== "LEFT" && dir !== "RIGHT") a.fail(`direction must be "LEFT" or "RIGHT", got "${dir}"`);
  const shape = broadcastShapes(x0.shape, y0.shape, "BitShift");
  const x = readData(x0.expand(shape).contiguous()), y = readData(y0.expand(shape).contiguous());
  const o = allocArray(x0.dtype, x.length);
  for (let i = 0; i < x.length; i++) o[i] = dir === "LEFT" ? x[i] * 2 ** y[i] : Math.floor(x[i] / 2 ** y[i]);
  return make(o, shape, x0.dtype);
}

function unique(x: Tensor, a: Attrs): Tensor[] {
  const hasAxis = a.has("axis");
  const src = hasAxis ? x : x.reshape(-1);
  const ax = hasAxis ? axis(a.int("axis", 0), x.ndim, "Unique") : 0;
  const n = src.shape[ax], outer = prodOf(src.shape.slice(0, ax)), inner = prodOf(src.shape.slice(ax + 1)), d = readData(src);
  const slice = (j: number): number[] => {
    const v: number[] = [];
    for (let b = 0; b < outer; b++) for (let i = 0; i < inner; i++) v.push(d[(b * n + j) * inner + i]);
    return v;
  };
  const slices = Array.from({ length: n }, (_, j) => slice(j));
  const firstOf = new Map<string, number>();
  slices.forEach((s, j) => { const k = s.join(","); if (!firstOf.has(k)) firstOf.set(k, j); });
  let firsts = [...firstOf.values()];
  if (a.int("sorted", 1)) {
    const cmp = (p: number[], q: number[]): number => { for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i] - q[i]; return 0; };
    firsts = firsts.sort((p, q) => cmp(slices[p], slices[q]));
  }
  const rank = new Map(firsts.map((j, r) => [slices[j].join(","), r]));
  const inverse = slices.map((s) => rank.get(s.join(","))!), counts = new Int32Array(firsts.length);
  for (const r of inverse) counts[r]++;
  const idx = make(Int32Array.from(firsts), [firsts.length], "int32");
  return [indexSelect(src, ax, idx), idx, make(Int32Array.from(inverse), [n], "int32"), make(counts, [firsts.length], "int32")];
}

/** BitShift and Unique. */
export const intOps: Record<string, OpHandler> = {
  BitShift: (ins, a) => bitShift(ins, a),
  Unique: (ins, a) => unique(need(ins, 0, "Unique"), a),
};
