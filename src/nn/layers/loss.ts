/**
 * Every loss as a module. Settings are constructor options as in PyTorch
 * (`reduction`, `delta`, `margin`, …); class weights and `posWeight` are held as
 * buffers (`weight`, `pos_weight`) so they appear in the state dict and follow `to()`.
 */
import type { Tensor } from "../../core/tensor.js";
import { Module } from "../module.js";
import * as F from "../functional/index.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

/** PyTorch's deprecated `size_average` / `reduce`: accepted only as null (use `reduction`). */
type Legacy = { sizeAverage?: null; reduce?: null };
const LS = {
  MSELoss: argSpec("nn.MSELoss", 0, ["sizeAverage", "reduce", "reduction"]),
  L1Loss: argSpec("nn.L1Loss", 0, ["sizeAverage", "reduce", "reduction"]),
  SmoothL1Loss: argSpec("nn.SmoothL1Loss", 0, ["sizeAverage", "reduce", "reduction", "beta"]),
  HuberLoss: argSpec("nn.HuberLoss", 0, ["reduction", "delta"]),
  CrossEntropyLoss: argSpec("nn.CrossEntropyLoss", 0, ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction", "labelSmoothing"]),
  NLLLoss: argSpec("nn.NLLLoss", 0, ["weight", "sizeAverage", "ignoreIndex", "reduce", "reduction"]),
  BCELoss: argSpec("nn.BCELoss", 0, ["weight", "sizeAverage", "reduce", "reduction"]),
  BCEWithLogitsLoss: argSpec("nn.BCEWithLogitsLoss", 0, ["weight", "sizeAverage", "reduce", "reduction", "posWeight"]),
  KLDivLoss: argSpec("nn.KLDivLoss", 0, ["sizeAverage", "reduce", "reduction", "logTarget"]),
  CosineEmbeddingLoss: argSpec("nn.CosineEmbeddingLoss", 0, ["margin", "sizeAverage", "reduce", "reduction"]),
  MarginRankingLoss: argSpec("nn.MarginRankingLoss", 0, ["margin", "sizeAverage", "reduce", "reduction"]),
  HingeEmbeddingLoss: argSpec("nn.HingeEmbeddingLoss", 0, ["margin", "sizeAverage", "reduce", "reduction"]),
  TripletMarginLoss: argSpec("nn.TripletMarginLoss", 0, ["margin", "p", "eps", "swap", "sizeAverage", "reduce", "reduction"]),
  PoissonNLLLoss: argSpec("nn.PoissonNLLLoss", 0, ["logInput", "full", "sizeAverage", "eps", "reduce", "reduction"]),
  GaussianNLLLoss: argSpec("nn.GaussianNLLLoss", 0, ["*", "full", "eps", "reduction"]),
  CTCLoss: argSpec("nn.CTCLoss", 0, ["blank", "reduction", "zeroInfinity"]),
};

export type Reduction = "mean" | "sum" | "none";

/** Base of the loss modules: holds `reduction` (default "mean"). */
export abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    this.reduction = opts.reduction ?? "mean";
    if (!["mean", "sum", "none"].includes(this.reduction)) {
      throw new Error(`${new.target.name}: reduction must be "mean", "sum" or "none", got "${this.reduction}"`);
    }
  }
}

/** Base of losses with an optional per-class `weight` buffer. */
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  constructor(opts: { weight?: Tensor | null; reduction?: Reduction }) {
    super(opts);
    this.registerBuffer("weight", opts.weight ?? null);
  }
}

/** Mean squared error. @example new nn.MSELoss().forward(pred, target) */
export class MSELoss extends Loss {
  constructor(...args: PyArgs<{ reduction?: Reduction } & Legacy, typeof LS.MSELoss.names>) {
    super(LS.MSELoss.parse(args));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. */
export class L1Loss extends Loss {
  constructor(...args: PyArgs<{ reduction?: Reduction } & Legacy, typeof LS.L1Loss.names>) {
    super(LS.L1Loss.parse(args));
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Quadratic below `beta` (default 1), linear above, scaled by 1/beta. */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(...args: PyArgs<{ reduction?: Reduction; beta?: number } & Legacy, typeof LS.SmoothL1Loss.names>) {
    const opts = LS.SmoothL1Loss.parse<{ reduction?: Reduction; beta?: number }>(args);
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Quadratic below `delta` (default 1), linear above. */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(...args: PyArgs<{ reduction?: Reduction; delta?: number } & Legacy, typeof LS.HuberLoss.names>) {
    const opts = LS.HuberLoss.parse<{ reduction?: Reduction; delta?: number }>(args);
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Cross entropy of logits [N, C, *] against int32 class indices [N, *] or class
 * probabilities [N, C, *].
 * @example const lossFn = new nn.CrossEntropyLoss({labelSmoothing: 0.1});
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(...args: PyArgs<{ weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } & Legacy, typeof LS.CrossEntropyLoss.names>) {
    const opts = LS.CrossEntropyLoss.parse<{ weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number }>(args);
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Negative log-likelihood of log-probabilities [N, C, *] at int32 targets [N, *]. */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(...args: PyArgs<{ weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } & Legacy, typeof LS.NLLLoss.names>) {
    const opts = LS.NLLLoss.parse<{ weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }>(args);
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Binary cross entropy of probabilities in (0, 1). */
export class BCELoss extends WeightedLoss {
  constructor(...args: PyArgs<{ weight?: Tensor | null; reduction?: Reduction } & Legacy, typeof LS.BCELoss.names>) {
    const opts = LS.BCELoss.parse<{ weight?: Tensor | null; reduction?: Reduction }>(args);
    super(opts);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** Binary cross entropy of logits (numerically stable), with optional `posWeight`. */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare posWeight: Tensor | null;

  constructor(...args: PyArgs<{ weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } & Legacy, typeof LS.BCEWithLogitsLoss.names>) {
    const opts = LS.BCEWithLogitsLoss.parse<{ weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null }>(args);
    super(opts);
    this.registerBuffer("pos_weight", opts.posWeight ?? null);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** KL divergence of log-probabilities `input` from `target` (log-space with `logTarget`). */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;

  constructor(...args: PyArgs<{ reduction?: Reduction | "batchmean"; logTarget?: boolean } & Legacy, typeof LS.KLDivLoss.names>) {
    const opts = LS.KLDivLoss.parse<{ reduction?: Reduction | "batchmean"; logTarget?: boolean }>(args);
    super();
    this.reduction = opts.reduction ?? "mean";
    this.logTarget = opts.logTarget ?? false;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/** 1 - cos(x1, x2) for target 1, max(0, cos - margin) for target -1. */
export class CosineEmbeddingLoss extends Loss {
  readonly margin: number;

  constructor(...args: PyArgs<{ margin?: number; reduction?: Reduction } & Legacy, typeof LS.CosineEmbeddingLoss.names>) {
    const opts = LS.CosineEmbeddingLoss.parse<{ margin?: number; reduction?: Reduction }>(args);
    super(opts);
    this.margin = opts.margin ?? 0;
  }

  override forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    return F.cosineEmbeddingLoss(x1, x2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** max(0, -y·(x1 - x2) + margin). */
export class MarginRankingLoss extends Loss {
  readonly margin: number;

  constructor(...args: PyArgs<{ margin?: number; reduction?: Reduction } & Legacy, typeof LS.MarginRankingLoss.names>) {
    const opts = LS.MarginRankingLoss.parse<{ margin?: number; reduction?: Reduction }>(args);
    super(opts);
    this.margin = opts.margin ?? 0;
  }

  override forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    return F.marginRankingLoss(x1, x2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** x for target 1, max(0, margin - x) for target -1 (margin default 1). */
export class HingeEmbeddingLoss extends Loss {
  readonly margin: number;

  constructor(...args: PyArgs<{ margin?: number; reduction?: Reduction } & Legacy, typeof LS.HingeEmbeddingLoss.names>) {
    const opts = LS.HingeEmbeddingLoss.parse<{ margin?: number; reduction?: Reduction }>(args);
    super(opts);
    this.margin = opts.margin ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** max(d(a, p) - d(a, n) + margin, 0) with the p-norm distance. */
export class TripletMarginLoss extends Loss {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;

  constructor(...args: PyArgs<{ margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: Reduction } & Legacy, typeof LS.TripletMarginLoss.names>) {
    const opts = LS.TripletMarginLoss.parse<{ margin?: number; p?: number; eps?: number; swap?: boolean; reduction?: Reduction }>(args);
    super(opts);
    this.margin = opts.margin ?? 1;
    this.p = opts.p ?? 2;
    this.eps = opts.eps ?? 1e-6;
    this.swap = opts.swap ?? false;
  }

  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return F.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

/** Poisson negative log-likelihood (input is log-rate with `logInput`, the default). */
export class PoissonNLLLoss extends Loss {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;

  constructor(...args: PyArgs<{ logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction } & Legacy, typeof LS.PoissonNLLLoss.names>) {
    const opts = LS.PoissonNLLLoss.parse<{ logInput?: boolean; full?: boolean; eps?: number; reduction?: Reduction }>(args);
    super(opts);
    this.logInput = opts.logInput ?? true;
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-8;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** Gaussian negative log-likelihood of `target` under N(input, variance). */
export class GaussianNLLLoss extends Loss {
  readonly full: boolean;
  readonly eps: number;

  constructor(...args: PyArgs<{ full?: boolean; eps?: number; reduction?: Reduction } & Legacy, typeof LS.GaussianNLLLoss.names>) {
    const opts = LS.GaussianNLLLoss.parse<{ full?: boolean; eps?: number; reduction?: Reduction }>(args);
    super(opts);
    this.full = opts.full ?? false;
    this.eps = opts.eps ?? 1e-6;
  }

  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return F.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/**
 * Connectionist temporal classification: logProbs [T, N, C] (log-softmaxed),
 * targets [N, S] or concatenated, int32 lengths.
 */
export class CTCLoss extends Loss {
  readonly blank: number;
  readonly zeroInfinity: boolean;

  constructor(...args: PyArgs<{ blank?: number; zeroInfinity?: boolean; reduction?: Reduction } & Legacy, typeof LS.CTCLoss.names>) {
    const opts = LS.CTCLoss.parse<{ blank?: number; zeroInfinity?: boolean; reduction?: Reduction }>(args);
    super(opts);
    this.blank = opts.blank ?? 0;
    this.zeroInfinity = opts.zeroInfinity ?? false;
  }

  override forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor, targetLengths: Tensor): Tensor {
    return F.ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity });
  }
}
