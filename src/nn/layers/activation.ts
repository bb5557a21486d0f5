/**
 * Activation functions as modules (stateless except PReLU's learnable slope),
 * wrapping the `F` functions with PyTorch's constructor arguments and repr.
 */
import type { Tensor } from "../../core/tensor.js";
import { full } from "../../ops/creation.js";
import { Module, Parameter, pyFloat, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { argSpec, type ArgSpec, type PyArgs } from "../../ops/args.js";

// `inplace` is accepted (PyTorch code passes it) but the result is always a new
// tensor: the values are the same, the input is left unmodified (docs/coming-from-pytorch.md).
const INPLACE = ["inplace"] as const;
type InplaceArgs = PyArgs<{ inplace?: boolean }, typeof INPLACE>;
const S = {
  ReLU: argSpec("nn.ReLU", 0, INPLACE), ReLU6: argSpec("nn.ReLU6", 0, INPLACE), SELU: argSpec("nn.SELU", 0, INPLACE),
  SiLU: argSpec("nn.SiLU", 0, INPLACE), Mish: argSpec("nn.Mish", 0, INPLACE),
  Hardsigmoid: argSpec("nn.Hardsigmoid", 0, INPLACE), Hardswish: argSpec("nn.Hardswish", 0, INPLACE),
  Sigmoid: argSpec("nn.Sigmoid", 0, []), Tanh: argSpec("nn.Tanh", 0, []),
  LeakyReLU: argSpec("nn.LeakyReLU", 0, ["negativeSlope", "inplace"]),
  ELU: argSpec("nn.ELU", 0, ["alpha", "inplace"]),
  GELU: argSpec("nn.GELU", 0, ["approximate"]),
  Hardtanh: argSpec("nn.Hardtanh", 0, ["minVal", "maxVal", "inplace", "minValue", "maxValue"]),
  Softplus: argSpec("nn.Softplus", 0, ["beta", "threshold"]),
  Softmax: argSpec("nn.Softmax", 0, ["dim"], [], { dim: [(v) => v === null || Number.isInteger(v), "an integer or null"] }),
  LogSoftmax: argSpec("nn.LogSoftmax", 0, ["dim"], [], { dim: [(v) => v === null || Number.isInteger(v), "an integer or null"] }),
  Softmin: argSpec("nn.Softmin", 0, ["dim"], [], { dim: [(v) => v === null || Number.isInteger(v), "an integer or null"] }),
  GLU: argSpec("nn.GLU", 0, ["dim"], [], { dim: [(v) => Number.isInteger(v), "an integer"] }),
  PReLU: argSpec("nn.PReLU", 0, ["numParameters", "init", "device", "dtype"], [], {
    numParameters: [(v) => Number.isInteger(v) && (v as number) > 0, "a positive integer"],
    init: [(v) => typeof v === "number", "a number"],
  }),
};

/** An activation whose only constructor argument is PyTorch's `inplace` flag. */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;

  constructor(spec: ArgSpec<readonly string[]>, args: readonly unknown[]) {
    super();
    this.inplace = spec.parse<{ inplace?: boolean }>(args).inplace ?? false;
  }
}

/** max(0, x). */
export class ReLU extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.ReLU, args);
  }

  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** min(max(0, x), 6). */
export class ReLU6 extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.ReLU6, args);
  }

  override forward(x: Tensor): Tensor {
    return F.relu6(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise. @example new nn.LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(...args: PyArgs<{ negativeSlope?: number; inplace?: boolean }, typeof S.LeakyReLU.names>) {
    super();
    this.negativeSlope = S.LeakyReLU.parse<{ negativeSlope?: number }>(args).negativeSlope ?? 0.01;
  }

  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** x for x > 0, alpha·(eˣ - 1) otherwise. */
export class ELU extends Module {
  readonly alpha: number;

  constructor(...args: PyArgs<{ alpha?: number; inplace?: boolean }, typeof S.ELU.names>) {
    super();
    this.alpha = S.ELU.parse<{ alpha?: number }>(args).alpha ?? 1;
  }

  override forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** Scaled ELU with the self-normalising constants. */
export class SELU extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.SELU, args);
  }

  override forward(x: Tensor): Tensor {
    return F.selu(x);
  }
}

/** x·Φ(x) (or its tanh approximation with `{approximate: "tanh"}`). */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(...args: PyArgs<{ approximate?: "none" | "tanh" }, typeof S.GELU.names>) {
    super();
    this.approximate = S.GELU.parse<{ approximate?: "none" | "tanh" }>(args).approximate ?? "none";
  }

  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/** x·σ(x) (swish). */
export class SiLU extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.SiLU, args);
  }

  override forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** x·tanh(softplus(x)). */
export class Mish extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.Mish, args);
  }

  override forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Module {
  constructor(...args: []) {
    super();
    S.Sigmoid.parse(args);
  }

  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** tanh(x). */
export class Tanh extends Module {
  constructor(...args: []) {
    super();
    S.Tanh.parse(args);
  }

  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** ReLU6(x + 3) / 6. */
export class Hardsigmoid extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.Hardsigmoid, args);
  }

  override forward(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
}

/** x·ReLU6(x + 3) / 6. */
export class Hardswish extends InplaceActivation {
  constructor(...args: InplaceArgs) {
    super(S.Hardswish, args);
  }

  override forward(x: Tensor): Tensor {
    return F.hardswish(x);
  }
}

/** Clamps to [minVal, maxVal] (defaults -1, 1). */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;

  constructor(...args: PyArgs<{ minVal?: number; maxVal?: number; inplace?: boolean }, typeof S.Hardtanh.names>) {
    super();
    const o = S.Hardtanh.parse<{ minVal?: number; maxVal?: number }>(args);
    const minVal = (this.minVal = o.minVal ?? -1), maxVal = (this.maxVal = o.maxVal ?? 1);
    if (!(maxVal > minVal)) throw new Error(`Hardtanh: maxVal (${maxVal}) must be greater than minVal (${minVal})`);
  }

  override forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/** log(1 + e^(βx)) / β, linear above `threshold`. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(...args: PyArgs<{ beta?: number; threshold?: number }, typeof S.Softplus.names>) {
    super();
    const o = S.Softplus.parse<{ beta?: number; threshold?: number }>(args);
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }

  override forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${pyRepr(this.beta)}, threshold=${pyRepr(this.threshold)}`;
  }
}

type DimArgs = PyArgs<{ dim?: number | null }, readonly ["dim"]>;

abstract class DimActivation extends Module {
  readonly dim: number | null;

  constructor(spec: ArgSpec<readonly string[]>, args: readonly unknown[]) {
    super();
    this.dim = spec.parse<{ dim?: number | null }>(args).dim ?? null;
  }

  /** PyTorch's legacy implicit dim: 0 for 0-, 1- and 3-D input, else 1. */
  protected dimFor(x: Tensor): number {
    if (this.dim !== null) return this.dim;
    return x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1;
  }

  override extraRepr(): string {
    return `dim=${pyRepr(this.dim)}`;
  }
}

/** Softmax along `dim`. @example new nn.Softmax(1) */
export class Softmax extends DimActivation {
  constructor(...args: DimArgs) {
    super(S.Softmax, args);
  }

  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dimFor(x));
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends DimActivation {
  constructor(...args: DimArgs) {
    super(S.LogSoftmax, args);
  }

  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dimFor(x));
  }
}

/** softmax(-x) along `dim`. */
export class Softmin extends DimActivation {
  constructor(...args: DimArgs) {
    super(S.Softmin, args);
  }

  override forward(x: Tensor): Tensor {
    return F.softmin(x, this.dimFor(x));
  }
}

/** Gated linear unit: first half · σ(second half) along `dim` (default -1). */
export class GLU extends Module {
  readonly dim: number;

  constructor(...args: PyArgs<{ dim?: number }, typeof S.GLU.names>) {
    super();
    this.dim = S.GLU.parse<{ dim?: number }>(args).dim ?? -1;
  }

  override forward(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Options of PReLU (PyTorch's `num_parameters`, `init`, `dtype`). */
export interface PReLUOptions {
  numParameters?: number;
  init?: number;
  dtype?: "float32" | "float64";
}

/**
 * ReLU with a learnable negative slope: one shared (default) or one per channel,
 * initialised to `init` (0.25).
 */
export class PReLU extends Module {
  weight: Tensor;

  readonly numSlopes: number;

  constructor(...args: PyArgs<PReLUOptions, typeof S.PReLU.names>) {
    super();
    const opts = S.PReLU.parse<PReLUOptions>(args);
    const numSlopes = (this.numSlopes = opts.numParameters ?? 1);
    this.weight = Parameter(full([numSlopes], opts.init ?? 0.25, { dtype: opts.dtype ?? "float32" }));
    this.initValue = opts.init ?? 0.25;
  }

  private readonly initValue: number;

  /** Refills the slope with the initial value. */
  resetParameters(): void {
    init.constant_(this.weight, this.initValue);
  }

  override forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `num_parameters=${this.numSlopes}`;
  }
}
