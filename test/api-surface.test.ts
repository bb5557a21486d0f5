// Every name the API contract (../shared/API.md) lists exists with the right kind,
// both as a function on `my`/`F`/`nn`/`optim`/`data`/`io` and, where PyTorch has
// one, as a Tensor method.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../src/index.js";

const words = (s: string) => s.split(/\s+/).filter(Boolean);

const creation = words("tensor zeros ones full arange linspace eye rand randn randint zerosLike onesLike randnLike manualSeed");
const elementwise = words(`add sub mul div pow maximum minimum neg abs sign exp log log1p expm1 sqrt rsqrt square
  reciprocal sin cos tan tanh sigmoid relu floor ceil round erf clamp eq ne lt le gt ge where logicalAnd logicalOr logicalNot isnan isfinite`);
const reductions = words("sum mean prod var std max min amax amin argmax argmin logsumexp cumsum norm");
const linalg = words("matmul mm bmm outer dot einsum");
const shape = words(`reshape view flatten unflatten squeeze unsqueeze transpose permute t expand expandAs repeat cat stack split
  chunk narrow select slice flip roll tril triu pad contiguous`);
const indexing = words("indexSelect gather scatter scatterAdd indexAdd maskedFill maskedSelect oneHot scatterReduce");
const autograd = words("noGrad enableGrad grad");

// Methods PyTorch has (the function-only ones are excluded: creation, where, cat, stack, pad, einsum, oneHot, grad...).
const noMethod = new Set([...creation, ...autograd, "cat", "stack", "pad", "einsum", "oneHot", "scatterReduce"]);

test("every op in API.md exists as my.<op>", () => {
  for (const name of [...creation, ...elementwise, ...reductions, ...linalg, ...shape, ...indexing, ...autograd]) {
    assert.equal(typeof (my as Record<string, unknown>)[name], "function", `my.${name}`);
  }
});

test("ops exist as Tensor methods where PyTorch has them", () => {
  const t = my.ones([2, 2]);
  for (const name of [...elementwise, ...reductions, ...linalg, ...shape, ...indexing]) {
    if (noMethod.has(name) || name === "where") continue;
    assert.equal(typeof (t as unknown as Record<string, unknown>)[name], "function", `Tensor.prototype.${name}`);
  }
  for (const name of words("to float double int item data toArray size numel backward detach requiresGrad_ retainGrad")) {
    assert.equal(typeof (t as unknown as Record<string, unknown>)[name], "function", `Tensor.prototype.${name}`);
  }
  for (const name of words("add_ mul_ sub_ div_ copy_ zero_ fill_ clamp_")) {
    assert.equal(typeof (t as unknown as Record<string, unknown>)[name], "function", `in-place Tensor.prototype.${name}`);
  }
  assert.deepEqual(t.shape, [2, 2]);
  assert.equal(t.ndim, 2);
  assert.equal(t.dtype, "float32");
});

test("F has every activation, layer function and loss in API.md", () => {
  const names = words(`relu leakyRelu elu selu gelu silu mish softplus hardtanh sigmoid tanh softmax logSoftmax softmin glu
    linear conv1d conv2d convTranspose1d convTranspose2d maxPool1d maxPool2d avgPool1d avgPool2d adaptiveAvgPool1d
    adaptiveAvgPool2d adaptiveMaxPool2d batchNorm layerNorm groupNorm instanceNorm dropout embedding scaledDotProductAttention
    interpolate normalize cosineSimilarity pairwiseDistance mseLoss l1Loss smoothL1Loss huberLoss crossEntropy nllLoss
    binaryCrossEntropy binaryCrossEntropyWithLogits klDiv cosineEmbeddingLoss marginRankingLoss tripletMarginLoss
    hingeEmbeddingLoss poissonNllLoss gaussianNllLoss ctcLoss`);
  for (const n of names) assert.equal(typeof (my.F as Record<string, unknown>)[n], "function", `F.${n}`);
  assert.equal(my.nn.functional, my.F as unknown);
});

test("nn has Module, containers, every layer, loss, recurrent, attention and graph module in API.md", () => {
  const classes = words(`Module Sequential ModuleList ModuleDict Linear Bilinear Identity Flatten Unflatten Conv1d Conv2d
    ConvTranspose1d ConvTranspose2d MaxPool1d MaxPool2d AvgPool1d AvgPool2d AdaptiveAvgPool1d AdaptiveAvgPool2d BatchNorm1d
    BatchNorm2d LayerNorm GroupNorm RMSNorm Dropout Dropout2d Embedding ReLU LeakyReLU ELU GELU SiLU Sigmoid Tanh Softmax
    LogSoftmax Softplus Mish MSELoss CrossEntropyLoss BCELoss BCEWithLogitsLoss NLLLoss L1Loss HuberLoss SmoothL1Loss KLDivLoss
    RNN LSTM GRU RNNCell LSTMCell GRUCell MultiheadAttention TransformerEncoderLayer TransformerEncoder TransformerDecoderLayer
    TransformerDecoder Transformer GCNConv GATConv SAGEConv GINConv`);
  const nn = my.nn as unknown as Record<string, unknown>;
  for (const c of classes) assert.equal(typeof nn[c], "function", `nn.${c}`);
  for (const f of words("globalMeanPool globalMaxPool globalAddPool")) assert.equal(typeof nn[f], "function", `nn.${f}`);
  assert.equal(typeof (nn.Transformer as { generateSquareSubsequentMask?: unknown }).generateSquareSubsequentMask, "function");
  const init = my.nn.init as unknown as Record<string, unknown>;
  for (const f of words(`uniform_ normal_ constant_ zeros_ ones_ eye_ xavierUniform_ xavierNormal_ kaimingUniform_ kaimingNormal_
    orthogonal_ truncNormal_ calculateGain`)) assert.equal(typeof init[f], "function", `nn.init.${f}`);
  const utils = my.nn.utils as unknown as Record<string, unknown>;
  for (const f of words("clipGradNorm_ clipGradValue_ parametersToVector vectorToParameters")) assert.equal(typeof utils[f], "function", `nn.utils.${f}`);
  const m = new my.nn.Linear(2, 3);
  for (const f of words(`forward parameters namedParameters buffers namedBuffers children namedModules stateDict loadStateDict
    train eval zeroGrad apply to registerBuffer toString`)) {
    assert.equal(typeof (m as unknown as Record<string, unknown>)[f], "function", `Module.${f}`);
  }
  assert.equal(m.training, true);
});

test("optim has every optimizer and scheduler in API.md", () => {
  const optim = my.optim as unknown as Record<string, unknown>;
  for (const c of words("SGD Adam AdamW RMSprop Adagrad Adadelta Adamax NAdam RAdam LBFGS")) assert.equal(typeof optim[c], "function", `optim.${c}`);
  const s = my.optim.lrScheduler as unknown as Record<string, unknown>;
  for (const c of words(`StepLR MultiStepLR ExponentialLR CosineAnnealingLR CosineAnnealingWarmRestarts LinearLR OneCycleLR
    ReduceLROnPlateau LambdaLR SequentialLR`)) assert.equal(typeof s[c], "function", `optim.lrScheduler.${c}`);
  const p = my.zeros([2], { requiresGrad: true });
  const o = new my.optim.Adam([p]);
  for (const f of words("step zeroGrad stateDict loadStateDict")) assert.equal(typeof (o as unknown as Record<string, unknown>)[f], "function", `Optimizer.${f}`);
  assert.ok(Array.isArray(o.paramGroups));
});

test("data and io have the API.md entry points", () => {
  const data = my.data as unknown as Record<string, unknown>;
  for (const c of words("Dataset TensorDataset DataLoader randomSplit Subset")) assert.equal(typeof data[c], "function", `data.${c}`);
  const io = my.io as unknown as Record<string, unknown>;
  for (const f of words("save load toSafetensors fromSafetensors exportOnnx importOnnx")) assert.equal(typeof io[f], "function", `io.${f}`);
});

test("the training toolkit is exported from myelin and from myelin/train (the same objects)", async () => {
  const train = (await import("../src/entries/train.js")) as unknown as Record<string, unknown>;
  const top = my as unknown as Record<string, unknown>;
  const names = words(`fit evaluate evaluateAsync EarlyStopping LRSchedulerCallback GradientClipping GradNormMonitor PlotHistory gradNorm
    ModelCheckpoint saveCheckpoint loadCheckpoint restoreCheckpoint checkpointToBytes checkpointFromBytes accuracy topKAccuracy
    confusionMatrix precisionRecallF1 mae rmse r2Score makeMetric ProgressBar formatDuration formatLogs historyToSvg`);
  for (const n of names) {
    assert.equal(typeof train[n], "function", `myelin/train ${n}`);
    assert.equal(top[n], train[n], `myelin exports the same ${n}`);
  }
  assert.deepEqual(Object.keys(train).sort(), [...names].sort(), "myelin/train exports exactly the toolkit");
  assert.equal(typeof my.ready, "function");
  assert.equal(await my.ready(), my.backend(), "ready() resolves with the backend in use");
});
