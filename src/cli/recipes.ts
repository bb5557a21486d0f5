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

/** Loads a recipe's train and test sets (Node). */
export async function loadRecipeData(recipe: Recipe, root?: string): Promise<{ train: TensorDataset; test: TensorDataset }> {
  const { mnist, fashionMnist } = await import("../data/node/idx.js");
  const load = recipe.dataset === "mnist" ? mnist : fashionMnist;
  return { train: load(root, { train: true }), test: load(root, { train: false }) };
}
