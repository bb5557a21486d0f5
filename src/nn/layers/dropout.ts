/**
 * Dropout layers: Dropout, Dropout1d, Dropout2d, AlphaDropout. Active only in
 * training mode; identity after `eval()`.
 */
import type { Tensor } from "../../core/tensor.js";
import { Module, pyFloat, pyRepr } from "../module.js";
import * as F from "../functional/index.js";
import { argSpec, type ArgSpec, type PyArgs } from "../../ops/args.js";

const NAMES = ["p", "inplace"] as const;
const S = {
  Dropout: argSpec("nn.Dropout", 0, NAMES), Dropout1d: argSpec("nn.Dropout1d", 0, NAMES),
  Dropout2d: argSpec("nn.Dropout2d", 0, NAMES), AlphaDropout: argSpec("nn.AlphaDropout", 0, NAMES),
};
type DropoutArgs = PyArgs<{ p?: number; inplace?: boolean }, typeof NAMES>;

// `inplace` is accepted and recorded; the output is always a new tensor.
abstract class DropoutBase extends Module {
  readonly p: number;
  readonly inplace: boolean;

  constructor(spec: ArgSpec<readonly string[]>, args: readonly unknown[]) {
    super();
    const o = spec.parse<{ p?: number; inplace?: boolean }>(args);
    const p = (this.p = o.p ?? 0.5);
    this.inplace = o.inplace ?? false;
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
  constructor(...args: DropoutArgs) {
    super(S.Dropout, args);
  }

  override forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, L] during training. */
export class Dropout1d extends DropoutBase {
  constructor(...args: DropoutArgs) {
    super(S.Dropout1d, args);
  }

  override forward(x: Tensor): Tensor {
    return F.dropout1d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, H, W] during training. */
export class Dropout2d extends DropoutBase {
  constructor(...args: DropoutArgs) {
    super(S.Dropout2d, args);
  }

  override forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }
}

/** Dropout that keeps SELU's self-normalising mean and variance. */
export class AlphaDropout extends DropoutBase {
  constructor(...args: DropoutArgs) {
    super(S.AlphaDropout, args);
  }

  override forward(x: Tensor): Tensor {
    return F.alphaDropout(x, this.p, this.training);
  }
}
