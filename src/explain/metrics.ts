/**
 * Quality checks of explanations: Captum's `infidelity` (Yeh et al. 2019) and
 * `sensitivityMax`, and the model-randomisation sanity check of Adebayo et al. 2018
 * (re-initialise the layers from the top down and measure how much the maps change).
 */
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import type { Generator } from "../core/random.js";
import { rand } from "../ops/creation.js";
import { cat } from "../ops/shape.js";
import { Module } from "../nn/module.js";
import { type ForwardFn, type Inputs, type Target, checkOptions, expandTarget, repeatInterleave, runForward, selectTarget, toList } from "./common.js";

/** `perturbFunc(inputs)` returns [perturbations I, inputs - I] (one tensor each per input). */
export type PerturbFn = (inputs: Tensor[]) => [Tensor[], Tensor[]];

/**
 * Infidelity: E_I[(I · attr - (f(x) - f(x - I)))²] per example over nPerturbSamples
 * perturbations (`normalize` rescales attr by the best β first, as Captum).
 */
export function infidelity(f: ForwardFn, perturbFunc: PerturbFn, inputs: Inputs, attributions: Inputs, opts: { target?: Target; nPerturbSamples?: number; normalize?: boolean } = {}): Tensor {
  const op = "infidelity";
  checkOptions(opts, ["target", "nPerturbSamples", "normalize"], op);
  const [xs] = toList(inputs, op);
  const [attrs] = toList(attributions, op);
  const k = opts.nPerturbSamples ?? 10;
  const n = xs[0].shape[0];
  return noGrad(() => {
    const expanded = xs.map((x) => repeatInterleave(x, k));
    const [perts, perturbed] = perturbFunc(expanded);
    if (perts.length !== xs.length || perturbed.length !== xs.length) throw new Error(`${op}: perturbFunc must return [perturbations, perturbedInputs] with one tensor per input each`);
    const t = expandTarget(opts.target, k, "interleave");
    const fx = selectTarget(runForward(f, expanded), t, op);
    const fp = selectTarget(runForward(f, perturbed), t, op);
    const dot = perts.map((p, i) => p.mul(repeatInterleave(attrs[i], k)).reshape([n * k, -1]).sum(1)).reduce((a, b) => a.add(b)).reshape([n, k]);
    const diff = fx.sub(fp).reshape([n, k]).to(dot.dtype);
    let scaled = dot;
    if (opts.normalize) {
      const num = dot.mul(diff).sum(1), den = dot.square().sum(1);
      const beta = num.div(den.add(den.eq(0).to(den.dtype))); // safe division: β = 0 where the denominator is 0
      scaled = dot.mul(beta.unsqueeze(1));
    }
    return scaled.sub(diff).square().mean(1);
  });
}

export type ExplanationFn = ((inputs: Tensor[], opts: Record<string, unknown>) => Inputs) | { attribute(inputs: Inputs, opts?: any): unknown };

/**
 * Sensitivity-max: the largest relative change ‖expl(x + δ) - expl(x)‖ / ‖expl(x)‖ over
 * nPerturbSamples perturbations δ ~ U(-perturbRadius, perturbRadius) (or `perturbFunc`).
 * `options` other than these are passed to the explanation method (e.g. target).
 */
export function sensitivityMax(method: ExplanationFn, inputs: Inputs, options: { perturbFunc?: (inputs: Tensor[], radius: number) => Tensor[]; perturbRadius?: number; nPerturbSamples?: number; generator?: Generator; [k: string]: unknown } = {}): Tensor {
  const op = "sensitivityMax";
  const { perturbFunc, perturbRadius = 0.02, nPerturbSamples = 10, generator, ...rest } = options;
  const [xs] = toList(inputs, op);
  const n = xs[0].shape[0];
  const explain = (ins: Tensor[], o: Record<string, unknown>): Tensor => {
    const r = typeof method === "function" ? method(ins, o) : method.attribute(ins, o);
    const list = (Array.isArray(r) ? r : [r]) as Tensor[];
    return cat(list.map((t) => t.detach().reshape([t.shape[0], -1])), 1);
  };
  const base = explain(xs, rest);
  const baseNorm = noGrad(() => base.square().sum(1).sqrt());
  const perturb = perturbFunc ?? ((ins: Tensor[], r: number) => ins.map((x) => x.add(rand(x.shape, { generator, dtype: x.dtype }).mul(2 * r).sub(r))));
  let best: Tensor | null = null;
  for (let s = 0; s < nPerturbSamples; s++) {
    const e = explain(noGrad(() => perturb(xs, perturbRadius)), rest);
    const sens = noGrad(() => {
      const d = e.sub(base).square().sum(1).sqrt();
      return d.div(baseNorm.add(baseNorm.eq(0).to(baseNorm.dtype)));
    });
    best = best ? noGrad(() => best!.maximum(sens)) : sens;
  }
  if (best!.shape[0] !== n) throw new Error(`${op}: the explanation has a batch of ${best!.shape[0]}, expected ${n}`);
  return best!;
}

/** Spearman rank correlation of two equally long arrays (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>): Float64Array => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Float64Array(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const n = ra.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n, mb = rb.reduce((s, v) => s + v, 0) / n;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

export interface RandomisationStep {
  /** Dotted name of the layer re-initialised last (all layers above it are random too). */
  layer: string;
  /** Mean over examples of the Spearman correlation of |attribution| with the original map's. */
  spearman: number;
  /** The same for the signed attributions (Adebayo et al. report both: input-multiplied maps keep the input's zeros, so their |map| ranks change little). */
  spearmanSigned: number;
}

/**
 * Cascading model-parameter randomisation (Adebayo et al. 2018): re-initialises the
 * model's parameterised layers from the output down, one at a time, and after each
 * reports how similar the explanation still is to the trained model's (Spearman rank
 * correlation of absolute attributions). A faithful method's maps decorrelate; an edge
 * detector's would not. The model's weights are restored afterwards.
 * `explainFn(model, x)` makes the attribution for a given model.
 */
export function modelRandomisation(model: Module, explainFn: (model: Module, x: Tensor) => Tensor, x: Tensor, opts: { generator?: Generator; scale?: number } = {}): RandomisationStep[] {
  if (!(model instanceof Module)) throw new TypeError("modelRandomisation: the model must be an nn.Module");
  const saved = model.stateDict();
  const copy = Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, noGrad(() => v.clone())]));
  const layers = [...model.namedModules()].filter(([, m]) => m.parameters({ recurse: false }).length > 0).reverse();
  const flat = (t: Tensor): Float64Array => Float64Array.from(t.data() as ArrayLike<number>);
  const per = (t: Tensor): Float64Array[] => Array.from({ length: t.shape[0] }, (_, i) => flat(t.select(0, i)));
  const mean = (a: Float64Array[], b: Float64Array[], abs: boolean): number =>
    a.reduce((s, v, i) => s + (abs ? spearman(v.map(Math.abs), b[i].map(Math.abs)) : spearman(v, b[i])), 0) / a.length;
  const ref = per(explainFn(model, x));
  const steps: RandomisationStep[] = [];
  try {
    for (const [name, m] of layers) {
      noGrad(() => {
        for (const p of m.parameters({ recurse: false })) {
          const std = Math.max(Number(p.std().item()) || 0, 1e-3) * (opts.scale ?? 1);
          p.copy_(rand(p.shape, { generator: opts.generator, dtype: p.dtype }).mul(2).sub(1).mul(std * Math.sqrt(3)));
        }
      });
      const maps = per(explainFn(model, x));
      steps.push({ layer: name, spearman: mean(maps, ref, true), spearmanSigned: mean(maps, ref, false) });
    }
  } finally {
    model.loadStateDict(copy);
  }
  return steps;
}
