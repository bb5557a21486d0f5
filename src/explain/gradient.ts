/**
 * Gradient attribution methods, after Captum's definitions: Saliency, InputXGradient,
 * GuidedBackprop and Deconvolution (ReLU gradients overridden through full backward
 * hooks on the model's nn.ReLU modules), and IntegratedGradients with Captum's
 * Riemann and Gauss-Legendre rules, batching of the steps and the convergence delta.
 */
import type { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { tensor } from "../ops/creation.js";
import { Module } from "../nn/module.js";
import { ReLU } from "../nn/layers/activation.js";
import * as F from "../nn/functional/index.js";
import {
  type Baselines, type ForwardFn, type Inputs, type Target, checkForwardFn, checkOptions, expandTarget, formatBaselines,
  fromList, gradients, repeatBatch, rowSum, runForward, selectTarget, toList,
} from "./common.js";

/** Base of every attribution method: holds the function to explain. */
export abstract class Attribution {
  constructor(readonly forwardFunc: ForwardFn) {
    checkForwardFn(forwardFunc, this.constructor.name);
  }

  /** Attributions shaped like the inputs. */
  abstract attribute(inputs: Inputs, opts?: object): Inputs | [Inputs, Tensor];
}

/** Absolute (by default) gradient of the target with respect to the input (Simonyan et al. 2013). */
export class Saliency extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: { target?: Target; abs?: boolean } = {}): I {
    checkOptions(opts, ["target", "abs"], "Saliency.attribute");
    const [xs, arr] = toList(inputs, "Saliency.attribute");
    const gs = gradients(this.forwardFunc, xs, opts.target, "Saliency.attribute");
    return fromList((opts.abs ?? true) ? gs.map((g) => g.abs()) : gs, arr);
  }
}

/** Input times the gradient of the target with respect to it. */
export class InputXGradient extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: { target?: Target } = {}): I {
    checkOptions(opts, ["target"], "InputXGradient.attribute");
    const [xs, arr] = toList(inputs, "InputXGradient.attribute");
    const gs = gradients(this.forwardFunc, xs, opts.target, "InputXGradient.attribute");
    return fromList(gs.map((g, i) => g.mul(xs[i])), arr);
  }
}

/**
 * Gradients with every nn.ReLU module's backward replaced: GuidedBackprop passes only
 * positive gradients through (relu of grad_input), Deconvolution applies the ReLU to
 * grad_output instead. Functional ReLUs (F.relu) are not overridden, as in Captum.
 */
abstract class ModifiedReluGradient extends Attribution {
  protected abstract readonly useGradOutput: boolean;

  constructor(readonly model: Module) {
    super(model);
    if (!(model instanceof Module)) throw new TypeError(`${this.constructor.name}: the model must be an nn.Module (its nn.ReLU modules are hooked)`);
  }

  attribute<I extends Inputs>(inputs: I, opts: { target?: Target } = {}): I {
    const op = `${this.constructor.name}.attribute`;
    checkOptions(opts, ["target"], op);
    const [xs, arr] = toList(inputs, op);
    return fromList(withReluOverride(this.model, this.useGradOutput, () => gradients(this.model, xs, opts.target, op)), arr);
  }
}

/** Runs `fn` with the ReLU gradient override of GuidedBackprop (false) or Deconvolution (true). */
export function withReluOverride<T>(model: Module, useGradOutput: boolean, fn: () => T): T {
  const handles = [...model.modules()].filter((m) => m instanceof ReLU).map((m) =>
    m.registerFullBackwardHook((_m, gi, go) => (useGradOutput ? go : gi).map((g) => (g ? F.relu(g) : null))),
  );
  try {
    return fn();
  } finally {
    handles.forEach((h) => h.remove());
  }
}

export class GuidedBackprop extends ModifiedReluGradient {
  protected readonly useGradOutput = false;
}

export class Deconvolution extends ModifiedReluGradient {
  protected readonly useGradOutput = true;
}

export type IGMethod = "gausslegendre" | "riemann_left" | "riemann_right" | "riemann_middle" | "riemann_trapezoid";

/** Gauss-Legendre nodes and weights on [-1, 1] (numpy's leggauss), by Newton's method on P_n. */
export function leggauss(n: number): [number[], number[]] {
  const x: number[] = [], w: number[] = [];
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      const pn = n === 1 ? z : p1, pm = n === 1 ? 1 : p0;
      dp = (n * (z * pn - pm)) / (z * z - 1);
      const dz = pn / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * dp * dp));
  }
  return [x.reverse(), w.reverse()];
}

/** Captum's approximation_parameters: step sizes and alphas on [0, 1]. */
export function approximationParameters(method: IGMethod, n: number): { stepSizes: number[]; alphas: number[] } {
  if (!Number.isInteger(n) || n < 1) throw new Error(`IntegratedGradients: nSteps must be a positive integer, got ${n}`);
  const lin = (a: number, b: number): number[] => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
  switch (method) {
    case "riemann_left": return { stepSizes: new Array(n).fill(1 / n), alphas: lin(0, 1 - 1 / n) };
    case "riemann_right": return { stepSizes: new Array(n).fill(1 / n), alphas: lin(1 / n, 1) };
    case "riemann_middle": return { stepSizes: new Array(n).fill(1 / n), alphas: lin(1 / (2 * n), 1 - 1 / (2 * n)) };
    case "riemann_trapezoid": {
      if (n < 2) throw new Error("IntegratedGradients: riemann_trapezoid needs nSteps >= 2");
      const s = new Array(n).fill(1 / (n - 1));
      s[0] = s[n - 1] = 1 / (2 * (n - 1));
      return { stepSizes: s, alphas: lin(0, 1) };
    }
    case "gausslegendre": {
      const [x, w] = leggauss(n);
      return { stepSizes: w.map((v) => 0.5 * v), alphas: x.map((v) => 0.5 * (1 + v)) };
    }
    default:
      throw new Error(`IntegratedGradients: unknown method "${method as string}"; use gausslegendre, riemann_left, riemann_right, riemann_middle or riemann_trapezoid`);
  }
}

export interface IGOptions {
  baselines?: Baselines;
  target?: Target;
  nSteps?: number;
  method?: IGMethod;
  internalBatchSize?: number;
  returnConvergenceDelta?: boolean;
}
export const IG_OPTIONS = ["baselines", "target", "nSteps", "method", "internalBatchSize", "returnConvergenceDelta"];

/**
 * Σ_k stepSize_k · ∂target/∂z at z = b + α_k (x - b), for every input (Captum's
 * `_attribute` before the multiplication by x - b). `gradAt(points, target)` returns the
 * gradients at a batch of points; steps are evaluated `stepsPerBatch` at a time.
 */
export function integrateGradients(
  xs: Tensor[], bs: Tensor[], target: Target, method: IGMethod, nSteps: number, internalBatchSize: number | undefined,
  gradAt: (points: Tensor[], target: Target) => Tensor[], op: string,
): Tensor[] {
  const { stepSizes, alphas } = approximationParameters(method, nSteps);
  const n = xs[0].shape[0];
  if (internalBatchSize !== undefined && (!Number.isInteger(internalBatchSize) || internalBatchSize < 1)) {
    throw new Error(`${op}: internalBatchSize must be a positive integer, got ${internalBatchSize}`);
  }
  // As Captum: a batch smaller than the number of examples still evaluates one step (all examples) at a time.
  const per = internalBatchSize === undefined ? nSteps : Math.max(1, Math.floor(internalBatchSize / n));
  let total: Tensor[] | null = null;
  for (let s0 = 0; s0 < nSteps; s0 += per) {
    const k = Math.min(per, nSteps - s0);
    const points = xs.map((x, i) => {
      const d = x.sub(bs[i]);
      return noGrad(() => repeatBatch(bs[i], k).add(repeatBatch(d, k).mul(alphaColumn(alphas.slice(s0, s0 + k), n, x))));
    });
    const gs = gradAt(points, expandTarget(target, k, "repeat"));
    const part = gs.map((g) => g.reshape([k, n, ...g.shape.slice(1)]).mul(alphaColumn(stepSizes.slice(s0, s0 + k), 1, g).reshape([k, 1, ...g.shape.slice(1).map(() => 1)])).sum(0));
    total = total ? total.map((t, i) => t.add(part[i])) : part;
  }
  return total!;
}

/** [k*n, 1, ...] column holding each value n times, in x's dtype. */
function alphaColumn(values: number[], n: number, x: Tensor): Tensor {
  const col = values.flatMap((a) => new Array<number>(n).fill(a));
  return tensor(col, { dtype: x.dtype }).reshape([col.length, ...x.shape.slice(1).map(() => 1)]);
}

/** f(inputs) - f(baselines) compared with the attributions' row sums (Captum's compute_convergence_delta). */
export function convergenceDelta(f: ForwardFn, attrs: Tensor[], xs: Tensor[], bs: Tensor[], target: Target, op: string): Tensor {
  return noGrad(() => {
    const end = selectTarget(runForward(f, xs), target, op);
    const start = selectTarget(runForward(f, bs), target, op);
    const sums = attrs.map(rowSum).reduce((a, b) => a.add(b));
    return sums.sub(end.sub(start).to(sums.dtype));
  });
}

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x - b) times the path integral of
 * the gradient from the baseline b to x.
 * @example const [attr, delta] = new explain.IntegratedGradients(model).attribute(x, {target: 3, returnConvergenceDelta: true});
 */
export class IntegratedGradients extends Attribution {
  attribute<I extends Inputs>(inputs: I, opts: IGOptions & { returnConvergenceDelta: true }): [I, Tensor];
  attribute<I extends Inputs>(inputs: I, opts?: IGOptions): I;
  attribute<I extends Inputs>(inputs: I, opts: IGOptions = {}): I | [I, Tensor] {
    const op = "IntegratedGradients.attribute";
    checkOptions(opts, IG_OPTIONS, op);
    const [xs, arr] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const sums = integrateGradients(xs, bs, opts.target, opts.method ?? "gausslegendre", opts.nSteps ?? 50, opts.internalBatchSize,
      (pts, t) => gradients(this.forwardFunc, pts, t, op), op);
    const attrs = sums.map((g, i) => g.mul(xs[i].sub(bs[i])));
    if (!opts.returnConvergenceDelta) return fromList<I>(attrs, arr);
    return [fromList<I>(attrs, arr), convergenceDelta(this.forwardFunc, attrs, xs, bs, opts.target, op)];
  }
}
