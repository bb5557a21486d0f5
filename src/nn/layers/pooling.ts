/**
 * Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool2d.
 * Thin wrappers over the `F` pooling functions, with PyTorch's defaults (stride =
 * kernel size) and repr.
 */
import type { Tensor } from "../../core/tensor.js";
import { Module, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import { argSpec, type ArgSpec, type ArgTypes, type PyArgs } from "../../ops/args.js";

const intsOrNull = (v: unknown) => v === null || Number.isInteger(v) || (Array.isArray(v) && v.every(Number.isInteger));
/** Pool strides default to the kernel size (null); `returnIndices` only exists in F (the layers return values). */
const POOL_TYPES: ArgTypes = {
  stride: [intsOrNull, "an integer, an array of integers or null (= kernel size)"],
  returnIndices: [(v) => v === false, "false (the pooling layers return values only; use F.maxPool2d(..., {returnIndices: true}))"],
};
const MAXPOOL = ["stride", "padding", "dilation", "returnIndices", "ceilMode"] as const;
const AVGPOOL1 = ["stride", "padding", "ceilMode", "countIncludePad"] as const;
const AVGPOOL2 = ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"] as const;
const S = {
  MaxPool1d: argSpec("nn.MaxPool1d", 1, MAXPOOL, [], POOL_TYPES),
  MaxPool2d: argSpec("nn.MaxPool2d", 1, MAXPOOL, [], POOL_TYPES),
  AvgPool1d: argSpec("nn.AvgPool1d", 1, AVGPOOL1, [], POOL_TYPES),
  AvgPool2d: argSpec("nn.AvgPool2d", 1, AVGPOOL2, [], POOL_TYPES),
  AdaptiveAvgPool1d: argSpec("nn.AdaptiveAvgPool1d", 1, []),
  AdaptiveAvgPool2d: argSpec("nn.AdaptiveAvgPool2d", 1, []),
  AdaptiveMaxPool2d: argSpec("nn.AdaptiveMaxPool2d", 1, ["returnIndices"], [], POOL_TYPES),
};
type MaxArgs = PyArgs<MaxPoolLayerOptions & { returnIndices?: false }, typeof MAXPOOL>;

type Size = number | number[];

/** Options of the max-pooling layers. */
export interface MaxPoolLayerOptions {
  /** Default: the kernel size. */
  stride?: Size | null;
  padding?: Size;
  dilation?: Size;
  ceilMode?: boolean;
}

/** Options of the average-pooling layers. */
export interface AvgPoolLayerOptions {
  /** Default: the kernel size. */
  stride?: Size | null;
  padding?: Size;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** 2-D only: divide by this instead of the window size. */
  divisorOverride?: number | null;
}

abstract class MaxPoolNd extends Module {
  readonly stride: Size;
  readonly padding: Size;
  readonly dilation: Size;
  readonly ceilMode: boolean;

  constructor(public readonly kernelSize: Size, opts: MaxPoolLayerOptions) {
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }

  protected opts() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}, dilation=${pyRepr(this.dilation)}, ceil_mode=${pyRepr(this.ceilMode)}`;
  }
}

/** Max over sliding windows of [N, C, L]. @example new nn.MaxPool1d(2) */
export class MaxPool1d extends MaxPoolNd {
  constructor(kernelSize: Size, ...args: MaxArgs) {
    super(kernelSize, S.MaxPool1d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    return F.maxPool1d(x, this.kernelSize, this.opts());
  }
}

/** Max over sliding windows of [N, C, H, W]. @example new nn.MaxPool2d(2) // halves H and W */
export class MaxPool2d extends MaxPoolNd {
  constructor(kernelSize: Size, ...args: MaxArgs) {
    super(kernelSize, S.MaxPool2d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.opts());
  }
}

const single = (v: Size): number[] => (typeof v === "number" ? [v] : v);

/** Mean over sliding windows of [N, C, L]. */
export class AvgPool1d extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Size, ...args: PyArgs<AvgPoolLayerOptions, typeof AVGPOOL1>) {
    super();
    const opts = S.AvgPool1d.parse<AvgPoolLayerOptions>(args);
    // PyTorch stores AvgPool1d's sizes as 1-tuples.
    this.kernelSize = single(kernelSize);
    this.stride = single(opts.stride ?? kernelSize);
    this.padding = single(opts.padding ?? 0);
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    return F.avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}

/** Mean over sliding windows of [N, C, H, W]. @example new nn.AvgPool2d(2) */
export class AvgPool2d extends Module {
  readonly stride: Size;
  readonly padding: Size;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(public readonly kernelSize: Size, ...args: PyArgs<AvgPoolLayerOptions, typeof AVGPOOL2>) {
    super();
    const opts = S.AvgPool2d.parse<AvgPoolLayerOptions>(args);
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
  }

  override forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride ?? undefined,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}

abstract class AdaptivePool extends Module {
  constructor(public readonly outputSize: Size, spec: ArgSpec<readonly string[]>, args: readonly unknown[]) {
    super();
    spec.parse(args);
  }

  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}

/** Averages [N, C, L] down to [N, C, outputSize]. */
export class AdaptiveAvgPool1d extends AdaptivePool {
  constructor(outputSize: Size, ...args: []) {
    super(outputSize, S.AdaptiveAvgPool1d, args);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool1d(x, this.outputSize);
  }
}

/** Averages [N, C, H, W] down to [N, C, *outputSize]. @example new nn.AdaptiveAvgPool2d(1) // global average pool */
export class AdaptiveAvgPool2d extends AdaptivePool {
  constructor(outputSize: Size, ...args: []) {
    super(outputSize, S.AdaptiveAvgPool2d, args);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** Max-pools [N, C, H, W] down to [N, C, *outputSize]. */
export class AdaptiveMaxPool2d extends AdaptivePool {
  constructor(outputSize: Size, ...args: PyArgs<{ returnIndices?: false }, typeof S.AdaptiveMaxPool2d.names>) {
    super(outputSize, S.AdaptiveMaxPool2d, args);
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveMaxPool2d(x, this.outputSize) as Tensor;
  }
}
