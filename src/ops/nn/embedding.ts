/**
 * `F.embedding`: row lookup in a weight matrix by int32 indices of any shape. The
 * gradient scatters rows back with indexAdd (a tensor op, so it is differentiable);
 * the padding row gets no gradient, as PyTorch.
 */
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { allocArray } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { assertTensor } from "../util.js";
import { indexAdd } from "../indexing.js";
import { where } from "../elementwise.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** This row's gradient is always zero (negative counts from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose `normType`-norm exceeds this are renormalised in place. */
  maxNorm?: number | null;
  /** The p of the maxNorm norm (default 2). */
  normType?: number;
}

/**
 * Looks up rows of `weight` [num, dim] for int32 `idx` of any shape → [...idx.shape, dim].
 * @example F.embedding(my.tensor([[0, 2]], {dtype: "int32"}), w) // [1, 2, dim]
 */
export function embedding(idx: Tensor, weight: Tensor, ...args: PyArgs<EmbeddingOptions, typeof FS.embedding.names>): Tensor {
  const opts = FS.embedding.parse<EmbeddingOptions>(args);
  assertTensor(idx, "embedding", "indices");
  assertTensor(weight, "embedding", "weight");
  if (idx.dtype !== "int32") {
    throw new TypeError(`embedding: indices must be an int32 tensor, got ${idx.dtype} (convert with .int())`);
  }
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  if (weight.device !== "cpu" || idx.device !== "cpu") return embeddingOnDevice(idx, weight, opts, num, dim);
  const ids = idx._data as Int32Array;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (v < 0 || v >= num) {
      throw new RangeError(`embedding: index ${v} (at flat position ${i} of indices ${fmtShape(idx.shape)}) is out of range for a weight with ${num} rows [0, ${num})`);
    }
  }
  let pad: number | null = null;
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    pad = opts.paddingIdx < 0 ? opts.paddingIdx + num : opts.paddingIdx;
    if (!Number.isInteger(pad) || pad < 0 || pad >= num) {
      throw new RangeError(`embedding: paddingIdx ${opts.paddingIdx} must be within [-${num}, ${num}) for a weight with ${num} rows`);
    }
  }
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) renorm(weight, ids, opts.maxNorm, opts.normType ?? 2);

  const n = ids.length;
  const src = weight._data;
  const out = make(allocArray(weight.dtype, n * dim), [...idx.shape, dim], weight.dtype);
  const dst = out._data;
  for (let i = 0; i < n; i++) dst.set(src.subarray(ids[i] * dim, ids[i] * dim + dim), i * dim);
  if (needsGrad(weight)) {
    const flatIdx = idx.reshape([n]);
    // Rows looking up the padding index contribute nothing.
    let keep: Tensor | null = null;
    if (pad !== null) {
      const k = allocArray(weight.dtype, n);
      for (let i = 0; i < n; i++) k[i] = ids[i] === pad ? 0 : 1;
      keep = make(k, [n, 1], weight.dtype);
    }
    record(out, "EmbeddingBackward", [weight], (g) => {
      let rows = g.reshape([n, dim]);
      if (keep) rows = rows.mul(keep);
      return [indexAdd(make(allocArray(g.dtype, num * dim), [num, dim], g.dtype), 0, flatIdx, rows)];
    });
  }
  return out;
}

/**
 * embedding for tensors on a device: a gather of whole rows (its backward is the
 * scatter-add PyTorch's embedding backward is), the index range checked on the device.
 */
function embeddingOnDevice(idx: Tensor, weight: Tensor, opts: EmbeddingOptions, num: number, dim: number): Tensor {
  if (idx.device !== weight.device) throw new Error(`embedding: expected indices and weight on one device, got "${idx.device}" and "${weight.device}"`);
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) {
    throw new Error(`embedding: maxNorm renormalises the weight in place from a CPU loop and has no WGSL kernel; run it on the CPU`);
  }
  const n = idx.numel();
  const flat = idx.reshape([n]);
  const rows = flat.unsqueeze(1).expand(n, dim).contiguous();
  let out = weight.gather(0, rows);
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    const pad = opts.paddingIdx < 0 ? opts.paddingIdx + num : opts.paddingIdx;
    if (!Number.isInteger(pad) || pad < 0 || pad >= num) {
      throw new RangeError(`embedding: paddingIdx ${opts.paddingIdx} must be within [-${num}, ${num}) for a weight with ${num} rows`);
    }
    // Same values; rows looking up the padding index pass no gradient.
    out = where(flat.eq(pad).unsqueeze(1), out.detach(), out);
  }
  return out.reshape([...idx.shape, dim]);
}

/** PyTorch's embedding_renorm_: scales referenced rows to norm maxNorm, in place. */
function renorm(weight: Tensor, ids: Int32Array, maxNorm: number, p: number): void {
  noGrad(() => {
    const dim = weight.shape[1];
    const w = weight._data;
    const seen = new Set<number>();
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (seen.has(r)) continue;
      seen.add(r);
      let norm = 0;
      for (let j = 0; j < dim; j++) {
        const a = Math.abs(w[r * dim + j]);
        norm += p === Infinity ? 0 : Math.pow(a, p);
        if (p === Infinity && a > norm) norm = a;
      }
      if (p !== Infinity) norm = Math.pow(norm, 1 / p);
      if (norm > maxNorm) {
        const scale = maxNorm / (norm + 1e-7);
        for (let j = 0; j < dim; j++) w[r * dim + j] *= scale;
      }
    }
    weight._bump();
  });
}
