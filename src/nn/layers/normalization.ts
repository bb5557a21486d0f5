/**
 * Normalisation layers: BatchNorm1d/2d, InstanceNorm1d/2d, LayerNorm, GroupNorm,
 * RMSNorm. BatchNorm keeps PyTorch's buffers (`running_mean`, `running_var`,
 * `num_batches_tracked` as int32) and its momentum rule (null = cumulative average).
 */
import type { Tensor } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { noGrad } from "../../core/autograd.js";
import { zeros, ones } from "../../ops/creation.js";
import { Module, Parameter, pyFloat, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const NORM = ["eps", "momentum", "affine", "trackRunningStats", "device", "dtype"] as const;
const MOMENTUM = { momentum: [(v: unknown) => v === null || typeof v === "number", "a number or null"] as [(v: unknown) => boolean, string] };
const S = {
  BatchNorm1d: argSpec("nn.BatchNorm1d", 1, NORM, [], MOMENTUM),
  BatchNorm2d: argSpec("nn.BatchNorm2d", 1, NORM, [], MOMENTUM),
  InstanceNorm1d: argSpec("nn.InstanceNorm1d", 1, NORM, [], MOMENTUM),
  InstanceNorm2d: argSpec("nn.InstanceNorm2d", 1, NORM, [], MOMENTUM),
  LayerNorm: argSpec("nn.LayerNorm", 1, ["eps", "elementwiseAffine", "device", "dtype", "*", "bias"]),
  GroupNorm: argSpec("nn.GroupNorm", 2, ["eps", "affine", "device", "dtype"]),
  RMSNorm: argSpec("nn.RMSNorm", 1, ["eps", "elementwiseAffine", "device", "dtype"]),
};
type NormArgs = PyArgs<NormLayerOptions, typeof NORM>;
type LayerNormOptions = { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: "float32" | "float64" };
type GroupNormOptions = { eps?: number; affine?: boolean; dtype?: "float32" | "float64" };
type RMSNormOptions = { eps?: number | null; elementwiseAffine?: boolean; dtype?: "float32" | "float64" };

/** Options of BatchNorm and InstanceNorm layers. */
export interface NormLayerOptions {
  eps?: number;
  /** Running-average weight; null averages all batches equally (cumulative). */
  momentum?: number | null;
  /** Learn a per-channel scale and shift. */
  affine?: boolean;
  /** Keep running statistics for evaluation. */
  trackRunningStats?: boolean;
  dtype?: "float32" | "float64";
}

/** Shared state of BatchNorm and InstanceNorm (PyTorch's `_NormBase`). */
abstract class NormBase extends Module {
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  constructor(public readonly numFeatures: number, opts: NormLayerOptions, defaults: { affine: boolean; track: boolean }) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? defaults.affine;
    this.trackRunningStats = opts.trackRunningStats ?? defaults.track;
    const dtype = opts.dtype ?? "float32";
    if (this.affine) {
      this.weight = Parameter(ones([numFeatures], { dtype }));
      this.bias = Parameter(zeros([numFeatures], { dtype }));
    }
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures], { dtype }));
      this.registerBuffer("running_var", ones([numFeatures], { dtype }));
      this.registerBuffer("num_batches_tracked", zeros([], { dtype: "int32" }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
  }

  /** Zeroes the running statistics (mean 0, var 1, count 0). */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    init.zeros_(this.runningMean!);
    init.ones_(this.runningVar!);
    init.zeros_(this.numBatchesTracked!);
  }

  /** Resets running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.trackRunningStats)}`;
  }
}

abstract class BatchNormBase extends NormBase {
  constructor(numFeatures: number, opts: NormLayerOptions) {
    super(numFeatures, opts, { affine: true, track: true });
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      factor = this.momentum === null ? 1 / this.numBatchesTracked.item() : this.momentum;
    }
    const bnTraining = this.training || (!this.runningMean && !this.runningVar);
    const useRunning = !this.training || this.trackRunningStats;
    return F.batchNorm(x, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias, {
      training: bnTraining, momentum: factor, eps: this.eps,
    });
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] (statistics per channel C).
 * @example const bn = new nn.BatchNorm1d(64, {momentum: 0.01});
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, ...args: NormArgs) {
    super(numFeatures, S.BatchNorm1d.parse(args));
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input [N, C] or [N, C, L], got ${fmtShape(x.shape)}`);
  }
}

/**
 * Batch normalisation over [N, C, H, W] (statistics per channel C).
 * @example const bn = new nn.BatchNorm2d(16);
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, ...args: NormArgs) {
    super(numFeatures, S.BatchNorm2d.parse(args));
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  }
}

abstract class InstanceNormBase extends NormBase {
  constructor(numFeatures: number, opts: NormLayerOptions, private readonly nd: number, private readonly layer: string) {
    super(numFeatures, opts, { affine: false, track: false });
  }

  override forward(x: Tensor): Tensor {
    const batched = x.ndim === this.nd + 2;
    if (!batched && x.ndim !== this.nd + 1) {
      throw new Error(`${this.layer}: expected ${this.nd + 1}D (unbatched) or ${this.nd + 2}D (batched) input, got ${fmtShape(x.shape)}`);
    }
    const xi = batched ? x : x.unsqueeze(0);
    const y = F.instanceNorm(xi, this.runningMean, this.runningVar, this.weight, this.bias, {
      useInputStats: this.training || !this.trackRunningStats, momentum: this.momentum ?? 0, eps: this.eps,
    });
    return batched ? y : y.squeeze(0);
  }
}

/** Instance normalisation over [N, C, L] (each sample and channel on its own). */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, ...args: NormArgs) {
    super(numFeatures, S.InstanceNorm1d.parse(args), 1, "InstanceNorm1d");
  }
}

/** Instance normalisation over [N, C, H, W]. */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, ...args: NormArgs) {
    super(numFeatures, S.InstanceNorm2d.parse(args), 2, "InstanceNorm2d");
  }
}

const shapeOf = (s: number | readonly number[]): number[] => (typeof s === "number" ? [s] : s.slice());

/**
 * Layer normalisation over the trailing `normalizedShape` dims.
 * @example const ln = new nn.LayerNorm(512);
 */
export class LayerNorm extends Module {
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], ...args: PyArgs<LayerNormOptions, typeof S.LayerNorm.names>) {
    super();
    const opts = S.LayerNorm.parse<LayerNormOptions>(args);
    this.normalizedShape = shapeOf(normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const dtype = opts.dtype ?? "float32";
    if (this.elementwiseAffine) {
      this.weight = Parameter(ones(this.normalizedShape, { dtype }));
      if (opts.bias ?? true) this.bias = Parameter(zeros(this.normalizedShape, { dtype }));
    }
  }

  /** weight 1, bias 0. */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyRepr(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyRepr(this.elementwiseAffine)}`;
  }
}

/**
 * Group normalisation: channels split into `numGroups` groups, each normalised over
 * its channels and positions. @example new nn.GroupNorm(2, 6)
 */
export class GroupNorm extends Module {
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  readonly eps: number;
  readonly affine: boolean;

  constructor(public readonly numGroups: number, public readonly numChannels: number, ...args: PyArgs<GroupNormOptions, typeof S.GroupNorm.names>) {
    super();
    const opts = S.GroupNorm.parse<GroupNormOptions>(args);
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    const dtype = opts.dtype ?? "float32";
    if (this.affine) {
      this.weight = Parameter(ones([numChannels], { dtype }));
      this.bias = Parameter(zeros([numChannels], { dtype }));
    }
  }

  /** weight 1, bias 0. */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyRepr(this.affine)}`;
  }
}

/**
 * RMS normalisation over the trailing `normalizedShape` dims: x / √(mean(x²) + eps) · weight.
 * eps defaults to the dtype's machine epsilon (PyTorch's `eps=None`).
 */
export class RMSNorm extends Module {
  weight: Tensor | null = null;
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], ...args: PyArgs<RMSNormOptions, typeof S.RMSNorm.names>) {
    super();
    const opts = S.RMSNorm.parse<RMSNormOptions>(args);
    this.normalizedShape = shapeOf(normalizedShape);
    this.eps = opts.eps ?? null;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    if (this.elementwiseAffine) this.weight = Parameter(ones(this.normalizedShape, { dtype: opts.dtype ?? "float32" }));
  }

  /** weight 1. */
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
  }

  override forward(x: Tensor): Tensor {
    return F.rmsNorm(x, this.normalizedShape, this.weight, { eps: this.eps ?? undefined });
  }

  override extraRepr(): string {
    return `${pyRepr(this.normalizedShape)}, eps=${this.eps === null ? "None" : pyFloat(this.eps)}, elementwise_affine=${pyRepr(this.elementwiseAffine)}`;
  }
}
