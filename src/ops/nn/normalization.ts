/**
 * Normalisation functions of `F`: batch, layer, group, instance and RMS norm, and
 * local response norm. All are composed from differentiable reductions, so first
 * and second derivatives come for free; running statistics are updated in place
 * outside the graph, as PyTorch does.
 */
import { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { isFloating } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { assertTensor } from "../util.js";
import { pad } from "../pad.js";
import { fusedLayerNorm } from "./fused-norm.js";
import { batchNormTrain } from "./batch-norm-train.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";

/** Reshapes a per-channel vector [C] to broadcast against [N, C, *] (ndim dims). */
function chan(v: Tensor, ndim: number): Tensor {
  const shape = new Array<number>(ndim).fill(1);
  shape[1] = v.numel();
  return v.reshape(shape);
}

function checkChannelVec(v: Tensor | undefined | null, c: number, what: string, op: string): void {
  if (v === undefined || v === null) return;
  assertTensor(v, op, what);
  if (v.ndim !== 1 || v.shape[0] !== c) {
    throw new Error(`${op}: ${what} must have shape [${c}] (one value per channel), got ${fmtShape(v.shape)}`);
  }
}

function affine(y: Tensor, weight: Tensor | undefined | null, bias: Tensor | undefined | null, ndim: number): Tensor {
  if (weight) y = y.mul(chan(weight, ndim));
  if (bias) y = y.add(chan(bias, ndim));
  return y;
}

/** In place: stat = (1 - momentum) * stat + momentum * value (no autograd). */
function blend(stat: Tensor, value: Tensor, momentum: number): void {
  noGrad(() => {
    stat.mul_(1 - momentum).add_(value.to(stat.dtype).mul(momentum));
  });
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation over [N, C], [N, C, L] or [N, C, H, W] (any [N, C, *]).
 * Training: normalises with the batch mean and biased variance, and updates
 * `runningMean`/`runningVar` in place (the latter with the unbiased variance).
 * Evaluation: normalises with the running statistics.
 * @example F.batchNorm(x, rm, rv, w, b, {training: true})
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | undefined | null,
  runningVar: Tensor | undefined | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  ...args: PyArgs<BatchNormOptions, typeof FS.batchNorm.names>
): Tensor {
  const opts = FS.batchNorm.parse<BatchNormOptions>(args);
  assertTensor(x, "batchNorm");
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (x.ndim < 2) throw new Error(`batchNorm: expected input of at least 2 dims [N, C, *], got ${fmtShape(x.shape)}`);
  if (!isFloating(x.dtype)) throw new TypeError(`batchNorm: input must be floating point, got ${x.dtype}`);
  const c = x.shape[1];
  checkChannelVec(runningMean, c, "runningMean", "batchNorm");
  checkChannelVec(runningVar, c, "runningVar", "batchNorm");
  checkChannelVec(weight, c, "weight", "batchNorm");
  checkChannelVec(bias, c, "bias", "batchNorm");
  const dims = [0];
  for (let i = 2; i < x.ndim; i++) dims.push(i);
  const count = x.numel() / c;
  let y: Tensor;
  if (training) {
    if (count <= 1) {
      throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    }
    const r = batchNormTrain(x, weight ?? null, bias ?? null, eps);
    if (runningMean) blend(runningMean, r.mean, momentum);
    if (runningVar) blend(runningVar, r.variance.mul(count / (count - 1)), momentum);
    return r.y;
  } else {
    if (!runningMean || !runningVar) {
      throw new Error("batchNorm: runningMean and runningVar are required in evaluation mode (training: false)");
    }
    const rm = chan(runningMean.to(x.dtype), x.ndim);
    const rv = chan(runningVar.to(x.dtype), x.ndim);
    y = x.sub(rm).div(rv.add(eps).sqrt());
  }
  return affine(y, weight, bias, x.ndim);
}

function normShape(normalizedShape: number | readonly number[]): number[] {
  return typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
}

/** Options of {@link layerNorm} and {@link groupNorm}. */
export interface EpsOptions {
  /** Added to the variance (or mean square) for stability. */
  eps?: number;
}

/**
 * Layer normalisation over the trailing dims given by `normalizedShape`, with
 * optional elementwise weight and bias of that shape.
 * @example F.layerNorm(x, [x.shape.at(-1)!], w, b)
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  ...args: PyArgs<EpsOptions, typeof FS.layerNorm.names>
): Tensor {
  const opts = FS.layerNorm.parse<EpsOptions>(args);
  assertTensor(x, "layerNorm");
  const ns = normShape(normalizedShape);
  const eps = opts.eps ?? 1e-5;
  const k = ns.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((s, i) => s !== ns[i])) {
    throw new Error(`layerNorm: normalizedShape ${fmtShape(ns)} must match the trailing dims of input ${fmtShape(x.shape)}`);
  }
  for (const [t, what] of [[weight, "weight"], [bias, "bias"]] as const) {
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== ns[i]))) {
      throw new Error(`layerNorm: ${what} must have shape ${fmtShape(ns)} (normalizedShape), got ${fmtShape(t.shape)}`);
    }
  }
  const dims: number[] = [];
  for (let i = x.ndim - k; i < x.ndim; i++) dims.push(i);
  const composed = (xx: Tensor, w: Tensor | null, b: Tensor | null): Tensor => {
    const mean = xx.mean(dims, true);
    const xc = xx.sub(mean);
    let y = xc.mul(xc.square().mean(dims, true).add(eps).rsqrt());
    if (w) y = y.mul(w);
    if (b) y = y.add(b);
    return y;
  };
  const w = weight ?? null, b = bias ?? null;
  const sameType = (t: Tensor | null) => t === null || t.dtype === x.dtype;
  if (isFloating(x.dtype) && sameType(w) && sameType(b)) return fusedLayerNorm(x, numelOf(ns), w, b, eps, composed);
  return composed(x, w, b);
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * Group normalisation: channels of [N, C, *] are split into `numGroups` groups,
 * each normalised over its channels and spatial positions; then a per-channel affine.
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, ...args: PyArgs<EpsOptions, typeof FS.groupNorm.names>): Tensor {
  const opts = FS.groupNorm.parse<EpsOptions>(args);
  assertTensor(x, "groupNorm");
  const eps = opts.eps ?? 1e-5;
  if (x.ndim < 2) throw new Error(`groupNorm: expected input of at least 2 dims [N, C, *], got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups <= 0 || c % numGroups !== 0) {
    throw new Error(`groupNorm: number of channels (${c}) must be divisible by numGroups (${numGroups})`);
  }
  checkChannelVec(weight, c, "weight", "groupNorm");
  checkChannelVec(bias, c, "bias", "groupNorm");
  const g = x.reshape([n, numGroups, -1]);
  const mean = g.mean(2, true);
  const gc = g.sub(mean);
  const y = gc.mul(gc.square().mean(2, true).add(eps).rsqrt()).reshape(x.shape);
  return affine(y, weight, bias, x.ndim);
}

/** Options of {@link instanceNorm}. */
export interface InstanceNormOptions {
  /** Normalise with each instance's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Running-average weight for the running statistics (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Instance normalisation: each (sample, channel) of [N, C, *] is normalised over its
 * spatial positions. With running statistics and `useInputStats`, they are updated
 * in place with the batch average of the per-instance statistics (as PyTorch).
 */
export function instanceNorm(
  x: Tensor,
  runningMean?: Tensor | null,
  runningVar?: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  ...args: PyArgs<InstanceNormOptions, typeof FS.instanceNorm.names>
): Tensor {
  const opts = FS.instanceNorm.parse<InstanceNormOptions>(args);
  assertTensor(x, "instanceNorm");
  const useInputStats = opts.useInputStats ?? true;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (x.ndim < 3) throw new Error(`instanceNorm: expected input of at least 3 dims [N, C, *], got ${fmtShape(x.shape)}`);
  const c = x.shape[1];
  checkChannelVec(runningMean, c, "runningMean", "instanceNorm");
  checkChannelVec(runningVar, c, "runningVar", "instanceNorm");
  checkChannelVec(weight, c, "weight", "instanceNorm");
  checkChannelVec(bias, c, "bias", "instanceNorm");
  const dims: number[] = [];
  for (let i = 2; i < x.ndim; i++) dims.push(i);
  const count = x.numel() / (x.shape[0] * c);
  let y: Tensor;
  if (useInputStats) {
    if (count <= 1) {
      throw new Error(`instanceNorm: expected more than 1 spatial element per channel when using input stats, got input of shape ${fmtShape(x.shape)}`);
    }
    const mean = x.mean(dims, true);
    const xc = x.sub(mean);
    const v = xc.square().mean(dims, true);
    y = xc.mul(v.add(eps).rsqrt());
    if (runningMean) blend(runningMean, mean.detach().reshape([-1, c]).mean(0), momentum);
    if (runningVar) blend(runningVar, v.detach().reshape([-1, c]).mean(0).mul(count / (count - 1)), momentum);
  } else {
    if (!runningMean || !runningVar) {
      throw new Error("instanceNorm: runningMean and runningVar are required when useInputStats is false");
    }
    y = x.sub(chan(runningMean.to(x.dtype), x.ndim)).div(chan(runningVar.to(x.dtype), x.ndim).add(eps).sqrt());
  }
  return affine(y, weight, bias, x.ndim);
}

/** Options of {@link rmsNorm}. */
export interface RmsNormOptions {
  /** Added to the mean square; default: the dtype's machine epsilon (as PyTorch). */
  eps?: number;
}

/**
 * RMS normalisation over the trailing `normalizedShape` dims:
 * x / sqrt(mean(x^2) + eps) * weight.
 */
export function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, ...args: PyArgs<RmsNormOptions, typeof FS.rmsNorm.names>): Tensor {
  const opts = FS.rmsNorm.parse<RmsNormOptions>(args);
  assertTensor(x, "rmsNorm");
  const ns = normShape(normalizedShape);
  const k = ns.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((s, i) => s !== ns[i])) {
    throw new Error(`rmsNorm: normalizedShape ${fmtShape(ns)} must match the trailing dims of input ${fmtShape(x.shape)}`);
  }
  const eps = opts.eps ?? (x.dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7);
  const dims: number[] = [];
  for (let i = x.ndim - k; i < x.ndim; i++) dims.push(i);
  const y = x.mul(x.square().mean(dims, true).add(eps).rsqrt());
  return weight ? y.mul(weight) : y;
}

/** Options of {@link localResponseNorm}. */
export interface LocalResponseNormOptions {
  /** Multiplicative factor (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Additive factor (default 1). */
  k?: number;
}

/**
 * Local response normalisation across channels of [N, C, *]:
 * x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta.
 */
export function localResponseNorm(x: Tensor, size: number, ...args: PyArgs<LocalResponseNormOptions, typeof FS.localResponseNorm.names>): Tensor {
  const opts = FS.localResponseNorm.parse<LocalResponseNormOptions>(args);
  assertTensor(x, "localResponseNorm");
  const alpha = opts.alpha ?? 1e-4, beta = opts.beta ?? 0.75, k = opts.k ?? 1;
  if (x.ndim < 3) throw new Error(`localResponseNorm: expected input of at least 3 dims [N, C, *], got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`localResponseNorm: size must be a positive integer, got ${size}`);
  const c = x.shape[1];
  const sq = x.square().movedim(1, -1);
  // Window [c - size/2, c + (size-1)/2], zero-padded, as PyTorch's avg-pool formulation.
  const padded = pad(sq, [Math.floor(size / 2), Math.floor((size - 1) / 2)]);
  let acc = padded.narrow(-1, 0, c);
  for (let i = 1; i < size; i++) acc = acc.add(padded.narrow(-1, i, c));
  const div = acc.movedim(-1, 1).mul(alpha / size).add(k).pow(beta);
  return x.div(div);
}
