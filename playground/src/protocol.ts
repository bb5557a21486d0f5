/** Messages between the page (main.ts) and the training worker (worker.ts). */
import type { State } from "./state.js";
import type { CsvTable, MnistSubset } from "./net.js";

export type ToWorker =
  | { type: "setup"; state: State }
  | { type: "csv"; table: CsvTable | null }
  | { type: "mnist"; subset: MnistSubset }
  | { type: "run"; on: boolean }
  /** Steps per slice (0: as many as fit in ~60 ms); a slow speed lets one watch training. */
  | { type: "speed"; steps: number }
  | { type: "step" }
  | { type: "weights" };

export interface Update {
  type: "update";
  step: number;
  epoch: number;
  trainLoss: number;
  testLoss: number;
  trainAcc: number | null;
  testAcc: number | null;
  /** Gradient norm of each weighted layer's weight at steps since the last update (all of them, or 16 evenly spaced). */
  gradNorms: number[][];
  histograms: { lo: number; hi: number; counts: number[] }[];
  lr: number;
  /** Class probabilities (or the regression output) over a grid×grid lattice, 2-D inputs only. */
  decision: Float32Array | null;
  /**
   * Per hidden layer, up to 16 neurons' outputs on a g×g lattice, neuron-major: over the
   * input plane for 2-D data, or a conv layer's feature maps of the first test image (MNIST).
   */
  neurons: { g: number; maps: Float32Array }[];
  grid: number;
  /** MNIST: the first test digits, the predicted class and a saliency map (|d logit / d pixel|) of each. */
  digits: { image: Float32Array; label: number; pred: number; saliency: Float32Array }[];
}

export interface SetupInfo {
  type: "setup";
  kind: "classification" | "regression";
  inDim: number;
  classes: string[];
  points: { x: Float32Array; y: number[]; nTrain: number };
  bounds: { x0: number; x1: number; y0: number; y1: number };
  layerNames: string[];
  params: number;
  /** Number of examples, train and test together. */
  n: number;
}

export type FromWorker =
  | { type: "ready"; device: string; backend: string }
  | SetupInfo
  | Update
  | { type: "weights"; bytes: Uint8Array }
  | { type: "stopped"; reason: string }
  | { type: "error"; message: string };
