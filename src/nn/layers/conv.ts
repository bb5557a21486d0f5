/**
 * Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, with
 * PyTorch's weight layout, default initialisation, padding modes and repr.
 */
import type { Tensor } from "../../core/tensor.js";
import { empty } from "../../core/tensor.js";
import { pad } from "../../ops/pad.js";
import { Module, Parameter, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { checkPositive } from "./linear.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const CONV_NAMES = ["stride", "padding", "dilation", "groups", "bias", "paddingMode", "device", "dtype"] as const;
const CONVT_NAMES = ["stride", "padding", "outputPadding", "groups", "bias", "dilation", "paddingMode", "device", "dtype"] as const;
const ZEROS_ONLY = { paddingMode: [(v: unknown) => v === "zeros", "\"zeros\" (the only mode transposed convolutions support)"] as [(v: unknown) => boolean, string] };
const SPECS = {
  Conv1d: argSpec("nn.Conv1d", 3, CONV_NAMES),
  Conv2d: argSpec("nn.Conv2d", 3, CONV_NAMES),
  ConvTranspose1d: argSpec("nn.ConvTranspose1d", 3, CONVT_NAMES, [], ZEROS_ONLY),
  ConvTranspose2d: argSpec("nn.ConvTranspose2d", 3, CONVT_NAMES, [], ZEROS_ONLY),
};
type ConvArgs = PyArgs<ConvLayerOptions, typeof CONV_NAMES>;
type ConvTArgs = PyArgs<ConvTransposeLayerOptions & { paddingMode?: "zeros" }, typeof CONVT_NAMES>;

/** How convolution layers pad the input: with zeros, or by reflecting, replicating or wrapping its edges. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** Options of Conv1d / Conv2d. */
export interface ConvLayerOptions {
  stride?: number | number[];
  /** Per-side padding, or "same" / "valid". */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
  dtype?: "float32" | "float64";
}

/** Options of ConvTranspose1d / ConvTranspose2d. */
export interface ConvTransposeLayerOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  groups?: number;
  bias?: boolean;
  dilation?: number | number[];
  dtype?: "float32" | "float64";
}

function tuple(v: number | number[] | undefined, nd: number, def: number, layer: string, name: string): number[] {
  const arr = v === undefined ? new Array<number>(nd).fill(def) : typeof v === "number" ? new Array<number>(nd).fill(v) : v.slice();
  if (arr.length !== nd || arr.some((a) => !Number.isInteger(a) || a < 0)) {
    throw new Error(`${layer}: ${name} must be a non-negative integer or a list of ${nd} of them, got ${JSON.stringify(v)}`);
  }
  return arr;
}

/** Shared state of the conv layers (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  constructor(
    layer: string, nd: number, transposed: boolean,
    public readonly inChannels: number, public readonly outChannels: number,
    kernelSize: number | number[], opts: ConvLayerOptions | ConvTransposeLayerOptions,
  ) {
    super();
    checkPositive(layer, { inChannels, outChannels });
    this.groups = opts.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new Error(`${layer}: groups must be a positive integer, got ${opts.groups}`);
    if (inChannels % this.groups !== 0) throw new Error(`${layer}: in_channels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new Error(`${layer}: out_channels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = tuple(kernelSize, nd, 1, layer, "kernelSize");
    this.stride = tuple(opts.stride, nd, 1, layer, "stride");
    this.dilation = tuple(opts.dilation, nd, 1, layer, "dilation");
    this.outputPadding = tuple((opts as ConvTransposeLayerOptions).outputPadding, nd, 0, layer, "outputPadding");
    const p = opts.padding;
    if (p === "same" || p === "valid") {
      if (p === "same" && this.stride.some((s) => s !== 1)) throw new Error(`${layer}: padding="same" is not supported for strided convolutions`);
      this.padding = p;
    } else {
      this.padding = tuple(p, nd, 0, layer, "padding");
    }
    this.paddingMode = (opts as ConvLayerOptions).paddingMode ?? "zeros";
    if (!["zeros", "reflect", "replicate", "circular"].includes(this.paddingMode)) {
      throw new Error(`${layer}: paddingMode must be one of "zeros", "reflect", "replicate", "circular", got "${this.paddingMode}"`);
    }
    const dtype = opts.dtype ?? "float32";
    const wShape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = Parameter(empty(wShape, dtype));
    this.bias = opts.bias ?? true ? Parameter(empty([outChannels], dtype)) : null;
    this.resetParameters();
  }

  /** kaiming-uniform(a=√5) weight and U(±1/√fan_in) bias, as PyTorch. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, { a: -bound, b: bound });
    }
  }

  /** Pads for non-"zeros" padding modes in F.pad order (last dim first). */
  protected explicitPads(): number[] {
    const nd = this.kernelSize.length;
    const out: number[] = [];
    for (let i = nd - 1; i >= 0; i--) {
      if (this.padding === "valid") out.push(0, 0);
      else if (this.padding === "same") {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        out.push(left, total - left);
      } else out.push(this.padding[i], this.padding[i]);
    }
    return out;
  }

  /** The conv input and padding: non-"zeros" modes pad explicitly, then convolve unpadded. */
  protected convInput(x: Tensor): [Tensor, number | number[] | "same" | "valid"] {
    if (this.paddingMode === "zeros") return [x, this.padding];
    return [pad(x, this.explicitPads(), this.paddingMode), 0];
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((v) => v !== 0)) s += `, padding=${pyRepr(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyRepr(this.dilation)}`;
    if (this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyRepr(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 1-D convolution over [N, C, L]; weight [out, in/groups, k].
 * @example const conv = new nn.Conv1d(16, 33, 3, {stride: 2});
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvArgs) {
    super("Conv1d", 1, false, inChannels, outChannels, kernelSize, SPECS.Conv1d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    const [xi, padding] = this.convInput(x);
    return F.conv1d(xi, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * 2-D convolution over [N, C, H, W]; weight [out, in/groups, kH, kW].
 * @example const conv = new nn.Conv2d(1, 6, 5, {padding: 2});
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvArgs) {
    super("Conv2d", 2, false, inChannels, outChannels, kernelSize, SPECS.Conv2d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    const [xi, padding] = this.convInput(x);
    return F.conv2d(xi, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups });
  }
}

/** 1-D transposed convolution; weight [in, out/groups, k]. */
export class ConvTranspose1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvTArgs) {
    super("ConvTranspose1d", 1, true, inChannels, outChannels, kernelSize, SPECS.ConvTranspose1d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    return F.convTranspose1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding as number[], outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation });
  }
}

/**
 * 2-D transposed convolution; weight [in, out/groups, kH, kW].
 * @example const up = new nn.ConvTranspose2d(16, 8, 4, {stride: 2, padding: 1}); // doubles H, W
 */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvTArgs) {
    super("ConvTranspose2d", 2, true, inChannels, outChannels, kernelSize, SPECS.ConvTranspose2d.parse(args));
  }

  override forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding as number[], outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation });
  }
}
