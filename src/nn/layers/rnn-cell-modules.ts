/**
 * Recurrent cells (one time step): nn.RNNCell, nn.LSTMCell, nn.GRUCell. The LSTM and
 * GRU cells run on the fused step ops of src/ops/nn/rnn-cells.ts.
 */
import { Tensor, empty } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { Module, Parameter } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { zeros } from "../../ops/creation.js";
import "../../ops/elementwise.js";
import { checkPositive } from "./linear.js";
import { argSpec, type PyArgs } from "../../ops/args.js";
import { lstmCellStep, gruCellStep } from "../../ops/nn/rnn-cells.js";

const CELL = ["bias", "device", "dtype"] as const;
const S = {
  RNNCell: argSpec("nn.RNNCell", 2, ["bias", "nonlinearity", "device", "dtype"]),
  LSTMCell: argSpec("nn.LSTMCell", 2, CELL),
  GRUCell: argSpec("nn.GRUCell", 2, CELL),
};
type RNNCellOpts = CellOptions & { nonlinearity?: "tanh" | "relu" };

/** Options shared by the cells. */
export interface CellOptions {
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

/** Base of the cells: weight_ih [G·H, in], weight_hh [G·H, H], bias_ih, bias_hh, init U(±1/√H). */
abstract class CellBase extends Module {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;

  constructor(readonly opName: string, public readonly inputSize: number, public readonly hiddenSize: number, gates: number, opts: CellOptions) {
    super();
    checkPositive(opName, { inputSize, hiddenSize });
    const dtype = opts.dtype ?? "float32";
    this.weightIh = Parameter(empty([gates * hiddenSize, inputSize], dtype));
    this.weightHh = Parameter(empty([gates * hiddenSize, hiddenSize], dtype));
    const bias = opts.bias ?? true;
    this.biasIh = bias ? Parameter(empty([gates * hiddenSize], dtype)) : null;
    this.biasHh = bias ? Parameter(empty([gates * hiddenSize], dtype)) : null;
    this.resetParameters();
  }

  /** Re-draws every parameter from U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const k = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, { a: -k, b: k });
  }

  /** Checks x ([n, in] or unbatched [in]) and a state; returns [x2d, state2d, batched]. */
  protected prep(x: Tensor, h: Tensor | undefined, what: string): [Tensor, Tensor, boolean] {
    const op = this.opName;
    if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected input to be a Tensor`);
    if (x.ndim !== 1 && x.ndim !== 2) throw new Error(`${op}: expected input of 1 or 2 dims [batch, inputSize], got ${fmtShape(x.shape)}`);
    if (x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input has ${x.shape[x.ndim - 1]} features (shape ${fmtShape(x.shape)}) but inputSize is ${this.inputSize}`);
    }
    const batched = x.ndim === 2;
    const x2 = batched ? x : x.unsqueeze(0);
    const n = x2.shape[0];
    let h2: Tensor;
    if (h === undefined || h === null) h2 = zeros([n, this.hiddenSize], { dtype: x.dtype });
    else {
      const want = batched ? [n, this.hiddenSize] : [this.hiddenSize];
      if (h.shape.length !== want.length || h.shape.some((s, i) => s !== want[i])) {
        throw new Error(`${op}: expected ${what} of shape ${fmtShape(want)} for input ${fmtShape(x.shape)}, got ${fmtShape(h.shape)}`);
      }
      h2 = batched ? h : h.unsqueeze(0);
    }
    return [x2, h2, batched];
  }

  /** The cell's sizes (and bias=False when it has none), as in PyTorch's repr. */
  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh ? "" : ", bias=False"}`;
  }
}

/**
 * One Elman RNN step h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act tanh or relu.
 * @example const cell = new nn.RNNCell(10, 20); const h1 = cell.forward(x, h0); // [B, 10], [B, 20] → [B, 20]
 */
export class RNNCell extends CellBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<RNNCellOpts, typeof S.RNNCell.names>) {
    const opts = S.RNNCell.parse<RNNCellOpts>(args);
    super("RNNCell", inputSize, hiddenSize, 1, opts);
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`RNNCell: unknown nonlinearity ${JSON.stringify(nl)}; expected "tanh" or "relu"`);
    this.nonlinearity = nl;
  }

  override forward(x: Tensor, h?: Tensor): Tensor {
    const [x2, h2, batched] = this.prep(x, h, "hidden state");
    const pre = F.linear(x2, this.weightIh, this.biasIh).add(F.linear(h2, this.weightHh, this.biasHh));
    const out = this.nonlinearity === "tanh" ? pre.tanh() : pre.relu();
    return batched ? out : out.squeeze(0);
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "tanh" ? "" : `, nonlinearity=${this.nonlinearity}`);
  }
}

/**
 * One LSTM step; `forward(x, [h, c]?)` → `[h', c']` (zeros when the state is omitted).
 * @example const [h, c] = new nn.LSTMCell(10, 20).forward(x); // [B, 10] → [B, 20] twice
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<CellOptions, typeof CELL>) {
    super("LSTMCell", inputSize, hiddenSize, 4, S.LSTMCell.parse(args));
  }

  override forward(x: Tensor, state?: [Tensor, Tensor]): [Tensor, Tensor] {
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2)) {
      throw new Error("LSTMCell: expected the state as a pair [h, c]");
    }
    const [x2, h2, batched] = this.prep(x, state?.[0], "h");
    const [, c2] = this.prep(x, state?.[1], "c");
    const gates = F.linear(x2, this.weightIh, this.biasIh).add(F.linear(h2, this.weightHh, this.biasHh));
    const [h, c] = lstmCellStep(gates, c2);
    return batched ? [h, c] : [h.squeeze(0), c.squeeze(0)];
  }
}

/**
 * One GRU step with PyTorch's equations (r ⊙ (W_hn h + b_hn) inside the tanh).
 * @example const h1 = new nn.GRUCell(10, 20).forward(x, h0);
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<CellOptions, typeof CELL>) {
    super("GRUCell", inputSize, hiddenSize, 3, S.GRUCell.parse(args));
  }

  override forward(x: Tensor, h?: Tensor): Tensor {
    const [x2, h2, batched] = this.prep(x, h, "hidden state");
    const out = gruCellStep(F.linear(x2, this.weightIh, this.biasIh), F.linear(h2, this.weightHh, this.biasHh), h2);
    return batched ? out : out.squeeze(0);
  }
}

