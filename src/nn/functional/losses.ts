/**
 * Regression and classification losses of `F`: mse, l1, smooth L1, Huber, NLL,
 * cross-entropy (class indices or probabilities, class weights, ignoreIndex, label
 * smoothing), binary cross-entropy (with and without logits), KL divergence,
 * Poisson and Gaussian NLL. All follow PyTorch's formulas and reductions; "mean"
 * with class weights divides by the sum of the weights picked, as PyTorch.
 */
import { Tensor, make, record } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { allocArray, isFloating } from "../../core/dtype.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import { where } from "../../ops/elementwise.js";
import { assertTensor, checkOnDevice } from "../../ops/util.js";
import { logSoftmax } from "../../ops/nn/activations.js";
import { FS } from "../../ops/nn/specs.js";
import type { PyArgs } from "../../ops/args.js";
import { readData } from "../../ops/data.js";

/** How a loss combines per-element values: their mean, their sum, or none (the unreduced tensor). */
export type Reduction = "mean" | "sum" | "none";

/** The option every loss takes (default `reduction: "mean"`). */
export interface ReductionOptions {
  /** "mean" (default), "sum" or "none" (per-element losses). */
  reduction?: Reduction;
}

/** @internal Applies a reduction to elementwise losses. */
export function reduceLoss(l: Tensor, reduction: string | undefined, op: string): Tensor {
  const r = reduction ?? "mean";
  if (r === "mean") return l.mean();
  if (r === "sum") return l.sum();
  if (r === "none") return l;
  throw new Error(`${op}: reduction must be "mean", "sum" or "none", got "${r}"`);
}

function floatPair(input: Tensor, target: Tensor, op: string, sameShape: boolean): [Tensor, Tensor] {
  assertTensor(input, op, "input");
  assertTensor(target, op, "target");
  if (sameShape && !shapesEqual(input.shape, target.shape)) {
    throw new Error(`${op}: target shape ${fmtShape(target.shape)} must equal input shape ${fmtShape(input.shape)}`);
  }
  const x = isFloating(input.dtype) ? input : input.to("float32");
  const t = isFloating(target.dtype) ? target : target.to(x.dtype);
  return [x, t];
}

/** Mean squared error (input and target broadcast). @example F.mseLoss(pred, y) */
export function mseLoss(input: Tensor, target: Tensor, ...args: PyArgs<ReductionOptions, typeof FS.mseLoss.names>): Tensor {
  const opts = FS.mseLoss.parse<ReductionOptions>(args);
  const [x, t] = floatPair(input, target, "mseLoss", false);
  return reduceLoss(x.sub(t).square(), opts.reduction, "mseLoss");
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, ...args: PyArgs<ReductionOptions, typeof FS.l1Loss.names>): Tensor {
  const opts = FS.l1Loss.parse<ReductionOptions>(args);
  const [x, t] = floatPair(input, target, "l1Loss", false);
  return reduceLoss(x.sub(t).abs(), opts.reduction, "l1Loss");
}

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta default 1; 0 gives L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, ...args: PyArgs<ReductionOptions & { beta?: number }, typeof FS.smoothL1Loss.names>): Tensor {
  const opts = FS.smoothL1Loss.parse<ReductionOptions & { beta?: number }>(args);
  const [x, t] = floatPair(input, target, "smoothL1Loss", false);
  const beta = opts.beta ?? 1;
  if (beta < 0) throw new Error(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = x.sub(t).abs();
  if (beta === 0) return reduceLoss(d, opts.reduction, "smoothL1Loss");
  return reduceLoss(where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta)), opts.reduction, "smoothL1Loss");
}

/** 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (delta default 1). */
export function huberLoss(input: Tensor, target: Tensor, ...args: PyArgs<ReductionOptions & { delta?: number }, typeof FS.huberLoss.names>): Tensor {
  const opts = FS.huberLoss.parse<ReductionOptions & { delta?: number }>(args);
  const [x, t] = floatPair(input, target, "huberLoss", false);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const d = x.sub(t).abs();
  return reduceLoss(where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), opts.reduction, "huberLoss");
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends ReductionOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

interface NllParts {
  /** Unreduced loss, target's shape. */
  loss: Tensor;
  /** Per-element weight (0 where ignored), target's shape, no grad. */
  w: Tensor;
  /** True where the target is ignored. */
  ignored: Tensor;
  /** Targets with ignored entries replaced by 0 (safe to gather). */
  safe: Tensor;
}

/** Validates class targets and computes -w[t] * input[t] per element. */
function nllParts(input: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, op: string): NllParts {
  const cdim = input.ndim === 1 ? 0 : 1;
  if (input.ndim < 1) throw new Error(`${op}: input must have a class dim, got a 0-dim tensor`);
  if (target.dtype !== "int32") throw new TypeError(`${op}: class targets must be int32, got ${target.dtype}`);
  const c = input.shape[cdim];
  const expect = input.shape.filter((_, i) => i !== cdim);
  if (!shapesEqual(target.shape, expect)) {
    throw new Error(`${op}: expected target of shape ${fmtShape(expect)} for input ${fmtShape(input.shape)} (class dim ${cdim}), got ${fmtShape(target.shape)}`);
  }
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== c)) {
    throw new Error(`${op}: weight must have shape [${c}] (one per class), got ${fmtShape(weight.shape)}`);
  }
  if (input.device !== "cpu" || target.device !== "cpu") return nllPartsOnDevice(input, target, weight, ignoreIndex, op, cdim, c);
  const td = readData(target) as Int32Array;
  const n = td.length;
  const safeD = new Int32Array(n);
  const wD = allocArray(input.dtype, n);
  const ign = new Uint8Array(n);
  const wd = weight ? readData(weight) : null;
  for (let i = 0; i < n; i++) {
    const v = td[i];
    if (v === ignoreIndex) { ign[i] = 1; continue; }
    if (v < 0 || v >= c) {
      throw new RangeError(`${op}: target ${v} at flat position ${i} is out of bounds for ${c} classes (valid: 0..${c - 1} or ignoreIndex ${ignoreIndex})`);
    }
    safeD[i] = v;
    wD[i] = wd ? wd[v] : 1;
  }
  const safe = make(safeD, target.shape.slice(), "int32");
  const w = make(wD, target.shape.slice(), input.dtype);
  const picked = input.gather(cdim, safe.unsqueeze(cdim)).squeeze(cdim);
  return { loss: picked.mul(w).neg(), w, ignored: make(ign, target.shape.slice(), "bool"), safe };
}

/** nllParts in tensor ops, for inputs on a device: the range check runs there and is reported at the next read. */
function nllPartsOnDevice(input: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, op: string, cdim: number, c: number): NllParts {
  if (input.device !== target.device) {
    throw new Error(`${op}: expected input and target on the same device, got "${input.device}" and "${target.device}"`);
  }
  const ignored = target.eq(ignoreIndex);
  const bad = noGrad(() => target.lt(0).logicalOr(target.ge(c)).logicalAnd(ignored.logicalNot()).sum().gt(0));
  checkOnDevice(bad, `${op}: a target is out of bounds for ${c} classes (valid: 0..${c - 1} or ignoreIndex ${ignoreIndex}); checked on the device, reported at the next read`);
  const safe = where(ignored, 0, target);
  const keep = ignored.logicalNot().to(input.dtype);
  const w = weight ? weight.gather(0, safe.flatten()).reshape(target.shape).mul(keep) : keep;
  const picked = input.gather(cdim, safe.unsqueeze(cdim)).squeeze(cdim);
  return { loss: picked.mul(w).neg(), w, ignored, safe };
}

/**
 * Negative log-likelihood of log-probabilities `input` [N, C, *] (or [C]) at int32
 * class `target` [N, *] (or []); "mean" divides by the sum of the picked weights.
 */
export function nllLoss(input: Tensor, target: Tensor, ...args: PyArgs<NllLossOptions, typeof FS.nllLoss.names>): Tensor {
  const opts = FS.nllLoss.parse<NllLossOptions>(args);
  assertTensor(input, "nllLoss", "input");
  assertTensor(target, "nllLoss", "target");
  const p = nllParts(input, target, opts.weight, opts.ignoreIndex ?? -100, "nllLoss");
  const r = opts.reduction ?? "mean";
  if (r === "mean") return p.loss.sum().div(p.w.sum());
  return reduceLoss(p.loss, r, "nllLoss");
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution by this amount (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C, *] (or [C]) against int32 class indices [N, *]
 * or float class probabilities of the input's shape.
 * @example F.crossEntropy(logits, labels, {labelSmoothing: 0.1})
 */
export function crossEntropy(input: Tensor, target: Tensor, ...args: PyArgs<CrossEntropyOptions, typeof FS.crossEntropy.names>): Tensor {
  const opts = FS.crossEntropy.parse<CrossEntropyOptions>(args);
  assertTensor(input, "crossEntropy", "input");
  assertTensor(target, "crossEntropy", "target");
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${ls}`);
  const reduction = opts.reduction ?? "mean";
  const x = isFloating(input.dtype) ? input : input.to("float32");
  if (x.ndim < 1) throw new Error("crossEntropy: input must have a class dim, got a 0-dim tensor");
  const cdim = x.ndim === 1 ? 0 : 1;
  const c = x.shape[cdim];
  const logp = logSoftmax(x, cdim);
  const weight = opts.weight ?? null;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== c)) {
    throw new Error(`crossEntropy: weight must have shape [${c}] (one per class), got ${fmtShape(weight.shape)}`);
  }
  const wB = weight ? weight.to(x.dtype).reshape(x.shape.map((s, i) => (i === cdim ? s : 1))) : null;
  if (isFloating(target.dtype)) {
    if (!shapesEqual(target.shape, x.shape)) {
      throw new Error(`crossEntropy: probability targets must have the input's shape ${fmtShape(x.shape)}, got ${fmtShape(target.shape)}`);
    }
    let t = target;
    if (ls > 0) t = t.mul(1 - ls).add(ls / c);
    let prod = logp.mul(t);
    if (wB) prod = prod.mul(wB);
    const perSample = prod.sum(cdim).neg();
    if (reduction === "mean") return perSample.sum().div(x.numel() / c);
    return reduceLoss(perSample, reduction, "crossEntropy");
  }
  const p = nllParts(logp, target, weight, opts.ignoreIndex ?? -100, "crossEntropy");
  const nll = reduction === "mean" ? p.loss.sum().div(p.w.sum()) : reduceLoss(p.loss, reduction, "crossEntropy");
  if (ls === 0) return nll;
  const smooth = where(p.ignored, 0, (wB ? logp.mul(wB) : logp).sum(cdim).neg());
  const sm = reduction === "mean"
    ? smooth.sum().div(weight ? p.w.sum() : p.ignored.logicalNot().sum())
    : reduceLoss(smooth, reduction, "crossEntropy");
  return nll.mul(1 - ls).add(sm.mul(ls / c));
}

/** Elementwise -(t log x + (1 - t) log(1 - x)) with logs clamped at -100; gradients as PyTorch's. */
function bceElementwise(x: Tensor, t: Tensor): Tensor {
  const out = noGrad(() => {
    const lx = x.log().clamp(-100);
    const l1x = x.neg().add(1).log().clamp(-100);
    return t.mul(lx).add(t.neg().add(1).mul(l1x)).neg();
  });
  return record(out, "BinaryCrossEntropyBackward", [x, t], (g) => [
    x.requiresGrad ? g.mul(x.sub(t)).div(x.mul(x.neg().add(1)).clamp(1e-12)) : null,
    t.requiresGrad ? g.mul(x.neg().add(1).log().sub(x.log())) : null,
  ], [x, t]);
}

/** Options of {@link binaryCrossEntropy}. */
export interface WeightedLossOptions extends ReductionOptions {
  /** Rescales each element's loss (broadcast against the input). */
  weight?: Tensor | null;
}

/** Binary cross-entropy of probabilities `input` in [0, 1] against `target` of the same shape. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, ...args: PyArgs<WeightedLossOptions, typeof FS.binaryCrossEntropy.names>): Tensor {
  const opts = FS.binaryCrossEntropy.parse<WeightedLossOptions>(args);
  const [x, t] = floatPair(input, target, "binaryCrossEntropy", true);
  const xd = readData(x);
  for (let i = 0; i < xd.length; i++) {
    if (!(xd[i] >= 0 && xd[i] <= 1)) {
      throw new RangeError(`binaryCrossEntropy: all elements of input should be between 0 and 1, got ${xd[i]} at flat position ${i} (apply sigmoid, or use binaryCrossEntropyWithLogits)`);
    }
  }
  let l = bceElementwise(x, t);
  if (opts.weight) l = l.mul(opts.weight);
  return reduceLoss(l, opts.reduction, "binaryCrossEntropy");
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions extends WeightedLossOptions {
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, computed stably as
 * (1 - t) x + (1 + (posWeight - 1) t) (log(1 + e^-|x|) + max(-x, 0)).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, ...args: PyArgs<BceWithLogitsOptions, typeof FS.binaryCrossEntropyWithLogits.names>): Tensor {
  const opts = FS.binaryCrossEntropyWithLogits.parse<BceWithLogitsOptions>(args);
  const [x, t] = floatPair(input, target, "binaryCrossEntropyWithLogits", true);
  const sp = x.abs().neg().exp().log1p().add(x.neg().relu());
  const lw = opts.posWeight ? opts.posWeight.sub(1).mul(t).add(1) : null;
  let l = t.neg().add(1).mul(x).add(lw ? lw.mul(sp) : sp);
  if (opts.weight) l = l.mul(opts.weight);
  return reduceLoss(l, opts.reduction, "binaryCrossEntropyWithLogits");
}

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /** "mean" (default; over all elements), "batchmean" (sum / batch size), "sum" or "none". */
  reduction?: Reduction | "batchmean";
  /** The target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

/** KL divergence with log-probability `input`: sum target * (log target - input). */
export function klDiv(input: Tensor, target: Tensor, ...args: PyArgs<KlDivOptions, typeof FS.klDiv.names>): Tensor {
  const opts = FS.klDiv.parse<KlDivOptions>(args);
  const [x, t] = floatPair(input, target, "klDiv", false);
  let l: Tensor;
  if (opts.logTarget) {
    l = t.exp().mul(t.sub(x));
  } else {
    // xlogy(t, t) is 0 at t = 0; the log sees 1 there so its gradient stays finite.
    const pos = t.gt(0);
    l = where(pos, t.mul(where(pos, t, 1).log()), 0).sub(t.mul(x));
  }
  if (opts.reduction === "batchmean") {
    return x.ndim === 0 ? l.sum() : l.sum().div(x.shape[0]);
  }
  return reduceLoss(l, opts.reduction, "klDiv");
}

/** Options of {@link poissonNllLoss}. */
export interface PoissonNllOptions extends ReductionOptions {
  /** Input is log(rate) (default true). */
  logInput?: boolean;
  /** Add the Stirling approximation term (default false). */
  full?: boolean;
  /** Added inside log when logInput is false (default 1e-8). */
  eps?: number;
}

/** Poisson negative log-likelihood: e^x - t x (logInput) or x - t log(x + eps). */
export function poissonNllLoss(input: Tensor, target: Tensor, ...args: PyArgs<PoissonNllOptions, typeof FS.poissonNllLoss.names>): Tensor {
  const opts = FS.poissonNllLoss.parse<PoissonNllOptions>(args);
  const [x, t] = floatPair(input, target, "poissonNllLoss", false);
  const eps = opts.eps ?? 1e-8;
  let l = opts.logInput ?? true ? x.exp().sub(t.mul(x)) : x.sub(t.mul(x.add(eps).log()));
  if (opts.full) {
    const big = t.gt(1);
    const ts = where(big, t, 1);
    const stirling = ts.mul(ts.log()).sub(ts).add(ts.mul(2 * Math.PI).log().mul(0.5));
    l = l.add(where(big, stirling, 0));
  }
  return reduceLoss(l, opts.reduction, "poissonNllLoss");
}

/** Options of {@link gaussianNllLoss}. */
export interface GaussianNllOptions extends ReductionOptions {
  /** Add the constant 0.5 log(2 pi) (default false). */
  full?: boolean;
  /** Variances are clamped to at least this, without stopping their gradient (default 1e-6). */
  eps?: number;
}

/**
 * Gaussian negative log-likelihood 0.5 (log var + (x - t)^2 / var). `variance` has
 * the input's shape, or lacks its last dim, or has size 1 there (one variance per row).
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor | number, ...args: PyArgs<GaussianNllOptions, typeof FS.gaussianNllLoss.names>): Tensor {
  const opts = FS.gaussianNllLoss.parse<GaussianNllOptions>(args);
  const [x, t] = floatPair(input, target, "gaussianNllLoss", false);
  const eps = opts.eps ?? 1e-6;
  let v = variance instanceof Tensor ? variance : make(Float64Array.of(variance), [], "float64").to(x.dtype);
  if (v instanceof Tensor && !shapesEqual(v.shape, x.shape) && v.ndim > 0) {
    const lead = x.shape.slice(0, -1);
    if (shapesEqual(v.shape, lead)) v = v.unsqueeze(-1);
    else if (!(shapesEqual(v.shape.slice(0, -1), lead) && v.shape[v.ndim - 1] === 1)) {
      throw new Error(`gaussianNllLoss: variance of shape ${fmtShape(v.shape)} does not fit input ${fmtShape(x.shape)} (same shape, or one fewer / size-1 last dim)`);
    }
  }
  const vd = readData(v);
  for (let i = 0; i < vd.length; i++) {
    if (vd[i] < 0) throw new RangeError(`gaussianNllLoss: variance has negative entries (${vd[i]} at flat position ${i})`);
  }
  // PyTorch clamps under no_grad: the value is clamped, the gradient passes unchanged.
  const vc = v.add(noGrad(() => v.clamp(eps).sub(v)));
  let l = vc.log().add(x.sub(t).square().div(vc)).mul(0.5);
  if (opts.full) l = l.add(0.5 * Math.log(2 * Math.PI));
  return reduceLoss(l, opts.reduction, "gaussianNllLoss");
}
