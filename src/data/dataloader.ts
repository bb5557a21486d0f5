/**
 * DataLoader: batches a map-style dataset, optionally shuffled with a seeded
 * Generator, for sync (`for...of`) and async (`for await`) iteration. TensorDataset
 * (and Subsets of one) with the default collate take a fast path: one indexSelect per
 * tensor per batch instead of stacking per-item row tensors; any dataset with a
 * `getBatch(indices)` method (e.g. language-model windows) does the same.
 */
import { defaultGenerator, type Generator } from "../core/random.js";
import { Dataset, Subset, TensorDataset, permutation } from "./dataset.js";

/**
 * A dataset that can gather a whole batch at once; the DataLoader uses `getBatch`
 * instead of per-item get + collate when no collateFn is given.
 */
export interface BatchedDataset {
  /** The samples at `indices` as one batch. */
  getBatch(indices: Int32Array): unknown;
}
import { defaultCollate } from "./collate.js";

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order at every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Turns an array of samples into a batch (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
  /** Source of the shuffle order; each epoch draws a new permutation from it (default: the global generator). */
  generator?: Generator;
}

// setImmediate (Node) costs microseconds; setTimeout(0) is clamped to >= 1 ms per batch.
const yieldToEventLoop: () => Promise<void> =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? () => new Promise<void>((resolve) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(resolve))
    : () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Iterates over a dataset in batches.
 * @example for (const [x, y] of new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new my.Generator(0) })) {...}
 */
export class DataLoader<T = unknown, B = any> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** The function that turns samples into a batch (undefined: the default collate, or `getBatch`). */
  readonly collateFn: ((samples: T[]) => B) | undefined;
  readonly generator: Generator | undefined;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (!dataset || typeof dataset.len !== "function" || typeof dataset.get !== "function") {
      throw new TypeError("DataLoader: dataset must have len() and get(i)");
    }
    const bs = opts.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${bs}`);
    this.dataset = dataset;
    this.batchSize = bs;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.collateFn = opts.collateFn;
    this.generator = opts.generator;
  }

  /** Number of batches per epoch. */
  len(): number {
    const n = this.dataset.len();
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of a new epoch (draws from the generator when shuffling). */
  private epochOrder(): Int32Array {
    const n = this.dataset.len();
    if (this.shuffle) return permutation(n, this.generator ?? defaultGenerator);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  /** A function that makes one batch from sample indices. */
  private batcher(): (idx: Int32Array) => B {
    if (this.collateFn === undefined) {
      // Fast path: resolve Subset chains down to a TensorDataset and gather rows directly.
      let ds: Dataset<unknown> = this.dataset;
      const maps: number[][] = [];
      while (ds instanceof Subset) {
        maps.push(ds.indices);
        ds = ds.dataset;
      }
      if (ds instanceof TensorDataset || typeof (ds as Partial<BatchedDataset>).getBatch === "function") {
        const base = ds as unknown as BatchedDataset;
        return (idx) => {
          let cur = idx;
          for (const m of maps) {
            const next = new Int32Array(cur.length);
            for (let k = 0; k < cur.length; k++) next[k] = m[cur[k]];
            cur = next;
          }
          return base.getBatch(cur) as unknown as B;
        };
      }
    }
    const collate = this.collateFn ?? (defaultCollate as unknown as (s: T[]) => B);
    return (idx) => {
      const samples = new Array<T>(idx.length);
      for (let k = 0; k < idx.length; k++) samples[k] = this.dataset.get(idx[k]);
      return collate(samples);
    };
  }

  /** Iterates over one epoch's batches (reshuffled each epoch when `shuffle`). */
  *[Symbol.iterator](): Iterator<B> {
    const order = this.epochOrder();
    const make = this.batcher();
    const n = order.length, bs = this.batchSize;
    const end = this.dropLast ? n - (n % bs) : n;
    for (let s = 0; s < end; s += bs) yield make(order.subarray(s, Math.min(s + bs, end)));
  }

  /** Async iteration yields to the event loop between batches (so UIs and servers stay responsive). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const it = this[Symbol.iterator]();
    for (;;) {
      const r = it.next();
      if (r.done) return;
      yield r.value;
      await yieldToEventLoop();
    }
  }
}
