/**
 * Vector normalisation and distances of `F`: normalize, cosineSimilarity,
 * pairwiseDistance. Composed from differentiable ops, with PyTorch's eps guards.
 */
import { Tensor } from "../../core/tensor.js";
import { isFloating } from "../../core/dtype.js";
import { broadcastShapes, normDim } from "../../core/shape.js";
import { assertTensor } from "../../ops/util.js";
import { FS } from "../../ops/nn/specs.js";
import type { PyArgs } from "../../ops/args.js";

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Norm order (default 2). */
  p?: number;
  /** Dim to normalise over (default 1). */
  dim?: number;
  /** Lower bound of the divisor (default 1e-12). */
  eps?: number;
}

/**
 * x / max(||x||_p, eps) along `dim` (default: p = 2, dim = 1).
 * @example F.normalize(emb, {dim: -1})
 */
export function normalize(x: Tensor, ...args: PyArgs<NormalizeOptions, typeof FS.normalize.names>): Tensor {
  const opts = FS.normalize.parse<NormalizeOptions>(args);
  assertTensor(x, "normalize");
  const p = opts.p ?? 2, eps = opts.eps ?? 1e-12;
  const dim = normDim(opts.dim ?? 1, x.ndim, "normalize");
  const xin = isFloating(x.dtype) ? x : x.to("float32");
  return xin.div(xin.norm(p, dim, true).clamp(eps).expandAs(xin));
}

/** Options of {@link cosineSimilarity}. */
export interface CosineSimilarityOptions {
  /** Dim holding the vectors (default 1). */
  dim?: number;
  /** Lower bound of each norm (default 1e-8). */
  eps?: number;
}

/**
 * Cosine of the angle between x1 and x2 along `dim` (inputs broadcast):
 * sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)).
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, ...args: PyArgs<CosineSimilarityOptions, typeof FS.cosineSimilarity.names>): Tensor {
  const opts = FS.cosineSimilarity.parse<CosineSimilarityOptions>(args);
  assertTensor(x1, "cosineSimilarity", "x1");
  assertTensor(x2, "cosineSimilarity", "x2");
  const eps = opts.eps ?? 1e-8;
  const shape = broadcastShapes(x1.shape, x2.shape, "cosineSimilarity");
  const d = normDim(opts.dim ?? 1, shape.length, "cosineSimilarity");
  const a = x1.expand(shape), b = x2.expand(shape);
  const na = a.square().sum(d, true).sqrt().clamp(eps);
  const nb = b.square().sum(d, true).sqrt().clamp(eps);
  return a.div(na).mul(b.div(nb)).sum(d);
}

/** Options of {@link pairwiseDistance}. */
export interface PairwiseDistanceOptions {
  /** Norm order (default 2). */
  p?: number;
  /** Added to the difference to avoid a zero norm (default 1e-6). */
  eps?: number;
  /** Keep the reduced last dim (default false). */
  keepdim?: boolean;
}

/** ||x1 - x2 + eps||_p over the last dim (inputs broadcast). */
export function pairwiseDistance(x1: Tensor, x2: Tensor, ...args: PyArgs<PairwiseDistanceOptions, typeof FS.pairwiseDistance.names>): Tensor {
  const opts = FS.pairwiseDistance.parse<PairwiseDistanceOptions>(args);
  assertTensor(x1, "pairwiseDistance", "x1");
  assertTensor(x2, "pairwiseDistance", "x2");
  const p = opts.p ?? 2, eps = opts.eps ?? 1e-6;
  const diff = x1.sub(x2).add(eps);
  return diff.norm(p, diff.ndim === 0 ? undefined : -1, opts.keepdim ?? false);
}
