/**
 * `F.scaledDotProductAttention` and the attention core that `nn.MultiheadAttention`
 * shares with it. Heads and batch dims are folded into one batch of GEMMs (K is read
 * transposed by the kernel, never materialised), and scale + additive mask + causal
 * mask + softmax run as one fused, numerically stable kernel whose backward is a
 * fused loop too (or tensor ops when a graph of the backward is being built, so
 * double backward works).
 */
import { Tensor, allocUninitOn, make, needsGrad, record } from "../../core/tensor.js";
import { allocArray, isFloating, type TypedArray } from "../../core/dtype.js";
import { currentBackend } from "../../backends/backend.js";
import { broadcastShapes, fmtShape, numel, shapesEqual } from "../../core/shape.js";
import { softmaxBackward } from "../fused.js";
import type { Generator } from "../../core/random.js";
import { gemm } from "../linalg.js";
import { where } from "../elementwise.js";
import { assertTensor } from "../util.js";
import { dropout } from "./dropout.js";
import "../shape.js";
import "../reduce.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";

/** Options of `F.scaledDotProductAttention`. */
export interface SdpaOptions {
  /**
   * Boolean mask (true = take part in attention, PyTorch 2.x) or float mask added to
   * the scores; broadcastable to [..., L, S].
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; always applied when > 0). */
  dropoutP?: number;
  /** Mask out keys j > i (top-left aligned, as PyTorch); not combinable with attnMask. */
  isCausal?: boolean;
  /** Score scale; default 1/√E. */
  scale?: number | null;
  /** Random source for the dropout mask. */
  generator?: Generator;
}

/**
 * softmax(q kᵀ · scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev] →
 * [..., L, Ev]. Batch dims broadcast. A boolean `attnMask` keeps the positions where
 * it is true (PyTorch 2.x semantics); a float mask is added to the scores. Rows
 * whose keys are all masked give NaN, as PyTorch's reference formula.
 * @example const y = F.scaledDotProductAttention(q, k, v, {isCausal: true});
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, ...args: PyArgs<SdpaOptions, typeof FS.scaledDotProductAttention.names>): Tensor {
  const opts = FS.scaledDotProductAttention.parse<SdpaOptions>(args);
  const op = "scaledDotProductAttention";
  assertTensor(q, op, "query");
  assertTensor(k, op, "key");
  assertTensor(v, op, "value");
  for (const [n, t] of [["query", q], ["key", k], ["value", v]] as const) {
    if (t.ndim < 2) throw new Error(`${op}: expected ${n} with at least 2 dims [..., seq, features], got ${fmtShape(t.shape)}`);
    if (!isFloating(t.dtype)) throw new TypeError(`${op}: ${n} must be floating point, got ${t.dtype}`);
  }
  const E = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== E) {
    throw new Error(`${op}: query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)} must have the same last dim (embedding size)`);
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new Error(`${op}: key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same sequence length (dim -2)`);
  }
  const mask = opts.attnMask ?? null;
  if (opts.isCausal && mask) throw new Error(`${op}: isCausal cannot be combined with an explicit attnMask (pass one or the other)`);
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  const batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), op), v.shape.slice(0, -2), op);
  const B = numel(batch);
  const q3 = toBatch(q, batch, B);
  const k3 = toBatch(k, batch, B);
  const v3 = toBatch(v, batch, B);
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  let bias: Tensor | null = null;
  if (mask) {
    assertTensor(mask, op, "attnMask");
    bias = mask.dtype === "bool" ? where(mask, 0, -Infinity).to(q.dtype) : mask.to(q.dtype);
  }
  const p = opts.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropoutP must be in [0, 1], got ${p}`);
  const { out } = attentionCore(q3, k3, v3, { bias, batch, causal: !!opts.isCausal, scale, dropoutP: p, training: true, generator: opts.generator, op });
  return out.reshape([...batch, L, Ev]);
}

function toBatch(t: Tensor, batch: number[], B: number): Tensor {
  const tail = t.shape.slice(-2);
  let x = t;
  if (!shapesEqual(t.shape.slice(0, -2), batch)) x = x.expand([...batch, ...tail]);
  return x.reshape([B, ...tail]);
}

/** Settings of `attentionCore`. */
export interface CoreOptions {
  /** Float additive mask broadcastable to [...batch, L, S]. */
  bias: Tensor | null;
  /** The batch dims that were folded into B (for broadcasting `bias`). */
  batch: number[];
  causal: boolean;
  scale: number;
  dropoutP: number;
  training: boolean;
  generator?: Generator;
  op: string;
}

/**
 * The shared attention computation on folded batches: q [B, L, E], k [B, S, E],
 * v [B, S, Ev] → out [B, L, Ev] and the (post-dropout) weights [B, L, S].
 */
export function attentionCore(q: Tensor, k: Tensor, v: Tensor, o: CoreOptions): { out: Tensor; weights: Tensor } {
  const [B, L] = q.shape;
  const S = k.shape[1];
  const scores = gemm(q, k, false, true);
  let w = fusedSoftmax(scores, o.bias ? biasView(o.bias, o.batch, B, L, S, o.op) : null, o.scale, o.causal);
  if (o.dropoutP > 0 && o.training) w = dropout(w, o.dropoutP, true, { generator: o.generator });
  return { out: gemm(w, v, false, false), weights: w };
}

/**
 * The additive mask as [bB, bL, S] with bL ∈ {1, L} and bB dividing B such that
 * batch b reads bias batch ⌊b / (B / bB)⌋ (a mask over leading batch dims, e.g. one
 * per sample shared by its heads); anything else is expanded to the full batch.
 */
interface BiasView { t: Tensor; bB: number; bL: number }

function biasView(bias: Tensor, batch: number[], B: number, L: number, S: number, op: string): BiasView {
  const full = [...batch, L, S];
  let shape: number[];
  try {
    shape = broadcastShapes(bias.shape, full, op);
  } catch {
    throw new Error(`${op}: attention mask of shape ${fmtShape(bias.shape)} does not broadcast to the scores' shape ${fmtShape(full)}`);
  }
  if (!shapesEqual(shape, full)) {
    throw new Error(`${op}: attention mask of shape ${fmtShape(bias.shape)} does not broadcast to the scores' shape ${fmtShape(full)}`);
  }
  let t = bias;
  const pad = full.length - t.ndim;
  const bs = [...new Array<number>(pad).fill(1), ...t.shape];
  if (bs[bs.length - 1] !== S) {
    t = t.expand([...t.shape.slice(0, -1), S]);
    bs[bs.length - 1] = S;
  }
  const bL = bs[bs.length - 2];
  const bBatch = bs.slice(0, -2);
  // Leading dims equal to the batch's, then only ones: a grouped (prefix) mask.
  let j = 0;
  while (j < bBatch.length && bBatch[j] === batch[j]) j++;
  let ok = true;
  for (let i = j; i < bBatch.length; i++) if (bBatch[i] !== 1) ok = false;
  if (ok) {
    const bB = numel(bBatch.slice(0, j));
    return { t: t.reshape([bB, bL, S]), bB, bL };
  }
  t = t.expand([...batch, bL, S]);
  return { t: t.reshape([B, bL, S]), bB: B, bL };
}

/**
 * y = softmax(scale · x + bias (+ causal -inf), dim -1) for x [B, L, S], computed in
 * one pass per row with max subtraction. Fully masked rows give NaN (0/0), as the
 * unfused formula.
 */
export function fusedSoftmax(x: Tensor, bias: BiasView | null, scale: number, causal: boolean): Tensor {
  const [B, L, S] = x.shape;
  if (!bias) return softmaxRows(x, B * L, S, scale, causal ? L : 0);
  if (x.device !== "cpu") {
    // On a device: the additive mask in tensor ops (broadcast over the batch groups), then the rows kernel.
    const z = x.mul(scale).reshape([bias.bB, B / bias.bB, L, S]).add(bias.t.reshape([bias.bB, 1, bias.bL, S]));
    return softmaxRows(z.reshape([B, L, S]), B * L, S, 1, causal ? L : 0);
  }
  const src = x._data;
  const dst = allocArray(x.dtype, src.length);
  const bd = bias ? bias.t._data : null;
  const group = bias ? B / bias.bB : 1;
  const bRow = bias && bias.bL !== 1 ? S : 0;
  for (let b = 0; b < B; b++) {
    const bBase = bias ? Math.floor(b / group) * bias.bL * S : 0;
    for (let i = 0; i < L; i++) {
      const row = (b * L + i) * S;
      const bo = bBase + i * bRow;
      const n = causal ? Math.min(i + 1, S) : S;
      let m = -Infinity;
      if (bd) {
        for (let j = 0; j < n; j++) { const z = src[row + j] * scale + bd[bo + j]; dst[row + j] = z; if (z > m) m = z; }
      } else {
        for (let j = 0; j < n; j++) { const z = src[row + j] * scale; dst[row + j] = z; if (z > m) m = z; }
      }
      if (m === -Infinity) m = 0;
      let s = 0;
      for (let j = 0; j < n; j++) { const e = Math.exp(dst[row + j] - m); dst[row + j] = e; s += e; }
      const inv = 1 / s;
      for (let j = 0; j < n; j++) dst[row + j] *= inv;
      for (let j = n; j < S; j++) dst[row + j] = s === 0 ? NaN : 0;
    }
  }
  const y = make(dst, [B, L, S], x.dtype);
  const bt = bias?.t ?? null;
  const needBias = !!bt && needsGrad(bt);
  if (needsGrad(x) || needBias) {
    const inputs = bt ? [x, bt] : [x];
    record(y, "AttnSoftmaxBackward", inputs, (g) => {
      // t = y ⊙ (g - Σ g⊙y): the softmax backward w.r.t. the masked, scaled logits.
      const t = softmaxBackward(y, g, 2, false);
      const gx = x.requiresGrad ? t.mul(scale) : null;
      let gb: Tensor | null = null;
      if (bt && bt.requiresGrad) {
        gb = t.reshape([bias!.bB, group, L, S]).sum(1);
        if (bias!.bL === 1) gb = gb.sum(1, true);
      }
      return bt ? [gx, gb] : [gx];
    }, [y]);
  }
  return y;
}

/** Attention weights without an additive mask: one backend kernel each way (scale folded into the backward). */
function softmaxRows(x: Tensor, rows: number, S: number, scale: number, causalL: number): Tensor {
  const y = make(allocUninitOn(x.device, x.dtype, x.numel()), x.shape.slice(), x.dtype);
  currentBackend().softmax(x._buf, rows, S, scale, causalL, false, y._buf);
  if (needsGrad(x)) {
    record(y, "AttnSoftmaxBackward", [x], (g) => {
      return [softmaxBackward(y, g, y.ndim - 1, false, scale)];
    }, [y]);
  }
  return y;
}

