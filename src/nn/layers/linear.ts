/**
 * Dense and shape layers: Identity, Linear, Bilinear, Flatten, Unflatten.
 */
import type { Tensor } from "../../core/tensor.js";
import { empty } from "../../core/tensor.js";
import { Module, Parameter } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

const LINEAR = argSpec("nn.Linear", 2, ["bias", "device", "dtype"]);
const BILINEAR = argSpec("nn.Bilinear", 3, ["bias", "device", "dtype"]);
const FLATTEN = argSpec("nn.Flatten", 0, ["startDim", "endDim"], [], {
  startDim: [Number.isInteger, "an integer"], endDim: [Number.isInteger, "an integer"],
});

/** Options of layers with an optional bias. */
export interface BiasOptions {
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** Returns its input unchanged (constructor arguments are ignored, as PyTorch's). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * y = x Wᵀ + b. Weight [out, in] and bias [out] are initialised as PyTorch's:
 * kaiming-uniform with a=√5 (i.e. U(±1/√in)) and U(±1/√in).
 * @example const fc = new nn.Linear(784, 10); const y = fc.forward(x); // [B, 784] → [B, 10]
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(public readonly inFeatures: number, public readonly outFeatures: number, ...args: PyArgs<BiasOptions, typeof LINEAR.names>) {
    super();
    const opts = LINEAR.parse<BiasOptions>(args);
    checkPositive("Linear", { inFeatures, outFeatures });
    const dtype = opts.dtype ?? "float32";
    this.weight = Parameter(empty([outFeatures, inFeatures], dtype));
    this.bias = opts.bias ?? true ? Parameter(empty([outFeatures], dtype)) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, { a: -bound, b: bound });
    }
  }

  override forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

/**
 * y_k = x1ᵀ W_k x2 + b_k with weight [out, in1, in2]; init U(±1/√in1) as PyTorch.
 */
export class Bilinear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(public readonly in1Features: number, public readonly in2Features: number, public readonly outFeatures: number, ...args: PyArgs<BiasOptions, typeof BILINEAR.names>) {
    super();
    const opts = BILINEAR.parse<BiasOptions>(args);
    checkPositive("Bilinear", { in1Features, in2Features, outFeatures });
    const dtype = opts.dtype ?? "float32";
    this.weight = Parameter(empty([outFeatures, in1Features, in2Features], dtype));
    this.bias = opts.bias ?? true ? Parameter(empty([outFeatures], dtype)) : null;
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, { a: -bound, b: bound });
    if (this.bias) init.uniform_(this.bias, { a: -bound, b: bound });
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    return F.bilinear(x1, x2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** Flattens dims startDim..endDim (defaults 1, -1: everything but the batch). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(...args: PyArgs<{ startDim?: number; endDim?: number }, typeof FLATTEN.names>) {
    super();
    const o = FLATTEN.parse<{ startDim?: number; endDim?: number }>(args);
    this.startDim = o.startDim ?? 1;
    this.endDim = o.endDim ?? -1;
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Expands dim `dim` into `sizes`, e.g. `new nn.Unflatten(1, [2, 3])`: [B, 6] → [B, 2, 3]. */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];

  constructor(public readonly dim: number, sizes: readonly number[]) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`nn.Unflatten: argument 'dim' must be an integer, got ${String(dim)}`);
    if (!Array.isArray(sizes) || !sizes.every(Number.isInteger)) {
      throw new Error(`nn.Unflatten: argument 'unflattenedSize' must be an array of integers, got ${JSON.stringify(sizes)}`);
    }
    this.unflattenedSize = sizes.slice();
  }

  override forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=(${this.unflattenedSize.join(", ")}${this.unflattenedSize.length === 1 ? "," : ""})`;
  }
}

/** Throws if any named size is not a non-negative integer. */
export function checkPositive(layer: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${layer}: ${k} must be a non-negative integer, got ${v}`);
  }
}
