/**
 * ONNX `Resize` (opsets 10-19) and `Upsample`, as ONNX's reference implementation
 * defines them: separable per axis, each output coordinate mapped back to the input
 * by the coordinate-transformation mode, then nearest (4 rounding modes), linear or
 * cubic (coefficient A, optional exclude_outside) interpolation with edge clamping;
 * tf_crop_and_resize fills outside its region with extrapolation_value. Built from
 * gathers and weighted sums, so it runs on every backend and is differentiable.
 */
import type { Tensor } from "../../core/tensor.js";
import { make } from "../../core/tensor.js";
import { indexSelect } from "../../ops/indexing.js";
import { type Attrs, type OpContext, type OpHandler, axis, need, vals } from "./ops-util.js";

const COORD_MODES = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn"];
const NEAREST_MODES = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

interface AxisPlan { inLen: number; outLen: number; scale: number; roiStart: number; roiEnd: number }

/**
 * Input coordinate of output index `x` (ONNX's coordinate_transformation_mode). As in
 * ONNX's reference, the output length in the formulas is scale·inLen, not floored.
 */
function sourceCoord(x: number, p: AxisPlan, mode: string): number {
  const { inLen, scale } = p, outF = scale * inLen;
  switch (mode) {
    case "half_pixel": return (x + 0.5) / scale - 0.5;
    case "half_pixel_symmetric": {
      const adjustment = p.outLen / outF, center = inLen / 2, offset = center * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case "pytorch_half_pixel": return outF === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case "align_corners": return outF === 1 ? 0 : (x * (inLen - 1)) / (outF - 1);
    case "asymmetric": return x / scale;
    case "tf_half_pixel_for_nn": return (x + 0.5) / scale;
    default: // tf_crop_and_resize
      return outF === 1
        ? ((p.roiEnd - p.roiStart) * (inLen - 1)) / 2
        : p.roiStart * (inLen - 1) + (x * (p.roiEnd - p.roiStart) * (inLen - 1)) / (outF - 1);
  }
}

function nearestIndex(c: number, mode: string): number {
  switch (mode) {
    case "round_prefer_floor": return c === Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c);
    case "round_prefer_ceil": return Math.round(c);
    case "floor": return Math.floor(c);
    default: return Math.ceil(c);
  }
}

function cubicCoeffs(t: number, a: number): number[] {
  const c = (d: number): number => {
    const x = Math.abs(d);
    return x <= 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
  };
  return [c(t + 1), c(t), c(1 - t), c(2 - t)];
}

/** Taps (clamped indices) and weights of every output position along one axis. */
function axisTaps(p: AxisPlan, a: Attrs, mode: string, coordMode: string, legacy: boolean): { idx: Int32Array[]; w: Float32Array[] | null; outside: Uint8Array | null } {
  const n = p.outLen, last = p.inLen - 1;
  const clamp = (i: number): number => (i < 0 ? 0 : i > last ? last : i);
  const outside = coordMode === "tf_crop_and_resize" ? new Uint8Array(n) : null;
  if (mode === "nearest") {
    // Resize-10 and Upsample round down (their nearest_mode did not exist yet).
    const nm = legacy ? "floor" : a.string("nearest_mode", "round_prefer_floor");
    if (!NEAREST_MODES.includes(nm)) a.fail(`nearest_mode "${nm}" is not one of ${NEAREST_MODES.join(", ")}`);
    const idx = new Int32Array(n);
    for (let x = 0; x < n; x++) {
      const c = sourceCoord(x, p, coordMode);
      if (outside && (c < 0 || c > last)) outside[x] = 1;
      idx[x] = clamp(nearestIndex(c, nm));
    }
    return { idx: [idx], w: null, outside };
  }
  const cubic = mode === "cubic", taps = cubic ? 4 : 2;
  const A = a.float("cubic_coeff_a", -0.75), exclude = a.int("exclude_outside", 0) !== 0;
  const idx = Array.from({ length: taps }, () => new Int32Array(n)), w = Array.from({ length: taps }, () => new Float32Array(n));
  for (let x = 0; x < n; x++) {
    let c = sourceCoord(x, p, coordMode);
    if (outside && (c < 0 || c > last)) outside[x] = 1;
    if (!cubic && coordMode !== "tf_crop_and_resize") c = Math.min(Math.max(c, 0), last);
    const base = Math.floor(c), t = c - base;
    const cw = cubic ? cubicCoeffs(t, A) : [1 - t, t];
    const first = cubic ? base - 1 : base;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const i = first + k;
      if (exclude && (i < 0 || i > last)) cw[k] = 0;
      sum += cw[k];
    }
    for (let k = 0; k < taps; k++) {
      idx[k][x] = clamp(first + k);
      w[k][x] = exclude ? cw[k] / sum : cw[k];
    }
  }
  return { idx, w, outside };
}

/** Resamples `x` along dim `d` to `p.outLen` positions. */
function resizeAxis(x: Tensor, d: number, p: AxisPlan, a: Attrs, mode: string, coordMode: string, legacy: boolean): Tensor {
  const { idx, w, outside } = axisTaps(p, a, mode, coordMode, legacy);
  const bshape = x.shape.map((s, i) => (i === d ? p.outLen : 1));
  const gather = (i: Int32Array): Tensor => indexSelect(x, d, make(i, [i.length], "int32"));
  let y = w ? idx.map((i, k) => gather(i).mul(make(w[k], bshape, "float32"))).reduce((s, t) => s.add(t)) : gather(idx[0]);
  if (outside && outside.some((o) => o)) {
    const keep = make(Float32Array.from(outside, (o) => 1 - o), bshape, "float32");
    y = y.mul(keep).add(keep.neg().add(1).mul(a.float("extrapolation_value", 0)));
  }
  return y;
}

function resize(ins: (Tensor | undefined)[], a: Attrs, ctx: OpContext, op: string): Tensor {
  const x = need(ins, 0, op);
  const r = x.ndim;
  const legacy = op === "Upsample" || ctx.opset < 11;
  const mode = a.string("mode", "nearest");
  if (!["nearest", "linear", "cubic"].includes(mode)) a.fail(`mode "${mode}" is not nearest, linear or cubic`);
  if (legacy && mode === "cubic") a.fail(`mode "cubic" needs opset 11 or later`);
  const coordMode = legacy ? "asymmetric" : a.string("coordinate_transformation_mode", "half_pixel");
  if (!COORD_MODES.includes(coordMode)) a.fail(`coordinate_transformation_mode "${coordMode}" is not one of ${COORD_MODES.join(", ")}`);
  if (a.int("antialias", 0) !== 0) a.fail("antialias=1 is not supported");
  const policy = a.string("keep_aspect_ratio_policy", "stretch");
  if (!["stretch", "not_larger", "not_smaller"].includes(policy)) a.fail(`keep_aspect_ratio_policy "${policy}" is not stretch, not_larger or not_smaller`);
  const axes = (a.ints("axes") ?? Array.from({ length: r }, (_, i) => i)).map((v) => axis(v, r, op));
  const roiIn = legacy ? [] : vals(ins[1]);
  const scalesIn = vals(legacy ? (op === "Upsample" && ctx.opset < 9 ? undefined : ins[1]) : ins[2]);
  const sizesIn = legacy ? [] : vals(ins[3]);
  let scales: number[] = [], sizes: number[] = [];
  const legacyScales = op === "Upsample" && ctx.opset < 9 ? a.floats("scales") ?? [] : [];
  if (scalesIn.length || legacyScales.length) {
    if (sizesIn.length) a.fail("only one of scales and sizes may be given");
    scales = scalesIn.length ? scalesIn : legacyScales;
    if (scales.length !== axes.length) a.fail(`scales has ${scales.length} values for ${axes.length} axes`);
    if (scales.some((s) => !(s > 0))) a.fail(`scales must be positive, got [${scales}]`);
    sizes = axes.map((d, i) => Math.floor(x.shape[d] * scales[i]));
  } else if (sizesIn.length) {
    if (sizesIn.length !== axes.length) a.fail(`sizes has ${sizesIn.length} values for ${axes.length} axes`);
    sizes = sizesIn.slice();
    scales = axes.map((d, i) => sizes[i] / x.shape[d]);
    if (policy !== "stretch") {
      const pick = policy === "not_larger" ? Math.min : Math.max;
      const s = pick(...scales);
      scales = axes.map(() => s);
      sizes = axes.map((d) => Math.round(s * x.shape[d]));
    }
  } else {
    a.fail("one of scales and sizes is required");
  }
  let y = x;
  if (mode !== "nearest" && x.dtype !== "float32" && x.dtype !== "float64") a.fail(`mode "${mode}" needs a float input, got ${x.dtype}`);
  axes.forEach((d, i) => {
    const roiStart = roiIn.length ? roiIn[i] : 0, roiEnd = roiIn.length ? roiIn[i + axes.length] : 1;
    const p: AxisPlan = { inLen: x.shape[d], outLen: sizes[i], scale: scales[i], roiStart, roiEnd };
    if (p.outLen === p.inLen && p.scale === 1 && coordMode !== "tf_crop_and_resize") return;
    y = resizeAxis(y, d, p, a, mode, coordMode, legacy);
  });
  return y;
}

/** Resize and its predecessor Upsample. */
export const resizeOps: Record<string, OpHandler> = {
  Resize: (ins, a, ctx) => resize(ins, a, ctx, "Resize"),
  Upsample: (ins, a, ctx) => resize(ins, a, ctx, "Upsample"),
};
