/**
 * Port of PyTorch's examples/gcn: GraphConv (support = X·W, then the sparse normalised
 * adjacency D^-1/2 (A + I) D^-1/2 times it), two layers with ReLU and dropout,
 * log-softmax, NLLLoss on the training nodes, Adam with weight decay. Cora comes from
 * the shared data folder through my.data.Planetoid (standard split, row-normalised
 * features); the metric is the test accuracy after the last epoch.
 *
 * Run: npx tsx examples/pytorch-ports/gcn.ts [--epochs 200] [--seed 0]
 */
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain, sharedData } from "./common.js";

const { nn, F, optim } = my;
type Sparse = ReturnType<typeof my.sparseCooTensor>;

export const DEFAULTS = { epochs: 200, lr: 0.01, l2: 5e-4, hidden: 16, dropout: 0.5, bias: 0, seed: 0 };

/** Cora's features, normalised sparse adjacency (with self-loops), labels and split. */
export function loadCora(): { features: Tensor; adj: Sparse; labels: Tensor; idxTrain: Tensor; idxVal: Tensor; idxTest: Tensor } {
  const d = new my.data.Planetoid({ root: sharedData(), name: "Cora" });
  const n = d.x.shape[0];
  const e = d.edgeIndex; // both directions already
  const loops = my.arange(n, { dtype: "int32" }).unsqueeze(0).repeat(2, 1);
  const idx = my.cat([e, loops], 1); // A + I
  const deg = my.zeros(n).indexAdd(0, idx.select(0, 0), my.ones(idx.shape[1]));
  const dinv = deg.pow(-0.5);
  const vals = dinv.indexSelect(0, idx.select(0, 0)).mul(dinv.indexSelect(0, idx.select(0, 1))); // D^-1/2 (A + I) D^-1/2
  const adj = my.sparseCooTensor(idx, vals, [n, n]);
  return { features: d.x, adj, labels: d.y, idxTrain: d.trainIndex, idxVal: d.valIndex, idxTest: d.testIndex };
}

export class GraphConv extends nn.Module {
  kernel: Tensor;
  bias: Tensor | null = null;
  constructor(inputDim: number, outputDim: number, useBias = false) {
    super();
    this.kernel = nn.Parameter(my.empty(inputDim, outputDim));
    nn.init.xavierNormal_(this.kernel);
    if (useBias) {
      this.bias = nn.Parameter(my.empty(outputDim));
      nn.init.zeros_(this.bias);
    }
  }
  override forward(inputTensor: Tensor, adjMat: Sparse): Tensor {
    const support = my.mm(inputTensor, this.kernel);
    let output = my.sparse.mm(adjMat, support);
    if (this.bias !== null) output = output.add(this.bias);
    return output;
  }
}

export class GCN extends nn.Module {
  gc1: GraphConv;
  gc2: GraphConv;
  dropout: InstanceType<typeof nn.Dropout>;
  constructor(inputDim: number, hiddenDim: number, outputDim: number, useBias = true, dropoutP = 0.1) {
    super();
    this.gc1 = new GraphConv(inputDim, hiddenDim, useBias);
    this.gc2 = new GraphConv(hiddenDim, outputDim, useBias);
    this.dropout = new nn.Dropout(dropoutP);
  }
  override forward(inputTensor: Tensor, adjMat: Sparse): Tensor {
    let x = this.gc1.forward(inputTensor, adjMat);
    x = F.relu(x);
    x = this.dropout.forward(x);
    x = this.gc2.forward(x, adjMat);
    return F.logSoftmax(x, 1);
  }
}

/** Trains `epochs` full-graph steps; returns the test accuracy and the model. */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; model: GCN } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const { features, adj, labels, idxTrain, idxTest } = loadCora();
  const gcn = new GCN(features.shape[1], S.hidden, labels.max().item() + 1, Boolean(S.bias), S.dropout);
  const optimizer = new optim.Adam(gcn.parameters(), { lr: S.lr, weightDecay: S.l2 });
  const criterion = new nn.NLLLoss();
  for (let epoch = 0; epoch < S.epochs; epoch++) {
    gcn.train();
    optimizer.zeroGrad();
    const output = gcn.forward(features, adj);
    const loss = criterion.forward(output.indexSelect(0, idxTrain), labels.indexSelect(0, idxTrain));
    loss.backward();
    optimizer.step();
  }
  gcn.eval();
  const output = my.noGrad(() => gcn.forward(features, adj).indexSelect(0, idxTest));
  return { metric: output.argmax(1).eq(labels.indexSelect(0, idxTest)).float().sum().item() / idxTest.shape[0], model: gcn };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`gcn seed ${S.seed}: test accuracy ${run(S).metric.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
