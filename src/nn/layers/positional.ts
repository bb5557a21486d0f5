/**
 * Positional encodings for Transformers (not in PyTorch core; the standard recipes):
 * the fixed sinusoidal table of "Attention is all you need" and a learned table of
 * position embeddings. Both add the encoding of positions 0..L-1 to x and apply dropout.
 */
import { Tensor, make } from "../../core/tensor.js";
import { allocArray } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { Module } from "../module.js";
import { Dropout } from "./dropout.js";
import { Embedding } from "./embedding.js";
import "../../ops/shape.js";
import "../../ops/elementwise.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

/** Options of the positional encodings. */
// Not in PyTorch itself; the sinusoidal one follows the PyTorch tutorial's (d_model, dropout, max_len).
const S = {
  Sinusoidal: argSpec("nn.SinusoidalPositionalEncoding", 1, ["dropout", "maxLen", "*", "batchFirst", "dtype"]),
  Learned: argSpec("nn.LearnedPositionalEncoding", 2, ["*", "dropout", "batchFirst", "dtype"]),
};
type SinOpts = PositionalEncodingOptions & { maxLen?: number; dtype?: "float32" | "float64" };
type LearnedOpts = PositionalEncodingOptions & { dtype?: "float32" | "float64" };

export interface PositionalEncodingOptions {
  /** Dropout applied after adding the encoding (default 0). */
  dropout?: number;
  /** x is [N, L, E] instead of [L, N, E] (default false). [L, E] is always accepted. */
  batchFirst?: boolean;
}

/** The table rows 0..L-1 shaped to broadcast against x ([L, 1, E], [1, L, E] or [L, E]). */
function rowsFor(table: Tensor, x: Tensor, batchFirst: boolean, op: string): Tensor {
  const [maxLen, d] = table.shape;
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== d) {
    throw new Error(`${op}: expected input [L, N, ${d}], [N, L, ${d}] (batchFirst) or [L, ${d}], got ${fmtShape(x.shape)}`);
  }
  const seqDim = x.ndim === 3 && batchFirst ? 1 : 0;
  const L = x.shape[seqDim];
  if (L > maxLen) throw new Error(`${op}: sequence length ${L} exceeds maxLen ${maxLen} (input ${fmtShape(x.shape)})`);
  const rows = L === maxLen ? table : table.narrow(0, 0, L);
  if (x.ndim === 2) return rows;
  return rows.unsqueeze(batchFirst ? 0 : 1);
}

/**
 * Adds PE[pos, 2i] = sin(pos / 10000^(2i/dModel)), PE[pos, 2i+1] = cos(pos / 10000^(2i/dModel))
 * (Vaswani et al. 2017) to x, then dropout. The table [maxLen, dModel] is the
 * non-persistent buffer `pe` (absent from the state dict, as in PyTorch's tutorial).
 * @example const pos = new nn.SinusoidalPositionalEncoding(128, {batchFirst: true}); const h = pos.forward(emb);
 */
export class SinusoidalPositionalEncoding extends Module {
  dropout: Dropout;
  declare pe: Tensor;
  readonly batchFirst: boolean;

  constructor(public readonly dModel: number, ...args: PyArgs<SinOpts, typeof S.Sinusoidal.names>) {
    super();
    const opts = S.Sinusoidal.parse<SinOpts>(args);
    const maxLen = opts.maxLen ?? 5000;
    if (!Number.isInteger(dModel) || dModel <= 0) throw new Error(`SinusoidalPositionalEncoding: dModel must be a positive integer, got ${dModel}`);
    if (!Number.isInteger(maxLen) || maxLen <= 0) throw new Error(`SinusoidalPositionalEncoding: maxLen must be a positive integer, got ${maxLen}`);
    this.dropout = new Dropout(opts.dropout ?? 0);
    this.batchFirst = opts.batchFirst ?? false;
    const dtype = opts.dtype ?? "float32";
    const d = allocArray(dtype, maxLen * dModel);
    for (let i = 0; i < dModel; i += 2) {
      // Computed in float64, rounded once on store.
      const freq = Math.exp(-(i / dModel) * Math.log(10000));
      for (let pos = 0; pos < maxLen; pos++) {
        d[pos * dModel + i] = Math.sin(pos * freq);
        if (i + 1 < dModel) d[pos * dModel + i + 1] = Math.cos(pos * freq);
      }
    }
    this.registerBuffer("pe", make(d, [maxLen, dModel], dtype), { persistent: false });
  }

  /** x [L, N, E] ([N, L, E] with batchFirst, or [L, E]) → x + PE[:L], then dropout. */
  override forward(x: Tensor): Tensor {
    return this.dropout.forward(x.add(rowsFor(this.pe, x, this.batchFirst, "SinusoidalPositionalEncoding")));
  }
}

/**
 * Adds a learned embedding of each position 0..L-1 to x, then dropout. The table is
 * an `nn.Embedding(maxLen, dModel)` in the field `embedding`, so its state-dict key is
 * `embedding.weight` [maxLen, dModel] (initialised N(0, 1) as Embedding's).
 * @example const pos = new nn.LearnedPositionalEncoding(64, 128, {batchFirst: true});
 */
export class LearnedPositionalEncoding extends Module {
  embedding: Embedding;
  dropout: Dropout;
  readonly batchFirst: boolean;

  constructor(public readonly maxLen: number, public readonly dModel: number, ...args: PyArgs<LearnedOpts, typeof S.Learned.names>) {
    super();
    const opts = S.Learned.parse<LearnedOpts>(args);
    this.embedding = new Embedding(maxLen, dModel, { dtype: opts.dtype });
    this.dropout = new Dropout(opts.dropout ?? 0);
    this.batchFirst = opts.batchFirst ?? false;
  }

  /** x [L, N, E] ([N, L, E] with batchFirst, or [L, E]) → x + W[:L], then dropout. */
  override forward(x: Tensor): Tensor {
    return this.dropout.forward(x.add(rowsFor(this.embedding.weight, x, this.batchFirst, "LearnedPositionalEncoding")));
  }
}
