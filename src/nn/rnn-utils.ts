/**
 * `nn.utils.rnn`: variable-length batches for the recurrent layers, as PyTorch's
 * torch.nn.utils.rnn — PackedSequence, packPaddedSequence, padPackedSequence,
 * padSequence, packSequence. A PackedSequence stores the valid steps only, time-major:
 * step t holds the first batchSizes[t] sequences in decreasing-length order, so an RNN
 * can run step t on a prefix of the batch. All conversions are differentiable
 * (index gathers), so gradients reach the padded input.
 */
import { Tensor, make } from "../core/tensor.js";
import { fmtShape } from "../core/shape.js";
import { full } from "../ops/creation.js";
import { cat, stack } from "../ops/shape.js";
import { indexSelect } from "../ops/indexing.js";
import "../ops/shape.js";
import { readData } from "../ops/data.js";

/**
 * A batch of variable-length sequences without padding. `data` [sum(lengths), *];
 * `batchSizes` (int32 [T]) how many sequences are active at each step;
 * `sortedIndices` maps sorted position → original batch index (null when the batch
 * was given sorted) and `unsortedIndices` is its inverse.
 */
export class PackedSequence {
  constructor(
    readonly data: Tensor,
    readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null,
    readonly unsortedIndices: Tensor | null = null,
  ) {}

  /** The same sequences with `data` replaced (e.g. an RNN's output for them). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }

  /** Number of sequences. */
  get batchSize(): number {
    return this.batchSizes.shape[0] ? readData(this.batchSizes)[0] : 0;
  }
}

function int32(values: ArrayLike<number>): Tensor {
  return make(Int32Array.from(values), [values.length], "int32");
}

function lengthsOf(lengths: Tensor | readonly number[], op: string): number[] {
  const arr = lengths instanceof Tensor ? Array.from(readData(lengths) as ArrayLike<number>) : Array.from(lengths);
  if (lengths instanceof Tensor && lengths.ndim !== 1) throw new Error(`${op}: lengths must be 1-D, got shape ${fmtShape(lengths.shape)}`);
  for (const l of arr) if (!Number.isInteger(l)) throw new Error(`${op}: lengths must be integers, got ${l}`);
  return arr;
}

/** batchSizes[t] = number of (sorted) lengths > t. */
function batchSizesOf(sorted: number[]): Int32Array {
  const T = sorted.length ? sorted[0] : 0;
  const bs = new Int32Array(T);
  for (const l of sorted) for (let t = 0; t < l; t++) bs[t]++;
  return bs;
}

/**
 * Packs a padded batch [T, B, *] (or [B, T, *] with batchFirst) holding sequences of
 * the given lengths. With `enforceSorted` (default true) lengths must be
 * non-increasing; otherwise the batch is sorted and the permutation remembered.
 * @example const packed = nn.utils.rnn.packPaddedSequence(x, [5, 3, 2]);
 */
export function packPaddedSequence(input: Tensor, lengths: Tensor | readonly number[],
  opts: { batchFirst?: boolean; enforceSorted?: boolean } = {}): PackedSequence {
  const op = "packPaddedSequence";
  const batchFirst = opts.batchFirst ?? false, enforceSorted = opts.enforceSorted ?? true;
  if (input.ndim < 2) throw new Error(`${op}: expected input of at least 2 dims [T, B, *], got ${fmtShape(input.shape)}`);
  const lens = lengthsOf(lengths, op);
  const x = batchFirst ? input.transpose(0, 1) : input;
  const T = x.shape[0], Bn = x.shape[1];
  if (lens.length !== Bn) throw new Error(`${op}: got ${lens.length} lengths for a batch of ${Bn} (input ${fmtShape(input.shape)}, batchFirst=${batchFirst})`);
  for (const l of lens) {
    if (l <= 0) throw new Error(`${op}: length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0`);
    if (l > T) throw new Error(`${op}: a length of ${l} exceeds the ${T} time steps of the input ${fmtShape(input.shape)}`);
  }
  let order: number[] | null = null;
  if (enforceSorted) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i] > lens[i - 1]) {
        throw new Error(`${op}: 'lengths' must be sorted in decreasing order when enforceSorted is true (got [${lens.join(", ")}]); ` +
          "pass {enforceSorted: false} to sort the batch internally");
      }
    }
  } else {
    // A stable sort, so equal lengths keep their batch order.
    order = lens.map((_, i) => i).sort((a, b) => lens[b] - lens[a] || a - b);
  }
  const sorted = order ? order.map((i) => lens[i]) : lens;
  const bs = batchSizesOf(sorted);
  const rows: number[] = [];
  for (let t = 0; t < bs.length; t++) for (let j = 0; j < bs[t]; j++) rows.push(t * Bn + (order ? order[j] : j));
  const flat = x.reshape([T * Bn, ...x.shape.slice(2)]);
  const data = indexSelect(flat, 0, int32(rows));
  if (!order) return new PackedSequence(data, make(bs, [bs.length], "int32"));
  const inv = new Array<number>(order.length);
  order.forEach((o, i) => { inv[o] = i; });
  return new PackedSequence(data, make(bs, [bs.length], "int32"), int32(order), int32(inv));
}

/**
 * Inverse of packPaddedSequence: returns `[padded, lengths]` with padded [T, B, *]
 * ([B, T, *] with batchFirst), positions past each length filled with paddingValue,
 * the batch in its original order, and T = totalLength if given (≥ the longest).
 * @example const [out, lens] = nn.utils.rnn.padPackedSequence(packedOut, {batchFirst: true});
 */
export function padPackedSequence(sequence: PackedSequence,
  opts: { batchFirst?: boolean; paddingValue?: number; totalLength?: number } = {}): [Tensor, Tensor] {
  const op = "padPackedSequence";
  if (!(sequence instanceof PackedSequence)) throw new TypeError(`${op}: expected a PackedSequence`);
  const bs = readData(sequence.batchSizes);
  const maxT = bs.length, Bn = maxT ? bs[0] : 0;
  const T = opts.totalLength ?? maxT;
  if (T < maxT) {
    throw new Error(`${op}: expected totalLength to be at least the length of the longest sequence (${maxT}), got ${T}`);
  }
  const data = sequence.data;
  const N = data.shape[0];
  const rest = data.shape.slice(1);
  // Row N of the source is the padding row.
  const src = cat([data, full([1, ...rest], opts.paddingValue ?? 0, { dtype: data.dtype })], 0);
  const sortedLens = new Array<number>(Bn).fill(0);
  const idx = new Int32Array(T * Bn).fill(N);
  let k = 0;
  for (let t = 0; t < maxT; t++) {
    for (let j = 0; j < bs[t]; j++) {
      idx[t * Bn + j] = k++;
      sortedLens[j]++;
    }
  }
  let padded = indexSelect(src, 0, make(idx, [T * Bn], "int32")).reshape([T, Bn, ...rest]);
  let lens = sortedLens;
  if (sequence.unsortedIndices) {
    padded = indexSelect(padded, 1, sequence.unsortedIndices);
    const un = readData(sequence.unsortedIndices);
    lens = Array.from(un as ArrayLike<number>, (i) => sortedLens[i]);
  }
  if (opts.batchFirst) padded = padded.transpose(0, 1);
  return [padded, int32(lens)];
}

/**
 * Stacks tensors [L_i, *] into [maxL, B, *] ([B, maxL, *] with batchFirst), padding
 * the shorter ones with paddingValue (default 0).
 * @example nn.utils.rnn.padSequence([a, b, c], {batchFirst: true})
 */
export function padSequence(sequences: readonly Tensor[], opts: { batchFirst?: boolean; paddingValue?: number } = {}): Tensor {
  const op = "padSequence";
  if (!sequences.length) throw new Error(`${op}: received an empty list of sequences`);
  const rest = sequences[0].shape.slice(1);
  let T = 0;
  for (const s of sequences) {
    if (s.ndim < 1 || s.shape.slice(1).join() !== rest.join()) {
      throw new Error(`${op}: all sequences must share their trailing dims; got ${fmtShape(sequences[0].shape)} and ${fmtShape(s.shape)}`);
    }
    T = Math.max(T, s.shape[0]);
  }
  const padded = sequences.map((s) => {
    const L = s.shape[0];
    return L === T ? s : cat([s, full([T - L, ...rest], opts.paddingValue ?? 0, { dtype: s.dtype })], 0);
  });
  return stack(padded, opts.batchFirst ? 0 : 1);
}

/**
 * Packs a list of tensors [L_i, *] (padSequence then packPaddedSequence).
 * @example nn.utils.rnn.packSequence([a, b], {enforceSorted: false})
 */
export function packSequence(sequences: readonly Tensor[], opts: { enforceSorted?: boolean } = {}): PackedSequence {
  return packPaddedSequence(padSequence(sequences), sequences.map((s) => s.shape[0]), { enforceSorted: opts.enforceSorted ?? true });
}

/** Inverse of packSequence: the list of unpadded tensors in the original order. */
export function unpackSequence(packed: PackedSequence): Tensor[] {
  const [padded, lens] = padPackedSequence(packed, { batchFirst: true });
  return Array.from(readData(lens) as ArrayLike<number>, (l, i) => padded.select(0, i).narrow(0, 0, l));
}

