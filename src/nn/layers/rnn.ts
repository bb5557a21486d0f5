/**
 * Recurrent layers nn.RNN, nn.LSTM, nn.GRU: multi-layer, bidirectional, batchFirst,
 * inter-layer dropout, initial states, unbatched 2-D input and PackedSequence input,
 * with PyTorch's parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`,
 * `weight_hr_l0`), shapes, gate order and U(±1/√hidden) initialisation. Each
 * layer-direction projects its whole input with one GEMM, then runs the fused
 * recurrence of src/ops/nn/rnn-scan.ts. The cells live in rnn-cell-modules.ts (their fused steps in src/ops/nn/rnn-cells.ts).
 */
import { Tensor, empty } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { Module, Parameter } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { cat, stack } from "../../ops/shape.js";
import { zeros } from "../../ops/creation.js";
import { indexSelect } from "../../ops/indexing.js";
import "../../ops/elementwise.js";
import { PackedSequence } from "../rnn-utils.js";
import { GATES, scan, type RnnMode } from "../../ops/nn/rnn-scan.js";
import { checkPositive } from "./linear.js";
import { argSpec, type PyArgs } from "../../ops/args.js";
import { readData } from "../../ops/data.js";

export { RNNCell, LSTMCell, GRUCell, type CellOptions } from "./rnn-cell-modules.js";
export { lstmCellStep, gruCellStep } from "../../ops/nn/rnn-cells.js";

/** Options of nn.RNN / nn.LSTM / nn.GRU (PyTorch's keyword arguments, camelCased). */
export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [B, T, *] instead of [T, B, *] (default false; states stay [L·D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Add a reverse-direction layer per layer (default false). */
  bidirectional?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: "float32" | "float64";
}

interface LayerParams { wih: Tensor; whh: Tensor; bih: Tensor | null; bhh: Tensor | null; whr: Tensor | null }

const RNN_NAMES = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional", "device", "dtype"] as const;
const S = {
  RNN: argSpec("nn.RNN", 2, ["numLayers", "nonlinearity", "bias", "batchFirst", "dropout", "bidirectional", "device", "dtype"]),
  LSTM: argSpec("nn.LSTM", 2, ["numLayers", "bias", "batchFirst", "dropout", "bidirectional", "projSize", "device", "dtype"]),
  // projSize is "known" to GRU only so that RNNBase can say it is LSTM-only.
  GRU: argSpec("nn.GRU", 2, RNN_NAMES, ["projSize"]),
};
type RNNOpts = RNNOptions & { nonlinearity?: "tanh" | "relu" };
type LSTMOpts = RNNOptions & { projSize?: number };

/** Shared machinery of RNN, LSTM and GRU (PyTorch's RNNBase). */
export class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  constructor(readonly mode: RnnMode, public readonly inputSize: number, public readonly hiddenSize: number,
    opts: RNNOptions & { projSize?: number } = {}) {
    super();
    const name = this.constructor.name;
    this.numLayers = opts.numLayers ?? 1;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.bidirectional = opts.bidirectional ?? false;
    this.projSize = opts.projSize ?? 0;
    checkPositive(name, { inputSize, hiddenSize, projSize: this.projSize });
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new Error(`${name}: numLayers must be a positive integer, got ${this.numLayers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new Error(`${name}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${this.dropout}`);
    }
    if (this.projSize && this.projSize >= hiddenSize) throw new Error(`${name}: projSize (${this.projSize}) has to be smaller than hiddenSize (${hiddenSize})`);
    if (this.projSize && mode !== "LSTM") throw new Error(`${name}: projSize is only supported by LSTM`);
    const dtype = opts.dtype ?? "float32";
    const G = GATES[mode], D = this.bidirectional ? 2 : 1;
    const P = this.projSize || hiddenSize;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : P * D;
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? "_reverse" : ""}`;
        const p = (shape: number[]) => Parameter(empty(shape, dtype));
        const lp: LayerParams = { wih: p([G * hiddenSize, inSize]), whh: p([G * hiddenSize, P]), bih: null, bhh: null, whr: null };
        this.registerParameter(`weight_ih${sfx}`, lp.wih);
        this.registerParameter(`weight_hh${sfx}`, lp.whh);
        if (this.bias) {
          lp.bih = p([G * hiddenSize]);
          lp.bhh = p([G * hiddenSize]);
          this.registerParameter(`bias_ih${sfx}`, lp.bih);
          this.registerParameter(`bias_hh${sfx}`, lp.bhh);
        }
        if (this.projSize) {
          lp.whr = p([this.projSize, hiddenSize]);
          this.registerParameter(`weight_hr${sfx}`, lp.whr);
        }
      }
    }
    this.resetParameters();
  }

  /** Re-draws every parameter from U(-1/√hiddenSize, 1/√hiddenSize), as PyTorch. */
  resetParameters(): void {
    const k = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, { a: -k, b: k });
  }

  /** The current parameters of one layer-direction (fields may have been reloaded). */
  private params(i: number): LayerParams {
    const l = Math.floor(i / (this.bidirectional ? 2 : 1)), d = i % (this.bidirectional ? 2 : 1);
    const sfx = `L${l}${d ? "Reverse" : ""}`;
    const f = this as unknown as Record<string, Tensor | null>;
    return { wih: f[`weightIh${sfx}`]!, whh: f[`weightHh${sfx}`]!, bih: f[`biasIh${sfx}`] ?? null, bhh: f[`biasHh${sfx}`] ?? null, whr: f[`weightHr${sfx}`] ?? null };
  }

  /** Checks a given initial state [L·D, B, size] (unbatched [L·D, size]); zeros when absent. */
  private state(s: Tensor | undefined | null, what: string, size: number, batch: number, batched: boolean, x: Tensor, perm: Tensor | null): Tensor {
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    if (s === undefined || s === null) return zeros([LD, batch, size], { dtype: x.dtype, device: x.device });
    const want = batched ? [LD, batch, size] : [LD, size];
    if (!(s instanceof Tensor) || s.ndim !== want.length || s.shape.some((v, i) => v !== want[i])) {
      throw new Error(`${this.constructor.name}: expected ${what} of shape ${fmtShape(want)} (numLayers·numDirections, batch, ${what === "c0" ? "hiddenSize" : "hidden size"}), ` +
        `got ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}`);
    }
    if (s.dtype !== x.dtype) throw new TypeError(`${this.constructor.name}: ${what} has dtype ${s.dtype} but the input is ${x.dtype}`);
    const s3 = batched ? s : s.unsqueeze(1);
    return perm ? indexSelect(s3, 1, perm) : s3;
  }

  /** Runs all layers; returns [output (same kind as x), hN, cN | null]. */
  protected run(x: Tensor | PackedSequence, h0?: Tensor | null, c0?: Tensor | null): [Tensor | PackedSequence, Tensor, Tensor | null] {
    const name = this.constructor.name;
    const packed = x instanceof PackedSequence;
    const data0 = packed ? x.data : x;
    if (!(data0 instanceof Tensor)) throw new TypeError(`${name}: expected input to be a Tensor or a PackedSequence`);
    const w0 = this.params(0).wih;
    let batched = true, T: number, Bn: number, data: Tensor, bs: Int32Array;
    if (packed) {
      if (data0.ndim !== 2 || data0.shape[1] !== this.inputSize) {
        throw new Error(`${name}: expected packed data of shape [N, ${this.inputSize}], got ${fmtShape(data0.shape)}`);
      }
      bs = readData(x.batchSizes) as Int32Array;
      T = bs.length;
      Bn = T ? bs[0] : 0;
      data = data0;
    } else {
      if (data0.ndim !== 2 && data0.ndim !== 3) {
        throw new Error(`${name}: expected input of 2 (unbatched [T, inputSize]) or 3 dims ([T, B, inputSize], or [B, T, inputSize] with batchFirst), got ${fmtShape(data0.shape)}`);
      }
      if (data0.shape[data0.ndim - 1] !== this.inputSize) {
        throw new Error(`${name}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${data0.shape[data0.ndim - 1]} (input ${fmtShape(data0.shape)})`);
      }
      batched = data0.ndim === 3;
      let x3 = batched ? data0 : data0.unsqueeze(1);
      if (batched && this.batchFirst) x3 = x3.transpose(0, 1);
      T = x3.shape[0];
      Bn = x3.shape[1];
      data = x3.reshape([T * Bn, this.inputSize]);
      bs = new Int32Array(T).fill(Bn);
    }
    if (data.dtype !== w0.dtype) throw new TypeError(`${name}: input dtype ${data.dtype} does not match the parameters' dtype ${w0.dtype}`);
    const perm = packed ? x.sortedIndices : null;
    const D = this.bidirectional ? 2 : 1, P = this.projSize || this.hiddenSize;
    const lstm = this.mode === "LSTM", gru = this.mode === "GRU";
    const H0 = this.state(h0, "h0", P, Bn, batched, data, perm);
    const C0 = lstm ? this.state(c0, "c0", this.hiddenSize, Bn, batched, data, perm) : null;
    const hNs: Tensor[] = [], cNs: Tensor[] = [];
    let layerIn = data;
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const i = l * D + d;
        const p = this.params(i);
        const bias = gru ? p.bih : p.bih && p.bhh ? p.bih.add(p.bhh) : (p.bih ?? p.bhh);
        const r = scan({
          mode: this.mode, xproj: F.linear(layerIn, p.wih, bias), whh: p.whh, bhh: gru ? p.bhh : null,
          h0: H0.select(0, i), c0: C0 ? C0.select(0, i) : null, whr: p.whr, bs, reverse: d === 1,
        });
        outs.push(r.out);
        hNs.push(r.hN);
        if (r.cN) cNs.push(r.cN);
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 1);
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) layerIn = F.dropout(layerIn, this.dropout, true);
    }
    const unperm = packed ? x.unsortedIndices : null;
    const fin = (ss: Tensor[]): Tensor => {
      let s = stack(ss, 0);
      if (unperm) s = indexSelect(s, 1, unperm);
      return batched ? s : s.squeeze(1);
    };
    let out: Tensor | PackedSequence;
    if (packed) out = x.withData(layerIn);
    else {
      let o = layerIn.reshape([T, Bn, D * P]);
      if (!batched) o = o.squeeze(1);
      else if (this.batchFirst) o = o.transpose(0, 1);
      out = o;
    }
    return [out, fin(hNs), lstm ? fin(cNs) : null];
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ", bias=False";
    if (this.batchFirst) s += ", batch_first=True";
    // Python prints floats with a decimal point (dropout=1.0).
    if (this.dropout) s += `, dropout=${Number.isInteger(this.dropout) ? this.dropout.toFixed(1) : this.dropout}`;
    if (this.bidirectional) s += ", bidirectional=True";
    return s;
  }
}

/**
 * Elman RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act tanh or relu.
 * `forward(x, h0?)` → `[output, hN]`; x [T, B, in] ([B, T, in] with batchFirst,
 * [T, in] unbatched, or a PackedSequence); output [T, B, D·H]; hN [L·D, B, H].
 * @example const [out, hN] = new nn.RNN(8, 16, {numLayers: 2}).forward(x);
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<RNNOpts, typeof S.RNN.names>) {
    const opts = S.RNN.parse<RNNOpts>(args);
    const nl = opts.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`RNN: unknown nonlinearity ${JSON.stringify(nl)}; expected "tanh" or "relu"`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  /** Runs the sequence `x` ([T, N, inputSize], or [N, T, inputSize] with batchFirst) from initial state `h0` (zeros if omitted); returns `[output, hN]`. */
  override forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  /** The same over a {@link PackedSequence} of variable-length sequences; the output is packed too. */
  override forward(x: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  override forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, hN] = this.run(x, h0);
    return [out, hN];
  }
}

/**
 * Long short-term memory with PyTorch's gates (i, f, g, o) and optional projection
 * (`projSize` adds `weight_hr_l{k}` and makes h of size projSize).
 * `forward(x, [h0, c0]?)` → `[output, [hN, cN]]`.
 * @example const [out, [h, c]] = new nn.LSTM(64, 128, {batchFirst: true}).forward(x);
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<LSTMOpts, typeof S.LSTM.names>) {
    super("LSTM", inputSize, hiddenSize, S.LSTM.parse(args));
  }

  /** Runs the sequence `x` from the initial `[h0, c0]` (zeros if omitted); returns `[output, [hN, cN]]`. */
  override forward(x: Tensor, state?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  /** The same over a {@link PackedSequence} of variable-length sequences; the output is packed too. */
  override forward(x: PackedSequence, state?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(x: Tensor | PackedSequence, state?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2)) {
      throw new Error("LSTM: expected the initial state as a pair [h0, c0]");
    }
    const [out, hN, cN] = this.run(x, state?.[0], state?.[1]);
    return [out, [hN, cN!]];
  }
}

/**
 * Gated recurrent unit with PyTorch's equations (r, z, n; r ⊙ (W_hn h + b_hn)).
 * `forward(x, h0?)` → `[output, hN]`.
 * @example const [out, hN] = new nn.GRU(8, 16, {bidirectional: true}).forward(x);
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, ...args: PyArgs<RNNOptions, typeof RNN_NAMES>) {
    super("GRU", inputSize, hiddenSize, S.GRU.parse(args));
  }

  /** Runs the sequence `x` from initial state `h0` (zeros if omitted); returns `[output, hN]`. */
  override forward(x: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  /** The same over a {@link PackedSequence} of variable-length sequences; the output is packed too. */
  override forward(x: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  override forward(x: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, hN] = this.run(x, h0);
    return [out, hN];
  }
}
