/**
 * Recurrent cells (one time step): nn.RNNCell, nn.LSTMCell, nn.GRUCell, and the fused
 * LSTM/GRU step ops they run on. A step op computes with the Backend's fused kernel
 * and records one node whose backward uses the saved gate activations; under
 * createGraph the backward is written with tensor ops instead, so higher-order
 * gradients work.
 */
import { Tensor, empty, make, record } from "../../core/tensor.js";
import { allocArray } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { currentBackend } from "../../backends/backend.js";
import { Module, Parameter } from "../../nn/module.js";
import * as F from "../../nn/functional/index.js";
import * as init from "../../nn/init.js";
import { cat } from "../shape.js";
import { recordFused } from "../fused.js";
import { zeros } from "../creation.js";
import "../elementwise.js";
import { checkPositive } from "../../nn/layers/linear.js";
import { argSpec, type PyArgs } from "../args.js";

/** Splits a [2, n, H] tensor into its two [n, H] halves (differentiable). */
function halves(hc: Tensor): [Tensor, Tensor] {
  return [hc.select(0, 0), hc.select(0, 1)];
}

/**
 * Fused LSTM step: gates [n, 4H] (pre-activations i, f, g, o) and cPrev [n, H] →
 * [h, c], each [n, H]. One Backend `lstmCell` call forward, one `lstmCellBackward` back.
 */
export function lstmCellStep(gates: Tensor, cPrev: Tensor): [Tensor, Tensor] {
  const n = gates.shape[0], H = gates.shape[1] / 4;
  const dtype = gates.dtype;
  const act = allocArray(dtype, n * 4 * H);
  act.set(gates._data);
  const hc = make(allocArray(dtype, 2 * n * H), [2, n, H], dtype);
  const h = hc._data.subarray(0, n * H), c = hc._data.subarray(n * H);
  currentBackend().lstmCell(act, cPrev._data, n, H, h, c);
  recordFused(hc, "LstmCellBackward", [gates, cPrev], (g) => {
    // Differentiable form: activations recomputed from the saved inputs.
    const [gh, gc] = halves(g);
    const [i, f, gg, o] = gates.chunk(4, 1);
    const si = i.sigmoid(), sf = f.sigmoid(), tg = gg.tanh(), so = o.sigmoid();
    const tc = sf.mul(cPrev).add(si.mul(tg)).tanh();
    const dc = gc.add(gh.mul(so).mul(tc.square().neg().add(1)));
    const dGates = cat([
      dc.mul(tg).mul(si).mul(si.neg().add(1)),
      dc.mul(cPrev).mul(sf).mul(sf.neg().add(1)),
      dc.mul(si).mul(tg.square().neg().add(1)),
      gh.mul(tc).mul(so).mul(so.neg().add(1)),
    ], 1);
    return [dGates, dc.mul(sf)];
  }, (g) => {
    const dG = allocArray(dtype, n * 4 * H), dcp = allocArray(dtype, n * H);
    const gd = g._data;
    currentBackend().lstmCellBackward(act, cPrev._data, c, gd.subarray(0, n * H), gd.subarray(n * H), n, H, dG, dcp);
    return [make(dG, [n, 4 * H], dtype), make(dcp, [n, H], dtype)];
  }, [gates, cPrev]);
  return halves(hc);
}

/**
 * Fused GRU step: gx = x W_ihᵀ + b_ih and gh = h W_hhᵀ + b_hh ([n, 3H], gates r, z, n)
 * and hPrev [n, H] → h' [n, H] with PyTorch's n = tanh(gx_n + r ⊙ gh_n).
 */
export function gruCellStep(gx: Tensor, gh: Tensor, hPrev: Tensor): Tensor {
  const n = gx.shape[0], H = gx.shape[1] / 3;
  const dtype = gx.dtype;
  const act = allocArray(dtype, n * 4 * H);
  const out = make(allocArray(dtype, n * H), [n, H], dtype);
  currentBackend().gruCell(gx._data, gh._data, hPrev._data, n, H, out._data, act);
  recordFused(out, "GruCellBackward", [gx, gh, hPrev], (g) => {
    const [xr, xz, xn] = gx.chunk(3, 1);
    const [hr, hz, hn] = gh.chunk(3, 1);
    const r = xr.add(hr).sigmoid(), z = xz.add(hz).sigmoid();
    const m = xn.add(r.mul(hn)).tanh();
    const dm = g.mul(z.neg().add(1)).mul(m.square().neg().add(1));
    const dz = g.mul(hPrev.sub(m)).mul(z).mul(z.neg().add(1));
    const dr = dm.mul(hn).mul(r).mul(r.neg().add(1));
    return [cat([dr, dz, dm], 1), cat([dr, dz, dm.mul(r)], 1), g.mul(z)];
  }, (g) => {
    const dGx = allocArray(dtype, n * 3 * H), dGh = allocArray(dtype, n * 3 * H), dh = allocArray(dtype, n * H);
    currentBackend().gruCellBackward(act, hPrev._data, g._data, n, H, dGx, dGh, dh);
    return [make(dGx, [n, 3 * H], dtype), make(dGh, [n, 3 * H], dtype), make(dh, [n, H], dtype)];
  }, [gx, gh, hPrev]);
  return out;
}

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

