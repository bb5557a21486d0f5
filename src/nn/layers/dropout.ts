/**
 * Dropout layers: Dropout, Dropout1d, Dropout2d, AlphaDropout. Active only in
 * training mode; identity after `eval()`.
 */
import type { Tensor } from "../../core/tensor.js";
import { Module, pyFloat, pyRepr } from "../module.js";
import * as F from "../functional/index.js";

abstract class DropoutBase extends Module {
  constructor(public readonly p = 0.5, public readonly inplace = false) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`${new.target.name}: dropout probability has to be between 0 and 1, got ${p}`);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyRepr(this.inplace)}`;
  }
}

/**
 * Zeroes elements with probability p during training, scaling the rest by 1/(1-p).
 * @example const drop = new nn.Dropout(0.1);
 */
export class Dropout extends DropoutBase {
  override forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, L] during training. */
export class Dropout1d extends DropoutBase {
  override forward(x: Tensor): Tensor {
    return F.dropout1d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, H, W] during training. */
export class Dropout2d extends DropoutBase {
  override forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }
}

/** Dropout that keeps SELU's self-normalising mean and variance. */
export class AlphaDropout extends DropoutBase {
  override forward(x: Tensor): Tensor {
    return F.alphaDropout(x, this.p, this.training);
  }
}
