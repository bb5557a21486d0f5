/**
 * Cora (and CiteSeer) node classification with the standard Planetoid split: a
 * 2-layer GCN (Kipf & Welling 2017) and a 2-layer GAT (Veličković et al. 2018),
 * trained full-batch with the papers' hyper-parameters; the test accuracy of the
 * epoch with the best validation accuracy is reported, as the papers select models.
 *
 * Run: npx tsx examples/cora/train.ts [--data DIR] [--download [--mirror URL]] [--dataset cora|citeseer] [gcn|gat|both]
 * The graph is read by my.data.Planetoid from DIR/cora.json (default DIR: ./data).
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { nn, F, optim } = my;

/** A Planetoid citation graph (features row-normalised as Kipf & Welling): `new my.data.Planetoid({ root, name })`. */
export type Planetoid = my.data.PlanetoidGraph;

/** Kipf & Welling's GCN: dropout → GCNConv(F, 16) → ReLU → dropout → GCNConv(16, C). */
export class GCN extends nn.Module {
  conv1: InstanceType<typeof nn.GCNConv>;
  conv2: InstanceType<typeof nn.GCNConv>;
  constructor(inF: number, hidden: number, classes: number, public p = 0.5) {
    super();
    this.conv1 = new nn.GCNConv(inF, hidden, { cached: true });
    this.conv2 = new nn.GCNConv(hidden, classes, { cached: true });
  }
  override forward(x: Tensor, edgeIndex: Tensor): Tensor {
    const h = this.conv1.forward(x, edgeIndex).relu();
    return this.conv2.forward(F.dropout(h, this.p, this.training), edgeIndex);
  }
}

/** Veličković et al.'s GAT for Cora: GATConv(F, 8, 8 heads) → ELU → GATConv(64, C, 1 head). */
export class GAT extends nn.Module {
  conv1: InstanceType<typeof nn.GATConv>;
  conv2: InstanceType<typeof nn.GATConv>;
  constructor(inF: number, hidden: number, heads: number, classes: number, public p = 0.6) {
    super();
    this.conv1 = new nn.GATConv(inF, hidden, { heads, dropout: p });
    this.conv2 = new nn.GATConv(hidden * heads, classes, { heads: 1, concat: false, dropout: p });
  }
  override forward(x: Tensor, edgeIndex: Tensor): Tensor {
    const h = F.elu(this.conv1.forward(x, edgeIndex));
    return this.conv2.forward(F.dropout(h, this.p, this.training), edgeIndex);
  }
}

/** Options of `trainNodeClassifier`. */
export interface TrainOptions {
  model: "gcn" | "gat";
  epochs?: number;
  seed?: number;
  /** Dropout on the input features (default: 0.5 for GCN, 0.6 for GAT, as the papers). */
  inputDropout?: number;
  /** Called after each epoch. */
  onEpoch?: (epoch: number, loss: number, valAcc: number, testAcc: number) => void;
}

/** What a run achieved. */
export interface TrainResult {
  /** Test accuracy at the epoch of best validation accuracy. */
  testAcc: number;
  bestValAcc: number;
  bestEpoch: number;
  /** Test accuracy after the last epoch. */
  finalTestAcc: number;
  /** Median time of one training step (forward, backward, Adam), ms. */
  epochMs: number;
  /** Total wall time including evaluation, s. */
  totalS: number;
}

function accuracy(logits: Tensor, y: Tensor, idx: Tensor): number {
  const pred = logits.indexSelect(0, idx).argmax(1);
  return pred.eq(y.indexSelect(0, idx)).float().mean().item();
}

/**
 * Trains a GCN (16 hidden, dropout 0.5, Adam lr 0.01, weight decay 5e-4 on the first
 * layer as Kipf & Welling) or a GAT (8 heads × 8 hidden, dropout 0.6 on inputs and
 * attention, Adam lr 0.005, weight decay 5e-4) full-batch.
 */
export function trainNodeClassifier(data: Planetoid, opts: TrainOptions): TrainResult {
  const seed = opts.seed ?? 0;
  my.manualSeed(seed);
  const gen = new my.Generator(seed + 1);
  const inF = data.x.shape[1];
  const isGcn = opts.model === "gcn";
  const epochs = opts.epochs ?? (isGcn ? 200 : 300);
  const model = isGcn ? new GCN(inF, 16, data.numClasses) : new GAT(inF, 8, 8, data.numClasses);
  const opt = isGcn
    ? new optim.Adam([{ params: model.conv1.parameters(), weightDecay: 5e-4 }, { params: model.conv2.parameters(), weightDecay: 0 }], { lr: 0.01 })
    : new optim.Adam(model.parameters(), { lr: 0.005, weightDecay: 5e-4 });
  const yTrain = data.y.indexSelect(0, data.trainIndex);
  const pIn = opts.inputDropout ?? (isGcn ? 0.5 : 0.6);
  let best = { val: -1, test: 0, epoch: -1 };
  let finalTest = 0;
  const times: number[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const ts = performance.now();
    model.train();
    opt.zeroGrad();
    // Input dropout draws only the ~1.3% nonzero features (nn.graph.sparseDropout).
    const xIn = nn.graph.sparseDropout(data.x, pIn, true, { generator: gen });
    const out = model.forward(xIn, data.edgeIndex);
    const loss = F.crossEntropy(out.indexSelect(0, data.trainIndex), yTrain);
    loss.backward();
    opt.step();
    times.push(performance.now() - ts);
    model.eval();
    const logits = my.noGrad(() => model.forward(data.x, data.edgeIndex));
    const val = accuracy(logits, data.y, data.valIndex), test = accuracy(logits, data.y, data.testIndex);
    finalTest = test;
    if (val >= best.val) best = { val, test, epoch };
    opts.onEpoch?.(epoch, loss.item(), val, test);
  }
  times.sort((a, b) => a - b);
  return {
    testAcc: best.test, bestValAcc: best.val, bestEpoch: best.epoch, finalTestAcc: finalTest,
    epochMs: times[times.length >> 1], totalS: (performance.now() - t0) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const which = args.find((a, i) => ["gcn", "gat", "both"].includes(a) && args[i - 1] !== "--dataset") ?? "both";
  let data: Planetoid;
  try {
    data = new my.data.Planetoid({ root: opt("--data") ?? "data", name: opt("--dataset") ?? "Cora", download: args.includes("--download"), downloadFlag: "--download", mirrors: opt("--mirror") ? [opt("--mirror")!] : undefined });
  } catch (e) {
    console.error(`cora example: ${(e as Error).message}\n(pass --data DIR for a folder holding cora.json / citeseer.json)`);
    process.exit(1);
  }
  console.log(`${data.name}: ${data.x.shape[0]} nodes, ${data.x.shape[1]} features, ${data.edgeIndex.shape[1]} directed edges, ${data.numClasses} classes; backend ${my.backend()}`);
  for (const model of ["gcn", "gat"] as const) {
    if (which !== "both" && which !== model) continue;
    const r = trainNodeClassifier(data, { model });
    console.log(`${model.toUpperCase()}: test accuracy ${(100 * r.testAcc).toFixed(1)}% at best val ${(100 * r.bestValAcc).toFixed(1)}% (epoch ${r.bestEpoch}); last-epoch test ${(100 * r.finalTestAcc).toFixed(1)}%; train step ${r.epochMs.toFixed(1)} ms (median); total ${r.totalS.toFixed(1)} s`);
  }
}
