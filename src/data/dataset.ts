/**
 * Map-style datasets (PyTorch's torch.utils.data): the abstract Dataset, a dataset
 * over the rows of tensors, subsets, concatenation and random splits.
 */
import { Tensor } from "../core/tensor.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { fmtShape } from "../core/shape.js";
import { indexSelect } from "../ops/indexing.js";
import { select } from "../ops/shape.js";
import { make } from "../core/tensor.js";

/** A map-style dataset: `len()` items addressed by `get(i)` for 0 <= i < len(). */
export abstract class Dataset<T = unknown> {
  /** Number of items. */
  abstract len(): number;
  /** The item at index i (0 <= i < len()). */
  abstract get(i: number): T;

  /** Iterates over the items in index order. */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.len();
    for (let i = 0; i < n; i++) yield this.get(i);
  }
}

function checkItemIndex(i: number, n: number, who: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${who}.get: index must be an integer, got ${i}`);
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new RangeError(`${who}.get: index ${i} is out of range for a dataset of length ${n}`);
  return j;
}

/**
 * A dataset whose i-th item is `[t0[i], t1[i], ...]`, the i-th rows of tensors that
 * share their first dim. The DataLoader batches it with one `indexSelect` per tensor.
 * @example const ds = new TensorDataset(images, labels); const [x, y] = ds.get(0);
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error("TensorDataset: expected at least one tensor");
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${k} is 0-dim; every tensor needs a first (sample) dim`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) {
        throw new Error(`TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0].shape)} but tensor ${k} has ${fmtShape(t.shape)} (first dims must match)`);
      }
    });
    this.tensors = tensors;
  }

  len(): number {
    return this.tensors[0].shape[0];
  }

  get(i: number): Tensor[] {
    const j = checkItemIndex(i, this.len(), "TensorDataset");
    return this.tensors.map((t) => select(t, 0, j));
  }

  /** The rows at `indices` of every tensor, gathered with one indexSelect each. */
  getBatch(indices: Int32Array): Tensor[] {
    const idx = make(indices, [indices.length], "int32");
    return this.tensors.map((t) => indexSelect(t, 0, idx));
  }
}

/** The items of `dataset` at the given indices, in that order. */
export class Subset<T> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: number[];

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    super();
    const n = dataset.len();
    this.indices = Array.from(indices, (v, k) => {
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`Subset: indices[${k}] = ${v} is out of range for a dataset of length ${n}`);
      return v;
    });
    this.dataset = dataset;
  }

  len(): number {
    return this.indices.length;
  }

  get(i: number): T {
    return this.dataset.get(this.indices[checkItemIndex(i, this.indices.length, "Subset")]);
  }
}

/** Several datasets one after the other. */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: Dataset<T>[];
  /** cumulativeSizes[k] = total length of datasets 0..k. */
  readonly cumulativeSizes: number[];

  constructor(datasets: Dataset<T>[]) {
    super();
    if (datasets.length === 0) throw new Error("ConcatDataset: expected at least one dataset");
    this.datasets = datasets.slice();
    let s = 0;
    this.cumulativeSizes = datasets.map((d) => (s += d.len()));
  }

  len(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  get(i: number): T {
    const j = checkItemIndex(i, this.len(), "ConcatDataset");
    // Binary search for the first dataset whose cumulative size exceeds j.
    let lo = 0, hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > j) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].get(j - start);
  }
}

/** A random permutation of 0..n-1 drawn from `g` (Fisher-Yates). */
export function permutation(n: number, g: Generator): Int32Array {
  const d = new Int32Array(n);
  for (let i = 0; i < n; i++) d[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.random() * (i + 1));
    const t = d[i]; d[i] = d[j]; d[j] = t;
  }
  return d;
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths, or of
 * the given fractions (summing to 1; remainders go round-robin to the first splits,
 * as PyTorch does).
 * @example const [train, val] = randomSplit(ds, [0.8, 0.2], { generator: new Generator(0) });
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { generator?: Generator } = {}): Subset<T>[] {
  const n = dataset.len();
  let sizes = lengths.slice();
  const isFractions = sizes.length > 0 && sizes.every((v) => v >= 0 && v <= 1) && Math.abs(sizes.reduce((a, b) => a + b, 0) - 1) < 1e-9 && sizes.reduce((a, b) => a + b, 0) !== n;
  if (isFractions) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const rem = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; k < rem; k++) sizes[k % sizes.length] += 1;
  }
  sizes.forEach((v, k) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`randomSplit: lengths[${k}] = ${lengths[k]} is not a non-negative integer (or fractions summing to 1)`);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== n) throw new Error(`randomSplit: sum of input lengths (${total}) does not equal the length of the input dataset (${n})`);
  const perm = permutation(n, opts.generator ?? defaultGenerator);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.subarray(off, off + s)));
    off += s;
  }
  return out;
}
