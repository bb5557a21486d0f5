/**
 * IDX loading: the real MNIST / Fashion-MNIST files (known label counts), small
 * hand-made IDX files, and every kind of corrupt or truncated file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";

const fx = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "data");

function histogram(labels: my.Tensor, k: number): number[] {
  const h = new Array(k).fill(0);
  for (const v of labels._data) h[v]++;
  return h;
}

test("mnist test split: 10,000 images in [0,1], known label histogram", () => {
  const ds = my.data.mnist(undefined, { train: false });
  const [x, y] = ds.tensors;
  assert.equal(ds.len(), 10000);
  assert.deepEqual(x.shape, [10000, 1, 28, 28]);
  assert.equal(x.dtype, "float32");
  assert.equal(y.dtype, "int32");
  assert.deepEqual(histogram(y, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.equal(x.min().item(), 0);
  assert.equal(x.max().item(), 1);
  // MNIST digits are centred by mass in the 28x28 frame: the border rows are empty.
  assert.equal(x.select(2, 0).abs().sum().item(), 0);
});

test("mnist train split: 60,000 images, first label is 5", () => {
  const ds = my.data.mnist(undefined, { train: true });
  assert.equal(ds.len(), 60000);
  assert.equal(ds.tensors[1]._data[0], 5);
  assert.deepEqual(histogram(ds.tensors[1], 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
});

test("fashionMnist from Debian's dataset-fashion-mnist (gzipped): 1,000 test images per class", { skip: !existsSync(my.data.FASHION_MNIST_DEBIAN_DIR) && "dataset-fashion-mnist not installed" }, () => {
  const ds = my.data.fashionMnist(undefined, { train: false });
  assert.deepEqual(ds.tensors[0].shape, [10000, 1, 28, 28]);
  assert.deepEqual(histogram(ds.tensors[1], 10), new Array(10).fill(1000));
  // The first test item is an ankle boot (class 9), the second a pullover (2).
  assert.deepEqual(Array.from(ds.tensors[1]._data.subarray(0, 2)), [9, 2]);
});

test("loadIdx: hand-made files (plain and gzip, uint8/int16/float32)", () => {
  const img = my.data.loadIdx(join(fx, "tiny-images-idx3-ubyte"));
  assert.deepEqual(img.shape, [2, 2, 3]);
  assert.equal(img.dtype, "int32");
  assert.deepEqual(img.toArray(), [[[0, 51, 102], [153, 204, 255]], [[10, 20, 30], [40, 50, 60]]]);
  const lab = my.data.loadIdx(join(fx, "tiny-labels-idx1-ubyte.gz"));
  assert.deepEqual(lab.toArray(), [7, 2]);
  assert.deepEqual(my.data.loadIdx(join(fx, "int16-idx2")).toArray(), [[-300, 5], [32767, -32768]]);
  const f = my.data.loadIdx(join(fx, "float32-idx1"));
  assert.equal(f.dtype, "float32");
  assertClose(f, [1.5, -2.25, 1e-3]);
});

test("mnist(root) finds root/MNIST/raw, mixes plain and .gz, scales by 1/255", () => {
  const ds = my.data.mnist(join(fx, "tiny-mnist"), { train: false });
  const [x, y] = ds.get(0);
  assert.deepEqual(x.shape, [1, 2, 3]);
  assertClose(x, [0, 0.2, 0.4, 0.6, 0.8, 1.0]);
  assert.equal(y.item(), 7);
  assert.throws(() => my.data.mnist(join(fx, "tiny-mnist"), { train: true }), /holds labels of shape \[3\] but .* holds 2 images/);
  assert.throws(() => my.data.mnist(join(fx, "nowhere")), /mnist: cannot find train-images-idx3-ubyte and train-labels-idx1-ubyte/);
});

test("loadIdx: corrupt and truncated files raise errors naming the file and the fault", () => {
  const cases: [string, RegExp][] = [
    ["truncated-images-idx3-ubyte", /truncated-images-idx3-ubyte: truncated: header declares uint8 dims \[10, 28, 28\] = 7840 elements \(7856 bytes with the header\) but the file has 116 bytes/],
    ["trailing-labels-idx1-ubyte", /trailing-labels-idx1-ubyte: has trailing bytes/],
    ["bad-magic-idx1-ubyte", /bad-magic-idx1-ubyte: bad magic number 0x08030000/],
    ["bad-dtype-idx1-ubyte", /bad-dtype-idx1-ubyte: unknown data type code 0x07/],
    ["short-header-idx3-ubyte", /short-header-idx3-ubyte: truncated header: 3 dims need 16 header bytes but the file has 10/],
    ["truncated-gzip-idx1-ubyte.gz", /truncated-gzip-idx1-ubyte.gz: corrupt or truncated gzip data/],
    ["missing-file", /loadIdx: cannot read .*missing-file/],
  ];
  for (const [name, re] of cases) assert.throws(() => my.data.loadIdx(join(fx, name)), re, name);
});
