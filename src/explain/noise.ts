/**
 * Stochastic gradient methods after Captum: NoiseTunnel (SmoothGrad, SmoothGrad², VarGrad
 * around any attribution method) and GradientShap (expected gradients between the input
 * with noise and baselines drawn from a distribution). The random draws can be passed in
 * (`noise`, `baselineIndices`, `alphas`) to reproduce a run exactly, e.g. against a
 * reference computed elsewhere; otherwise they come from `generator` or the global RNG.
 */
import { fmtShape } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import type { Generator } from "../core/random.js";
import { noGrad } from "../core/autograd.js";
import { rand, randint, randn, tensor, zeros } from "../ops/creation.js";
import "../ops/indexing.js";
import {
  type Baselines, type ForwardFn, type Inputs, type Target, checkOptions, expandTarget, fromList, gradients, repeatInterleave, toList,
} from "./common.js";
import { Attribution } from "./gradient.js";

export type NTType = "smoothgrad" | "smoothgrad_sq" | "vargrad";

export interface NoiseTunnelOptions {
  ntType?: NTType;
  nSamples?: number;
  /** Standard deviation of the Gaussian noise, one number or one per input. */
  stdevs?: number | number[];
  /** The noise itself, [N * nSamples, ...] per input (example i's samples in rows i*nSamples...). */
  noise?: Tensor | Tensor[];
  generator?: Generator;
  target?: Target;
  baselines?: Baselines;
  [wrapped: string]: unknown;
}

function drawNoise(xs: Tensor[], k: number, stdevs: number | number[], given: Tensor | Tensor[] | undefined, gen: Generator | undefined, op: string): Tensor[] {
  const sd = Array.isArray(stdevs) ? stdevs : xs.map(() => stdevs);
  if (sd.length !== xs.length) throw new Error(`${op}: got ${sd.length} stdevs for ${xs.length} inputs`);
  const list = given === undefined ? null : Array.isArray(given) ? given : [given];
  return xs.map((x, i) => {
    const shape = [x.shape[0] * k, ...x.shape.slice(1)];
    if (list) {
      const g = list[i];
      if (!g || g.shape.join() !== shape.join()) throw new Error(`${op}: noise[${i}] must have shape ${fmtShape(shape)} (nSamples rows per example), got ${g ? `${fmtShape(g.shape)}` : "none"}`);
      return g.to(x.dtype);
    }
    return sd[i] === 0 ? zeros(shape, { dtype: x.dtype }) : randn(shape, { generator: gen, dtype: x.dtype }).mul(sd[i]);
  });
}

/** Each example's baselines, expanded like the inputs when they have a batch dimension. */
function expandBaselines(b: Baselines, xs: Tensor[], k: number): Baselines {
  const one = (v: number | Tensor | undefined, i: number): number | Tensor | undefined =>
    v instanceof Tensor && v.ndim === xs[i].ndim && v.shape[0] === xs[i].shape[0] && v.shape[0] > 1 ? repeatInterleave(v, k) : v;
  return Array.isArray(b) ? b.map(one) as (number | Tensor)[] : (one(b, 0) as Baselines);
}

/**
 * Adds Gaussian noise to the inputs nSamples times, attributes each noisy copy with the
 * wrapped method and aggregates (Smilkov et al. 2017; Adebayo et al. 2018 for VarGrad).
 * @example new explain.NoiseTunnel(new explain.Saliency(model)).attribute(x, {ntType: "smoothgrad", nSamples: 20, stdevs: 0.2, target: 3})
 */
export class NoiseTunnel {
  constructor(readonly attributionMethod: Attribution) {
    if (!(attributionMethod instanceof Attribution)) throw new TypeError("NoiseTunnel: expected an attribution method object (e.g. new explain.Saliency(model))");
  }

  attribute<I extends Inputs>(inputs: I, opts: NoiseTunnelOptions = {}): I {
    const op = "NoiseTunnel.attribute";
    const { ntType = "smoothgrad", nSamples = 5, stdevs = 1.0, noise, generator, target, baselines, ...rest } = opts;
    if (rest.returnConvergenceDelta) throw new Error(`${op}: returnConvergenceDelta is not supported through NoiseTunnel`);
    if (!["smoothgrad", "smoothgrad_sq", "vargrad"].includes(ntType)) throw new Error(`${op}: unknown ntType "${ntType}"; use smoothgrad, smoothgrad_sq or vargrad`);
    if (!Number.isInteger(nSamples) || nSamples < 1) throw new Error(`${op}: nSamples must be a positive integer, got ${nSamples}`);
    const [xs, arr] = toList(inputs, op);
    const n = xs[0].shape[0];
    const noisy = noGrad(() => drawNoise(xs, nSamples, stdevs, noise, generator, op).map((e, i) => repeatInterleave(xs[i], nSamples).add(e)));
    const wrappedOpts: Record<string, unknown> = { ...rest, target: expandTarget(target, nSamples, "interleave") };
    if (baselines !== undefined) wrappedOpts.baselines = expandBaselines(baselines, xs, nSamples);
    const out = this.attributionMethod.attribute(noisy, wrappedOpts);
    const attrs = (Array.isArray(out) ? out : [out]) as Tensor[];
    return fromList(attrs.map((a) => noGrad(() => {
      const v = a.reshape([n, nSamples, ...a.shape.slice(1)]);
      const mean = v.mean(1);
      const meanSq = v.square().mean(1);
      return ntType === "smoothgrad" ? mean : ntType === "smoothgrad_sq" ? meanSq : meanSq.sub(mean.square());
    })), arr);
  }
}

export interface GradientShapOptions {
  /** The baseline distribution: per input a tensor [B, ...] (or a number). Required. */
  baselines: Baselines;
  target?: Target;
  nSamples?: number;
  stdevs?: number | number[];
  /** Explicit draws: noise [N*nSamples, ...] per input, baseline row per sample, α per sample. */
  noise?: Tensor | Tensor[];
  baselineIndices?: number[];
  alphas?: number[];
  generator?: Generator;
}

/**
 * GradientShap (Lundberg and Lee 2017, Captum's version): for nSamples draws per example
 * of noise ε, a baseline b from the distribution and α ~ U(0, 1), the gradient at
 * b + α (x + ε - b) times (x + ε - b), averaged.
 */
export class GradientShap extends Attribution {
  constructor(forwardFunc: ForwardFn) {
    super(forwardFunc);
  }

  attribute<I extends Inputs>(inputs: I, opts: GradientShapOptions = { baselines: undefined }): I {
    const op = "GradientShap.attribute";
    checkOptions(opts, ["baselines", "target", "nSamples", "stdevs", "noise", "baselineIndices", "alphas", "generator"], op);
    if (opts.baselines === undefined) throw new Error(`${op}: baselines are required (a tensor [B, ...] per input to draw from)`);
    const k = opts.nSamples ?? 5;
    if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: nSamples must be a positive integer, got ${k}`);
    const [xs, arr] = toList(inputs, op);
    const n = xs[0].shape[0], m = n * k;
    const dist = (Array.isArray(opts.baselines) ? opts.baselines : [opts.baselines]).map((b, i) =>
      b instanceof Tensor ? (b.ndim === xs[i].ndim ? b : b.unsqueeze(0)) : tensor([b ?? 0], { dtype: xs[i].dtype }).reshape([1, ...xs[i].shape.slice(1).map(() => 1)]).expand([1, ...xs[i].shape.slice(1)]));
    if (dist.length !== xs.length) throw new Error(`${op}: got ${dist.length} baselines for ${xs.length} inputs`);
    const nb = dist[0].shape[0];
    const idx = opts.baselineIndices ?? Array.from(randint(0, nb, [m], { generator: opts.generator }).data() as Int32Array);
    const alphas = opts.alphas ?? Array.from(rand([m], { generator: opts.generator, dtype: "float64" }).data() as Float64Array);
    if (idx.length !== m || alphas.length !== m) throw new Error(`${op}: baselineIndices and alphas need nSamples * N = ${m} entries, got ${idx.length} and ${alphas.length}`);
    if (idx.some((v) => !Number.isInteger(v) || v < 0 || v >= nb)) throw new Error(`${op}: baselineIndices must be integers in [0, ${nb})`);
    const [deltas, points] = noGrad(() => {
      const eps = drawNoise(xs, k, opts.stdevs ?? 0, opts.noise, opts.generator, op);
      const noisy = xs.map((x, i) => repeatInterleave(x, k).add(eps[i]));
      const bs = dist.map((d) => d.indexSelect(0, tensor(idx, { dtype: "int32" })));
      const deltas = noisy.map((x, i) => x.sub(bs[i].to(x.dtype)));
      const points = deltas.map((d, i) => {
        const a = tensor(alphas, { dtype: d.dtype }).reshape([m, ...d.shape.slice(1).map(() => 1)]);
        return bs[i].to(d.dtype).add(d.mul(a));
      });
      return [deltas, points];
    });
    const gs = gradients(this.forwardFunc, points, expandTarget(opts.target, k, "interleave"), op);
    return fromList(gs.map((g, i) => noGrad(() => g.mul(deltas[i]).reshape([n, k, ...g.shape.slice(1)]).mean(1))), arr);
  }
}
