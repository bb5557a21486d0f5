/**
 * `nn.MultiheadAttention` with PyTorch's parameters, masks and layouts. The input
 * projection of self-attention is one GEMM against the packed `in_proj_weight`; the
 * heads are cut out of the projection by one strided copy each (no separate permute
 * + split), then all batch×heads attend in one batched GEMM pair around a fused
 * masked softmax (see `F.scaledDotProductAttention`).
 */
import type { Tensor } from "../../core/tensor.js";
import { empty } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { isFloating } from "../../core/dtype.js";
import { zeros } from "../../ops/creation.js";
import { where } from "../../ops/elementwise.js";
import { cat, stridedView } from "../../ops/shape.js";
import { pad } from "../../ops/pad.js";
import { Module, Parameter } from "../module.js";
import { Linear } from "./linear.js";
import { linear } from "../../ops/nn/linear.js";
import { attentionCore } from "../../ops/nn/attention.js";
import { packedSelfAttention } from "../../ops/nn/packed-attention.js";
import * as init from "../init.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

/** Options of `nn.MultiheadAttention` (PyTorch's names, camelCased). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights during training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned key/value appended to the key and value sequences (default false). */
  addBiasKv?: boolean;
  /** Append an all-zero key/value position (default false). */
  addZeroAttn?: boolean;
  /** Key feature size (default embedDim); differing sizes use separate q/k/v weights. */
  kdim?: number;
  /** Value feature size (default embedDim). */
  vdim?: number;
  /** Inputs and outputs are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  dtype?: "float32" | "float64";
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): true = ignore that key; a float mask is added. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: true = not allowed to attend; a float mask is added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true) or return them per head. */
  averageAttnWeights?: boolean;
  /**
   * Hint that `attnMask` is the causal mask (then it is used as given). Without an
   * `attnMask` the causal mask is applied directly (PyTorch raises there instead).
   */
  isCausal?: boolean;
}

/** PyTorch's name for the output projection of MultiheadAttention: a plain Linear. */
export class NonDynamicallyQuantizableLinear extends Linear {}

const MHA = argSpec("nn.MultiheadAttention", 2,
  ["dropout", "bias", "addBiasKv", "addZeroAttn", "kdim", "vdim", "batchFirst", "device", "dtype"]);

/**
 * Multi-head attention (Vaswani et al.) with PyTorch's parameters: `in_proj_weight`
 * [3E, E] and `in_proj_bias` [3E] (or `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight` when kdim/vdim differ from embedDim), `out_proj.weight/bias`, and
 * `bias_k`/`bias_v` [1, 1, E] with addBiasKv.
 * @example const mha = new nn.MultiheadAttention(64, 4, {batchFirst: true});
 * const [y, w] = mha.forward(x, x, x); // x [N, L, 64] → y [N, L, 64], w [N, L, L]
 */
export class MultiheadAttention extends Module {
  inProjWeight: Tensor | null = null;
  qProjWeight: Tensor | null = null;
  kProjWeight: Tensor | null = null;
  vProjWeight: Tensor | null = null;
  inProjBias: Tensor | null = null;
  outProj: NonDynamicallyQuantizableLinear;
  biasK: Tensor | null = null;
  biasV: Tensor | null = null;
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly qkvSameEmbedDim: boolean;

  constructor(public readonly embedDim: number, public readonly numHeads: number, ...args: PyArgs<MultiheadAttentionOptions, typeof MHA.names>) {
    super();
    const opts = MHA.parse<MultiheadAttentionOptions>(args);
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw new Error(`MultiheadAttention: embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0) throw new Error(`MultiheadAttention: numHeads must be a positive integer, got ${numHeads}`);
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const dtype = opts.dtype ?? "float32";
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    this.batchFirst = opts.batchFirst ?? false;
    this.addZeroAttn = opts.addZeroAttn ?? false;
    if (this.qkvSameEmbedDim) {
      this.inProjWeight = Parameter(empty([3 * embedDim, embedDim], dtype));
    } else {
      this.qProjWeight = Parameter(empty([embedDim, embedDim], dtype));
      this.kProjWeight = Parameter(empty([embedDim, this.kdim], dtype));
      this.vProjWeight = Parameter(empty([embedDim, this.vdim], dtype));
    }
    const bias = opts.bias ?? true;
    if (bias) this.inProjBias = Parameter(empty([3 * embedDim], dtype));
    this.outProj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, dtype });
    if (opts.addBiasKv) {
      this.biasK = Parameter(empty([1, 1, embedDim], dtype));
      this.biasV = Parameter(empty([1, 1, embedDim], dtype));
    }
    this.resetParameters();
  }

  /** PyTorch's `_reset_parameters`: xavier-uniform projections, zero biases, xavier-normal bias_k/v. */
  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) init.xavierUniform_(w);
    if (this.inProjBias) {
      init.zeros_(this.inProjBias);
      if (this.outProj.bias) init.zeros_(this.outProj.bias);
    }
    if (this.biasK) init.xavierNormal_(this.biasK);
    if (this.biasV) init.xavierNormal_(this.biasV);
  }

  /**
   * query [L, N, E] (or [N, L, E] with batchFirst, or [L, E] unbatched), key [S, N, kdim],
   * value [S, N, vdim] → `[out [L, N, E], weights]` with weights [N, L, S] averaged over
   * heads, [N, numHeads, L, S] per head, or null when `needWeights` is false.
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = "MultiheadAttention.forward";
    const E = this.embedDim, H = this.numHeads, hd = this.headDim;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`${op}: expected query of 2 (unbatched [L, E]) or 3 dims, got ${fmtShape(query.shape)}`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new Error(`${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must all be ${batched ? "3-D (batched)" : "2-D (unbatched)"}`);
    }
    if (query.shape[query.ndim - 1] !== E) throw new Error(`${op}: expected query's last dim to be embedDim ${E}, got ${fmtShape(query.shape)}`);
    if (key.shape[key.ndim - 1] !== this.kdim) throw new Error(`${op}: expected key's last dim to be kdim ${this.kdim}, got ${fmtShape(key.shape)}`);
    if (value.shape[value.ndim - 1] !== this.vdim) throw new Error(`${op}: expected value's last dim to be vdim ${this.vdim}, got ${fmtShape(value.shape)}`);
    // Batch-first ("bf") layouts are [N, L, ·]; the unbatched input is one batch of it.
    const bf = this.batchFirst || !batched;
    const selfAttn = query === key && key === value;
    const kvSame = key === value;
    if (!batched) {
      query = query.unsqueeze(0);
      key = selfAttn ? query : key.unsqueeze(0);
      value = selfAttn ? query : kvSame ? key : value.unsqueeze(0);
    }
    const N = bf ? query.shape[0] : query.shape[1];
    const L = bf ? query.shape[1] : query.shape[0];
    const S0 = bf ? key.shape[1] : key.shape[0];
    const kN = bf ? key.shape[0] : key.shape[1];
    const vN = bf ? value.shape[0] : value.shape[1];
    const vS = bf ? value.shape[1] : value.shape[0];
    if (kN !== N || vN !== N) throw new Error(`${op}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same batch size`);
    if (vS !== S0) throw new Error(`${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same sequence length`);

    // ---- input projections, heads cut out as [N·H, len, hd]
    const heads = (y: Tensor, part: number, len: number): Tensor => {
      const P = y.shape[y.ndim - 1];
      const strides = bf ? [len * P, hd, P, 1] : [P, hd, N * P, 1];
      return stridedView(y, [N, H, len, hd], strides, part * E, "HeadSplitBackward").reshape([N * H, len, hd]);
    };
    const b = this.inProjBias;
    let q: Tensor, k: Tensor, v: Tensor;
    if (this.inProjWeight) {
      const w = this.inProjWeight;
      if (selfAttn) {
        const y = linear(query, w, b);
        if (!opts.attnMask && !opts.keyPaddingMask && !this.biasK && !this.addZeroAttn && !(opts.needWeights ?? true) && isFloating(y.dtype) && y.device === "cpu") {
          // The common encoder case on the CPU: one fused node from the packed projection to the merged heads
          // (a device runs the composed form below on its kernels).
          const merged = packedSelfAttention(y, { N, L, H, hd, batchFirst: bf, causal: !!opts.isCausal, dropoutP: this.dropout, training: this.training });
          const out = this.outProj.forward(merged);
          return [batched ? out : out.squeeze(0), null];
        }
        q = heads(y, 0, L); k = heads(y, 1, S0); v = heads(y, 2, S0);
      } else if (kvSame) {
        const yq = linear(query, w.narrow(0, 0, E), b ? b.narrow(0, 0, E) : null);
        const ykv = linear(key, w.narrow(0, E, 2 * E), b ? b.narrow(0, E, 2 * E) : null);
        q = heads(yq, 0, L); k = heads(ykv, 0, S0); v = heads(ykv, 1, S0);
      } else {
        q = heads(linear(query, w.narrow(0, 0, E), b ? b.narrow(0, 0, E) : null), 0, L);
        k = heads(linear(key, w.narrow(0, E, E), b ? b.narrow(0, E, E) : null), 0, S0);
        v = heads(linear(value, w.narrow(0, 2 * E, E), b ? b.narrow(0, 2 * E, E) : null), 0, S0);
      }
    } else {
      q = heads(linear(query, this.qProjWeight!, b ? b.narrow(0, 0, E) : null), 0, L);
      k = heads(linear(key, this.kProjWeight!, b ? b.narrow(0, E, E) : null), 0, S0);
      v = heads(linear(value, this.vProjWeight!, b ? b.narrow(0, 2 * E, E) : null), 0, S0);
    }

    // ---- masks as one float additive bias broadcastable to [N, H, L, S]
    const dt = q.dtype;
    let attnMask = opts.attnMask ?? null;
    let kpm = opts.keyPaddingMask ?? null;
    if (attnMask) {
      if (attnMask.dtype !== "bool" && !isFloating(attnMask.dtype)) throw new TypeError(`${op}: attnMask must be bool or floating point, got ${attnMask.dtype}`);
      const ok2 = attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S0;
      const ok3 = attnMask.ndim === 3 && attnMask.shape[0] === N * H && attnMask.shape[1] === L && attnMask.shape[2] === S0;
      if (!ok2 && !ok3) {
        throw new Error(`${op}: attnMask of shape ${fmtShape(attnMask.shape)} should be [${L}, ${S0}] (2-D) or [${N * H}, ${L}, ${S0}] (3-D: batch·numHeads, L, S)`);
      }
      attnMask = toFloatMask(attnMask, dt);
    }
    if (kpm) {
      if (kpm.dtype !== "bool" && !isFloating(kpm.dtype)) throw new TypeError(`${op}: keyPaddingMask must be bool or floating point, got ${kpm.dtype}`);
      if (!batched && kpm.ndim === 1) kpm = kpm.unsqueeze(0);
      if (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== S0) {
        throw new Error(`${op}: keyPaddingMask of shape ${fmtShape(kpm.shape)} should be [${N}, ${S0}] (batch, source length)${batched ? "" : " or [S] unbatched"}`);
      }
      kpm = toFloatMask(kpm, dt);
    }
    let S = S0;
    const extend = (kx: Tensor, vx: Tensor, kRow: Tensor, vRow: Tensor): void => {
      k = cat([kx, kRow], 1);
      v = cat([vx, vRow], 1);
      S += 1;
      if (attnMask) attnMask = pad(attnMask, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    };
    if (this.biasK && this.biasV) {
      const row = (p: Tensor): Tensor => p.reshape([1, H, 1, hd]).expand([N, H, 1, hd]).reshape([N * H, 1, hd]);
      extend(k, v, row(this.biasK), row(this.biasV));
    }
    if (this.addZeroAttn) {
      const z = zeros([N * H, 1, hd], { dtype: dt });
      extend(k, v, z, z);
    }
    let bias: Tensor | null = null;
    if (attnMask) bias = attnMask.ndim === 3 ? attnMask.reshape([N, H, L, S]) : attnMask;
    if (kpm) {
      const kb = kpm.reshape([N, 1, 1, S]);
      bias = bias ? bias.add(kb) : kb;
    }
    const causal = !!opts.isCausal && !attnMask;

    const { out, weights } = attentionCore(q, k, v, {
      bias, batch: [N, H], causal, scale: 1 / Math.sqrt(hd), dropoutP: this.dropout, training: this.training, op,
    });
    // [N·H, L, hd] → [N, L, E] or [L, N, E] in one strided copy, then the output projection.
    const merged = out.reshape([N, H, L, hd]).permute(bf ? [0, 2, 1, 3] : [2, 0, 1, 3]).reshape(bf ? [N, L, E] : [L, N, E]);
    let y = this.outProj.forward(merged);
    if (!batched) y = y.squeeze(0);
    if (!(opts.needWeights ?? true)) return [y, null];
    let w = weights.reshape([N, H, L, S]);
    if (opts.averageAttnWeights ?? true) w = w.mean(1);
    if (!batched) w = w.squeeze(0);
    return [y, w];
  }

}

/** A bool mask (true = masked) becomes 0 / -inf; a float mask is cast to `dtype`. */
function toFloatMask(m: Tensor, dtype: Tensor["dtype"]): Tensor {
  if (m.dtype === "bool") return where(m, -Infinity, 0).to(dtype);
  return m.dtype === dtype ? m : m.to(dtype);
}

