/**
 * Margin and embedding losses of `F`: cosine-embedding, margin-ranking, triplet,
 * hinge-embedding, multi-class margin, soft margin and multi-label soft margin.
 * Formulas follow PyTorch's ATen implementations (including their eps constants).
 */
import { Tensor, make } from "../../core/tensor.js";
import { isFloating } from "../../core/dtype.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import { where } from "../../ops/elementwise.js";
import { assertTensor } from "../../ops/util.js";
import { reduceLoss, type ReductionOptions } from "./losses.js";
import { pairwiseDistance } from "./distance.js";
import { logsigmoid } from "../../ops/nn/activations.js";
import { FS } from "../../ops/nn/specs.js";
import type { PyArgs } from "../../ops/args.js";
import { readData } from "../../ops/data.js";

function fl(t: Tensor, op: string, what: string): Tensor {
  assertTensor(t, op, what);
  return isFloating(t.dtype) ? t : t.to("float32");
}

/** Options of {@link cosineEmbeddingLoss}, {@link marginRankingLoss} and {@link hingeEmbeddingLoss}. */
export interface MarginOptions extends ReductionOptions {
  /** The margin (default 0 for cosineEmbedding/marginRanking, 1 for hingeEmbedding). */
  margin?: number;
}

/**
 * 1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1; x1, x2 are
 * [N, D] with y [N], or [D] with a 0-dim y.
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, target: Tensor, ...args: PyArgs<MarginOptions, typeof FS.cosineEmbeddingLoss.names>): Tensor {
  const opts = FS.cosineEmbeddingLoss.parse<MarginOptions>(args);
  const a = fl(x1, "cosineEmbeddingLoss", "x1"), b = fl(x2, "cosineEmbeddingLoss", "x2");
  assertTensor(target, "cosineEmbeddingLoss", "target");
  const td = target.ndim;
  if (td > 1) throw new Error(`cosineEmbeddingLoss: 0-D or 1-D target expected, got ${fmtShape(target.shape)}`);
  if (a.ndim !== td + 1 || b.ndim !== td + 1) {
    throw new Error(`cosineEmbeddingLoss: a ${td}-D target expects ${td + 1}-D inputs, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const margin = opts.margin ?? 0;
  const EPS = 1e-12;
  const prod = a.mul(b).sum(td);
  const m1 = a.square().sum(td).add(EPS), m2 = b.square().sum(td).add(EPS);
  const cos = prod.div(m1.mul(m2).sqrt());
  const l = where(target.eq(1), cos.neg().add(1), 0).add(where(target.eq(-1), cos.sub(margin).clamp(0), 0));
  return reduceLoss(l, opts.reduction, "cosineEmbeddingLoss");
}

/** max(0, -y (x1 - x2) + margin). */
export function marginRankingLoss(x1: Tensor, x2: Tensor, target: Tensor, ...args: PyArgs<MarginOptions, typeof FS.marginRankingLoss.names>): Tensor {
  const opts = FS.marginRankingLoss.parse<MarginOptions>(args);
  const a = fl(x1, "marginRankingLoss", "x1"), b = fl(x2, "marginRankingLoss", "x2");
  assertTensor(target, "marginRankingLoss", "target");
  const l = target.neg().mul(a.sub(b)).add(opts.margin ?? 0).clamp(0);
  return reduceLoss(l, opts.reduction, "marginRankingLoss");
}

/** x where y = 1, max(0, margin - x) where y = -1 (margin default 1). */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, ...args: PyArgs<MarginOptions, typeof FS.hingeEmbeddingLoss.names>): Tensor {
  const opts = FS.hingeEmbeddingLoss.parse<MarginOptions>(args);
  const x = fl(input, "hingeEmbeddingLoss", "input");
  assertTensor(target, "hingeEmbeddingLoss", "target");
  const margin = opts.margin ?? 1;
  const l = where(target.ne(1), x.neg().add(margin).clamp(0), 0).add(where(target.ne(-1), x, 0));
  return reduceLoss(l, opts.reduction, "hingeEmbeddingLoss");
}

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginOptions extends ReductionOptions {
  /** Default 1. */
  margin?: number;
  /** Norm order of the distances (default 2). */
  p?: number;
  /** Added to differences (default 1e-6). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (default false). */
  swap?: boolean;
}

/** max(d(a, p) - d(a, n) + margin, 0) with pairwise p-norm distances. */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, ...args: PyArgs<TripletMarginOptions, typeof FS.tripletMarginLoss.names>): Tensor {
  const opts = FS.tripletMarginLoss.parse<TripletMarginOptions>(args);
  const a = fl(anchor, "tripletMarginLoss", "anchor");
  const p = fl(positive, "tripletMarginLoss", "positive");
  const n = fl(negative, "tripletMarginLoss", "negative");
  if (a.ndim !== p.ndim || a.ndim !== n.ndim || a.ndim < 1 || a.ndim > 2) {
    throw new Error(`tripletMarginLoss: anchor, positive and negative must all be 1-D or 2-D, got ${fmtShape(a.shape)}, ${fmtShape(p.shape)}, ${fmtShape(n.shape)}`);
  }
  const o = { p: opts.p ?? 2, eps: opts.eps ?? 1e-6 };
  const dPos = pairwiseDistance(a, p, o);
  let dNeg = pairwiseDistance(a, n, o);
  if (opts.swap) dNeg = dNeg.minimum(pairwiseDistance(p, n, o));
  const l = dPos.sub(dNeg).add(opts.margin ?? 1).clamp(0);
  return reduceLoss(l, opts.reduction, "tripletMarginLoss");
}

/** Options of {@link multiMarginLoss}. */
export interface MultiMarginOptions extends ReductionOptions {
  /** 1 (default) or 2. */
  p?: number;
  /** Default 1. */
  margin?: number;
  /** Per-class weights [C], applied by the target class. */
  weight?: Tensor | null;
}

/**
 * Multi-class hinge loss of scores [N, C] (or [C]) at int32 targets:
 * sum over i != y of max(0, margin - x[y] + x[i])^p * w[y] / C.
 */
export function multiMarginLoss(input: Tensor, target: Tensor, ...args: PyArgs<MultiMarginOptions, typeof FS.multiMarginLoss.names>): Tensor {
  const opts = FS.multiMarginLoss.parse<MultiMarginOptions>(args);
  let x = fl(input, "multiMarginLoss", "input");
  assertTensor(target, "multiMarginLoss", "target");
  const p = opts.p ?? 1;
  if (p !== 1 && p !== 2) throw new Error(`multiMarginLoss: only p = 1 and p = 2 are supported, got ${p}`);
  if (target.dtype !== "int32") throw new TypeError(`multiMarginLoss: target must be int32 class indices, got ${target.dtype}`);
  const unbatched = x.ndim === 1;
  if (unbatched) x = x.unsqueeze(0);
  const t = target.reshape([-1]);
  if (x.ndim !== 2 || t.shape[0] !== x.shape[0]) {
    throw new Error(`multiMarginLoss: expected input [N, C] (or [C]) and target [N], got ${fmtShape(input.shape)} and ${fmtShape(target.shape)}`);
  }
  const c = x.shape[1];
  const td = readData(t) as Int32Array;
  for (let i = 0; i < td.length; i++) {
    if (td[i] < 0 || td[i] >= c) throw new RangeError(`multiMarginLoss: target ${td[i]} is out of bounds for ${c} classes`);
  }
  const ti = t.unsqueeze(1);
  const xy = x.gather(1, ti);
  let z = xy.neg().add(x).add(opts.margin ?? 1).clamp(0);
  if (p === 2) z = z.square();
  if (opts.weight) z = z.mul(opts.weight.to(x.dtype).indexSelect(0, t).unsqueeze(1));
  const notTarget = make(Int32Array.from({ length: c }, (_, i) => i), [1, c], "int32").ne(ti);
  let l = where(notTarget, z, 0).sum(1).div(c);
  if (unbatched) l = l.reshape([]);
  return reduceLoss(l, opts.reduction, "multiMarginLoss");
}

/** log(1 + e^(-y x)), computed stably. */
export function softMarginLoss(input: Tensor, target: Tensor, ...args: PyArgs<ReductionOptions, typeof FS.softMarginLoss.names>): Tensor {
  const opts = FS.softMarginLoss.parse<ReductionOptions>(args);
  const x = fl(input, "softMarginLoss", "input");
  const y = fl(target, "softMarginLoss", "target");
  if (!shapesEqual(x.shape, y.shape)) throw new Error(`softMarginLoss: target shape ${fmtShape(y.shape)} must equal input shape ${fmtShape(x.shape)}`);
  const z = y.neg().mul(x);
  return reduceLoss(z.relu().add(z.abs().neg().exp().log1p()), opts.reduction, "softMarginLoss");
}

/** Options of {@link multilabelSoftMarginLoss}. */
export interface MultilabelSoftMarginOptions extends ReductionOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
}

/** Mean over classes of the binary logistic losses of scores [N, C] against 0/1 targets. */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, ...args: PyArgs<MultilabelSoftMarginOptions, typeof FS.multilabelSoftMarginLoss.names>): Tensor {
  const opts = FS.multilabelSoftMarginLoss.parse<MultilabelSoftMarginOptions>(args);
  const x = fl(input, "multilabelSoftMarginLoss", "input");
  const y = fl(target, "multilabelSoftMarginLoss", "target");
  if (!shapesEqual(x.shape, y.shape)) throw new Error(`multilabelSoftMarginLoss: target shape ${fmtShape(y.shape)} must equal input shape ${fmtShape(x.shape)}`);
  let l = y.mul(logsigmoid(x)).add(y.neg().add(1).mul(logsigmoid(x.neg()))).neg();
  if (opts.weight) l = l.mul(opts.weight);
  const cd = x.ndim - 1;
  l = l.sum(cd).div(x.shape[cd]);
  return reduceLoss(l, opts.reduction, "multilabelSoftMarginLoss");
}
