/**
 * Builds what plan.ts describes with myelin's public API (the same calls codegen.ts
 * prints): the data tensors, the Sequential, its initialisation, optimizer, schedule,
 * loader and loss. Runs in the training worker.
 */
import * as my from "myelin";
import { makeDataset, csvDataset, type CsvTable } from "./datasets.js";
import { initPlan, modulePlan, optimizerPlan, schedulePlan, type CallPlan } from "./plan.js";
import type { State } from "./state.js";

type Tensor = my.Tensor;
type Ctor = new (...args: unknown[]) => my.nn.Module;

export type { CsvTable };
/** A flat MNIST subset: `images` n*784 bytes, `labels` n bytes. */
export interface MnistSubset { images: Uint8Array; labels: Uint8Array }

export interface Prepared {
  kind: "classification" | "regression";
  inDim: number;
  outDim: number;
  classes: string[];
  xTrain: Tensor; yTrain: Tensor; xTest: Tensor; yTest: Tensor;
  /** Raw points for drawing (2-D sets only): x (n*inDim), y, train count. */
  points: { x: Float32Array; y: number[]; nTrain: number };
}

/** Data for the state: synthetic 2-D set, the user's CSV, or the MNIST subset. */
export function prepareData(s: State, csv: CsvTable | null, mnist: MnistSubset | null): Prepared {
  let x: Float32Array, y: number[], kind: "classification" | "regression", classes: string[], inDim: number;
  if (s.dataset === "csv") {
    if (!csv) throw new Error("no CSV loaded: drop a file on the data panel or use the file input");
    const d = csvDataset(csv, s.features, s.target, s.seed);
    ({ x, y, classes, inDim } = d);
    kind = d.kind as typeof kind;
  } else if (s.dataset === "mnist") {
    if (!mnist) throw new Error("the MNIST subset is not loaded");
    x = Float32Array.from(mnist.images, (v) => v / 255);
    y = Array.from(mnist.labels);
    kind = "classification"; classes = Array.from({ length: 10 }, (_, i) => String(i)); inDim = 784;
  } else {
    const d = makeDataset(s.dataset, s.points, s.noise, s.seed);
    ({ x, y } = d);
    kind = d.kind as typeof kind;
    classes = kind === "classification" ? ["0", "1"] : [];
    inDim = 2;
  }
  const n = y.length, nTrain = Math.max(1, Math.min(n - 1, Math.round((n * s.trainPct) / 100)));
  const shape = s.dataset === "mnist" ? [n, 1, 28, 28] : [n, inDim];
  const X = my.tensor(x, { shape });
  const Y = kind === "classification" ? my.tensor(Int32Array.from(y), { shape: [n] }) : my.tensor(Float32Array.from(y), { shape: [n] });
  return {
    kind, inDim, outDim: kind === "classification" ? classes.length : 1, classes,
    xTrain: X.slice(0, 0, nTrain), yTrain: Y.slice(0, 0, nTrain), xTest: X.slice(0, nTrain, n), yTest: Y.slice(0, nTrain, n),
    points: s.dataset === "mnist" ? { x: new Float32Array(0), y: [], nTrain } : { x, y, nTrain },
  };
}

function construct(ns: Record<string, unknown>, p: CallPlan, first?: unknown): unknown {
  const C = ns[p.cls] as Ctor | undefined;
  if (typeof C !== "function") throw new Error(`playground: myelin has no ${p.cls}`);
  return first === undefined ? new C(...p.args) : new C(first, ...p.args);
}

export interface Session {
  model: my.nn.Sequential;
  optimizer: my.optim.Optimizer;
  scheduler: { step(): void } | null;
  loader: Iterable<Tensor[]>;
  /** Linear/Conv2d layers in order: their weights get gradient norms and histograms. */
  weighted: { name: string; weight: Tensor }[];
  loss: (out: Tensor, y: Tensor) => Tensor;
}

/** Seeds, builds, initialises: the same order as the exported program, so both draw the same numbers. */
export function buildSession(s: State, d: Prepared): Session {
  my.manualSeed(s.seed);
  const mods = modulePlan(s, d.inDim, d.outDim).map((p) => construct(my.nn as unknown as Record<string, unknown>, p) as my.nn.Module);
  const model = new my.nn.Sequential(...mods);
  const weighted: Session["weighted"] = [];
  const init = initPlan(s);
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof my.nn.Linear || m instanceof my.nn.Conv2d)) continue;
    weighted.push({ name, weight: m.weight });
    if (init) {
      (my.nn.init as unknown as Record<string, (t: Tensor, ...a: unknown[]) => Tensor>)[init.cls](m.weight, ...init.args);
      if (m.bias) my.nn.init.zeros_(m.bias);
    }
  }
  const optimizer = construct(my.optim as unknown as Record<string, unknown>, optimizerPlan(s), model.parameters()) as my.optim.Optimizer;
  const sp = schedulePlan(s);
  const scheduler = sp ? construct(my.optim.lrScheduler as unknown as Record<string, unknown>, sp, optimizer) as { step(): void } : null;
  const loader: Iterable<Tensor[]> = new my.data.DataLoader(new my.data.TensorDataset(d.xTrain, d.yTrain), { batchSize: s.batchSize, shuffle: true });
  const weights = weighted.map((w) => w.weight);
  const base = d.kind === "classification"
    ? (out: Tensor, y: Tensor) => my.F.crossEntropy(out, y)
    : (out: Tensor, y: Tensor) => my.F.mseLoss(out.squeeze(1), y);
  // L1 is a penalty added to the loss (PyTorch has no L1 weight decay); L2 is the optimizer's weightDecay.
  const loss = s.l1 > 0
    ? (out: Tensor, y: Tensor) => base(out, y).add(weights.map((w) => w.abs().sum()).reduce((a, b) => a.add(b)).mul(s.l1))
    : base;
  return { model, optimizer, scheduler, loader, weighted, loss };
}

/** One optimisation step on a batch; `afterBackward` sees the gradients before the optimizer uses them. Returns the loss. */
export function trainBatch(s: Session, xb: Tensor, yb: Tensor, afterBackward?: () => void): Tensor {
  s.optimizer.zeroGrad();
  const loss = s.loss(s.model.forward(xb), yb);
  loss.backward();
  afterBackward?.();
  s.optimizer.step();
  return loss;
}
