/**
 * Datasets and DataLoader: batching, dropLast, len(), seeded shuffling, the
 * TensorDataset fast path, default collation, splits and concatenation. Expected
 * values are worked out by hand from arange-valued data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";

const { DataLoader, TensorDataset, Subset, ConcatDataset, randomSplit, defaultCollate, Dataset } = my.data;

/** A dataset of (row tensor of [i, 10 i], number label i % 3) pairs, via get() only. */
class Pairs extends Dataset<[my.Tensor, number]> {
  constructor(private n: number) { super(); }
  len() { return this.n; }
  get(i: number): [my.Tensor, number] { return [my.tensor([i, 10 * i]), i % 3]; }
}

function firstCol(x: my.Tensor): number[] {
  return Array.from(x.select(1, 0)._data);
}

test("sequential batches, last batch partial, len() counts batches", () => {
  const x = my.arange(0, 20).reshape(10, 2);
  const y = my.arange(0, 10).int();
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4 });
  assert.equal(loader.len(), 3);
  const batches = [...loader];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches.map((b) => b[0].shape), [[4, 2], [4, 2], [2, 2]]);
  assert.deepEqual(batches[2][0].toArray(), [[16, 17], [18, 19]]);
  assert.deepEqual(batches[1][1].toArray(), [4, 5, 6, 7]);
  assert.equal(batches[1][1].dtype, "int32");
  const dropped = new DataLoader(new TensorDataset(x, y), { batchSize: 4, dropLast: true });
  assert.equal(dropped.len(), 2);
  assert.deepEqual([...dropped].map((b) => b[1].toArray()), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(new DataLoader(new TensorDataset(x), { batchSize: 5, dropLast: true }).len(), 2);
  assert.equal(new DataLoader(new TensorDataset(x)).len(), 10);
});

test("shuffle: a permutation per epoch, different across epochs, reproducible from the seed", () => {
  const x = my.arange(0, 100).reshape(50, 2);
  const ds = new TensorDataset(x);
  const epochs = (seed: number) => {
    const loader = new DataLoader(ds, { batchSize: 7, shuffle: true, generator: new my.Generator(seed) });
    return [0, 1, 2].map(() => [...loader].flatMap((b) => firstCol(b[0]).map((v) => v / 2)));
  };
  const a = epochs(3), b = epochs(3), c = epochs(4);
  for (const e of a) assert.deepEqual([...e].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
  assert.notDeepEqual(a[0], c[0]);
});

test("fast path (TensorDataset) and per-item path (get + collate) give the same batches", () => {
  const n = 23;
  const x = my.arange(0, 2 * n).reshape(n, 2);
  const fast = new DataLoader(new TensorDataset(x, my.arange(0, n).int()), { batchSize: 5, shuffle: true, generator: new my.Generator(9) });
  const slow = new DataLoader(new Pairs(n), { batchSize: 5, shuffle: true, generator: new my.Generator(9) });
  const fb = [...fast], sb = [...slow];
  assert.equal(fb.length, 5);
  for (let k = 0; k < fb.length; k++) {
    const rows = firstCol(fb[k][0]).map((v) => v / 2);
    assert.deepEqual(firstCol(sb[k][0]), rows);
    assert.deepEqual(sb[k][0].select(1, 1).toArray(), rows.map((i) => 10 * i));
    assert.deepEqual(sb[k][1].toArray(), rows.map((i) => i % 3));
    assert.equal(sb[k][1].dtype, "int32");
  }
});

test("async iteration yields the same batches as sync iteration", async () => {
  const ds = new Pairs(9);
  const loader = new DataLoader(ds, { batchSize: 4 });
  const got: number[][] = [];
  for await (const [x] of loader) got.push(firstCol(x));
  assert.deepEqual(got, [[0, 1, 2, 3], [4, 5, 6, 7], [8]]);
});

test("collateFn replaces the default collation", () => {
  const loader = new DataLoader(new Pairs(5), { batchSize: 2, collateFn: (s) => s.map(([, y]) => y) });
  assert.deepEqual([...loader], [[0, 1], [2, 0], [1]]);
});

test("defaultCollate: numbers, floats, booleans, strings, nested arrays and objects", () => {
  const b = defaultCollate([
    { img: my.ones([2]), label: 1, w: 0.5, ok: true, name: "a", pair: [my.zeros([1]), 2] },
    { img: my.zeros([2]), label: 4, w: 1, ok: false, name: "b", pair: [my.ones([1]), 3] },
  ]) as any;
  assert.deepEqual(b.img.toArray(), [[1, 1], [0, 0]]);
  assert.equal(b.label.dtype, "int32");
  assert.deepEqual(b.label.toArray(), [1, 4]);
  assert.equal(b.w.dtype, "float64");
  assert.deepEqual(b.w.toArray(), [0.5, 1]);
  assert.equal(b.ok.dtype, "bool");
  assert.deepEqual(b.ok.toArray(), [true, false]);
  assert.deepEqual(b.name, ["a", "b"]);
  assert.deepEqual(b.pair[0].toArray(), [[0], [1]]);
  assert.deepEqual(b.pair[1].toArray(), [2, 3]);
  assert.throws(() => defaultCollate([my.zeros([2]), my.zeros([3])]), /same shape, but sample 0 has \[2\] and sample 1 has \[3\]/);
  assert.throws(() => defaultCollate([[1, 2], [1]]), /array of equal size/);
  assert.throws(() => defaultCollate([null]), /cannot collate samples of type null/);
});

test("Subset, ConcatDataset and the fast path through Subsets", () => {
  const x = my.arange(0, 10).reshape(10, 1);
  const ds = new TensorDataset(x);
  const sub = new Subset(ds, [9, 3, 5]);
  assert.equal(sub.len(), 3);
  assert.deepEqual(sub.get(1)[0].toArray(), [3]);
  assert.deepEqual(sub.get(-1)[0].toArray(), [5]);
  assert.deepEqual([...new DataLoader(new Subset(sub, [2, 0]), { batchSize: 2 })][0][0].toArray(), [[5], [9]]);
  const cat = new ConcatDataset([sub, new Subset(ds, [0]), ds]);
  assert.equal(cat.len(), 14);
  assert.deepEqual([0, 2, 3, 4, 13].map((i) => cat.get(i)[0].item()), [9, 5, 0, 0, 9]);
  assert.throws(() => cat.get(14), /index 14 is out of range for a dataset of length 14/);
  assert.throws(() => new Subset(ds, [10]), /indices\[0\] = 10 is out of range/);
  assert.throws(() => new TensorDataset(x, my.zeros([9])), /size mismatch .* \[10, 1\] but tensor 1 has \[9\]/);
});

test("randomSplit: lengths or fractions, disjoint, covering, seeded", () => {
  const ds = new TensorDataset(my.arange(0, 10));
  const [a, b] = randomSplit(ds, [7, 3], { generator: new my.Generator(1) });
  assert.equal(a.len(), 7);
  assert.equal(b.len(), 3);
  assert.deepEqual([...a.indices, ...b.indices].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const [a2] = randomSplit(ds, [7, 3], { generator: new my.Generator(1) });
  assert.deepEqual(a2.indices, a.indices);
  // PyTorch: floor(10 * f) each, remainder 10 - 9 = 1 goes to the first split.
  assert.deepEqual(randomSplit(ds, [0.35, 0.35, 0.3], { generator: new my.Generator(0) }).map((s) => s.len()), [4, 3, 3]);
  assert.throws(() => randomSplit(ds, [5, 4]), /sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/);
});

test("DataLoader rejects a bad batchSize", () => {
  assert.throws(() => new DataLoader(new Pairs(3), { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
});
