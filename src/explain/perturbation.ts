/**
 * Perturbation attributions after Captum: FeatureAblation (groups of input elements set
 * to the baseline one group at a time), Occlusion (a sliding window of ablation, averaged
 * over the windows covering each element) and ShapleyValueSampling (features added to the
 * baseline in random orders, each credited with its marginal change). Forward passes only,
 * so they work for any function, differentiable or not.
 */
import { fmtShape } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import type { Generator } from "../core/random.js";
import { noGrad } from "../core/autograd.js";
import { randperm, tensor, zeros } from "../ops/creation.js";
import { type Baselines, type Inputs, type Target, checkOptions, formatBaselines, fromList, runForward, selectTarget, toList } from "./common.js";
import { Attribution } from "./gradient.js";

export type FeatureMask = Tensor | Tensor[] | undefined;

/** Masks broadcastable to each input, with feature ids; default: one feature per element (ids unique across inputs). */
function formatMasks(mask: FeatureMask, xs: Tensor[], op: string): Tensor[] {
  if (mask === undefined) {
    let off = 0;
    return xs.map((x) => {
      const per = x.numel() / x.shape[0];
      const ids = new Int32Array(per).map((_, i) => i + off);
      off += per;
      return tensor(ids, { shape: [1, ...x.shape.slice(1)], dtype: "int32" });
    });
  }
  const list = Array.isArray(mask) ? mask : [mask];
  if (list.length !== xs.length) throw new Error(`${op}: got ${list.length} feature masks for ${xs.length} inputs`);
  return list.map((m, i) => {
    const x = xs[i];
    if (!(m instanceof Tensor)) throw new TypeError(`${op}: featureMask[${i}] must be a Tensor of feature ids`);
    const full = m.ndim === x.ndim - 1 ? m.unsqueeze(0) : m;
    const ok = full.ndim === x.ndim && full.shape.every((d, k) => d === x.shape[k] || d === 1) && (full.shape[0] === 1 || full.shape[0] === x.shape[0]);
    if (!ok) throw new Error(`${op}: featureMask[${i}] of shape ${fmtShape(m.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)} (batch dim 1 or N)`);
    return full.to("int32");
  });
}

function featureIds(masks: Tensor[]): number[] {
  const s = new Set<number>();
  for (const m of masks) for (const v of m.data() as Int32Array) s.add(v);
  return [...s].sort((a, b) => a - b);
}

/** x where the mask is off, the baseline where it is on. */
const blend = (x: Tensor, b: Tensor, m: Tensor): Tensor => x.mul(m.neg().add(1)).add(b.mul(m));
/** Per-example [N] → [N, 1, ...] to multiply into an input-shaped tensor. */
const col = (v: Tensor, like: Tensor): Tensor => v.reshape([v.shape[0], ...like.shape.slice(1).map(() => 1)]);
/** Attributions are in the output's dtype, also for integer inputs such as token ids (as Captum). */
const attrZeros = (x: Tensor, out: Tensor): Tensor => zeros(x.shape, { dtype: out.dtype });

/**
 * Credits each group of elements (featureMask ids) with f(x) - f(x with the group at its baseline).
 * @example new explain.FeatureAblation(model).attribute(x, {target: 1, featureMask: groups})
 */
export class FeatureAblation extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: { baselines?: Baselines; target?: Target; featureMask?: FeatureMask } = {}): I {
    const op = "FeatureAblation.attribute";
    checkOptions(opts, ["baselines", "target", "featureMask"], op);
    const [xs, arr] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const masks = formatMasks(opts.featureMask, xs, op);
    return noGrad(() => {
      const f = (ins: Tensor[]): Tensor => selectTarget(runForward(this.forwardFunc, ins), opts.target, op);
      const base = f(xs);
      const out = xs.map((x, i) => {
        let total = attrZeros(x, base);
        for (const id of featureIds([masks[i]])) {
          const m = masks[i].eq(id);
          const diff = base.sub(f(xs.map((y, j) => (j === i ? blend(x, bs[i], m.to(x.dtype)) : y))));
          total = total.add(col(diff, x).mul(m.to(base.dtype)));
        }
        return total;
      });
      return fromList(out, arr);
    });
  }
}

/**
 * Occlusion (Zeiler and Fergus 2014): a window (slidingWindowShapes, without the batch
 * dim) slides with `strides`; each element gets the mean of f(x) - f(x occluded) over
 * the windows covering it. Windows at the far edge are cut at the border, as Captum's.
 */
export class Occlusion extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: { slidingWindowShapes: number[] | number[][]; strides?: number | number[] | (number | number[])[]; baselines?: Baselines; target?: Target }): I {
    const op = "Occlusion.attribute";
    checkOptions(opts ?? {}, ["slidingWindowShapes", "strides", "baselines", "target"], op);
    const [xs, arr] = toList(inputs, op);
    if (!opts?.slidingWindowShapes) throw new Error(`${op}: slidingWindowShapes is required (the window's shape without the batch dim, per input)`);
    const windows = (Array.isArray(opts.slidingWindowShapes[0]) ? opts.slidingWindowShapes : [opts.slidingWindowShapes]) as number[][];
    if (windows.length !== xs.length) throw new Error(`${op}: got ${windows.length} sliding windows for ${xs.length} inputs`);
    const strideList = Array.isArray(opts.strides) && xs.length > 1 ? opts.strides : xs.map(() => opts.strides ?? 1);
    const bs = formatBaselines(opts.baselines, xs, op);
    return noGrad(() => {
      const f = (ins: Tensor[]): Tensor => selectTarget(runForward(this.forwardFunc, ins), opts.target, op);
      const base = f(xs);
      return fromList(xs.map((x, i) => {
        const dims = x.shape.slice(1), win = windows[i];
        if (win.length !== dims.length || win.some((w, k) => !(w >= 1 && w <= dims[k]))) throw new Error(`${op}: window ${fmtShape(win)} must have one size per non-batch dim of ${fmtShape(dims)}, each between 1 and that dim`);
        const sRaw = strideList[i] as number | number[];
        const strides = typeof sRaw === "number" ? dims.map(() => sRaw) : sRaw;
        if (strides.length !== dims.length || strides.some((s) => !(s >= 1))) throw new Error(`${op}: strides ${fmtShape(strides)} must have one positive value per non-batch dim of ${fmtShape(dims)}`);
        const counts = dims.map((d, k) => Math.ceil((d - win[k]) / strides[k]) + 1);
        let total = attrZeros(x, base), weights = zeros([1, ...dims], { dtype: base.dtype });
        const nWin = counts.reduce((a, b) => a * b, 1);
        for (let w = 0; w < nWin; w++) {
          const m = windowMask(dims, counts, strides, win, w);
          const diff = base.sub(f(xs.map((y, j) => (j === i ? blend(x, bs[i], m.to(x.dtype)) : y))));
          total = total.add(col(diff, x).mul(m.to(base.dtype)));
          weights = weights.add(m.to(base.dtype));
        }
        return total.div(weights);
      }), arr);
    });
  }
}

/** The [1, ...dims] 0/1 mask of window number `w` (row-major over the window positions). */
function windowMask(dims: number[], counts: number[], strides: number[], win: number[], w: number): Tensor {
  const start: number[] = new Array(dims.length);
  for (let k = dims.length - 1; k >= 0; k--) {
    start[k] = (w % counts[k]) * strides[k];
    w = Math.floor(w / counts[k]);
  }
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    let r = e, inside = true;
    for (let k = dims.length - 1; k >= 0 && inside; k--) {
      const c = r % dims[k];
      r = Math.floor(r / dims[k]);
      inside = c >= start[k] && c < start[k] + win[k];
    }
    if (inside) data[e] = 1;
  }
  return tensor(data, { shape: [1, ...dims], dtype: "float64" });
}

/**
 * Shapley value sampling (Castro et al. 2009): for nSamples random orders of the
 * features (ids shared by all inputs), features are switched from the baseline to the
 * input one at a time and each is credited with the change of the output; the credits
 * are averaged. Per order they sum to f(x) - f(baseline) exactly.
 */
export class ShapleyValueSampling extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: { baselines?: Baselines; target?: Target; featureMask?: FeatureMask; nSamples?: number; permutations?: number[][]; generator?: Generator } = {}): I {
    const op = "ShapleyValueSampling.attribute";
    checkOptions(opts, ["baselines", "target", "featureMask", "nSamples", "permutations", "generator"], op);
    const [xs, arr] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const masks = formatMasks(opts.featureMask, xs, op);
    const ids = featureIds(masks);
    const k = opts.nSamples ?? 25;
    const perms = opts.permutations ?? Array.from({ length: k }, () => Array.from(randperm(ids.length, { generator: opts.generator }).data() as Int32Array, (p) => ids[p]));
    for (const p of perms) {
      if (p.length !== ids.length || [...p].sort((a, b) => a - b).some((v, i) => v !== ids[i])) throw new Error(`${op}: each permutation must order the feature ids [${ids.join(", ")}] exactly once`);
    }
    return noGrad(() => {
      const f = (ins: Tensor[]): Tensor => selectTarget(runForward(this.forwardFunc, ins), opts.target, op);
      const baseEval = f(bs);
      const totals = xs.map((x) => attrZeros(x, baseEval));
      for (const perm of perms) {
        let cur = bs, prev = baseEval;
        for (const id of perm) {
          const ms = masks.map((m) => m.eq(id));
          cur = cur.map((c, i) => blend(c, xs[i], ms[i].to(xs[i].dtype)));
          const now = f(cur);
          const diff = now.sub(prev);
          prev = now;
          ms.forEach((m, i) => (totals[i] = totals[i].add(col(diff, xs[i]).mul(m.to(diff.dtype)))));
        }
      }
      return fromList(totals.map((t) => t.div(perms.length)), arr);
    });
  }
}
