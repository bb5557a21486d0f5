/**
 * Activation functions as modules (stateless except PReLU's learnable slope),
 * wrapping the `F` functions with PyTorch's constructor arguments and repr.
 */
import type { Tensor } from "../../core/tensor.js";
import { full } from "../../ops/creation.js";
import { Module, Parameter, pyFloat, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** min(max(0, x), 6). */
export class ReLU6 extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu6(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise. @example new nn.LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  constructor(public readonly negativeSlope = 0.01) {
    super();
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
  constructor(public readonly alpha = 1) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** Scaled ELU with the self-normalising constants. */
export class SELU extends Module {
  override forward(x: Tensor): Tensor {
    return F.selu(x);
  }
}

/** x·Φ(x) (or its tanh approximation with `{approximate: "tanh"}`). */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(opts: { approximate?: "none" | "tanh" } = {}) {
    super();
    this.approximate = opts.approximate ?? "none";
  }

  override forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate=${pyRepr(this.approximate)}`;
  }
}

/** x·σ(x) (swish). */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** x·tanh(softplus(x)). */
export class Mish extends Module {
  override forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** tanh(x). */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** ReLU6(x + 3) / 6. */
export class Hardsigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.hardsigmoid(x);
  }
}

/** x·ReLU6(x + 3) / 6. */
export class Hardswish extends Module {
  override forward(x: Tensor): Tensor {
    return F.hardswish(x);
  }
}

/** Clamps to [minVal, maxVal] (defaults -1, 1). */
export class Hardtanh extends Module {
  constructor(public readonly minVal = -1, public readonly maxVal = 1) {
    super();
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
  constructor(public readonly beta = 1, public readonly threshold = 20) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${pyRepr(this.beta)}, threshold=${pyRepr(this.threshold)}`;
  }
}

abstract class DimActivation extends Module {
  constructor(public readonly dim: number | null = null) {
    super();
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
  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dimFor(x));
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends DimActivation {
  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dimFor(x));
  }
}

/** softmax(-x) along `dim`. */
export class Softmin extends DimActivation {
  override forward(x: Tensor): Tensor {
    return F.softmin(x, this.dimFor(x));
  }
}

/** Gated linear unit: first half · σ(second half) along `dim` (default -1). */
export class GLU extends Module {
  constructor(public readonly dim = -1) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return F.glu(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * ReLU with a learnable negative slope: one shared (default) or one per channel,
 * initialised to `init` (0.25).
 */
export class PReLU extends Module {
  weight: Tensor;

  constructor(public readonly numSlopes = 1, opts: { init?: number; dtype?: "float32" | "float64" } = {}) {
    super();
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
