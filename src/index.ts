/**
 * myelin: deep learning for TypeScript with PyTorch's API.
 * `import * as my from "myelin"` gives tensors, ops, autograd, and the namespaces
 * `nn`, `F`, `optim`, `data`, `io`, `models`, and the training toolkit (`fit`, `evaluate`,
 * metrics, callbacks, checkpoints; also importable alone as `myelin/train`).
 */
export { Tensor, type NestedArray, type ToOptions } from "./core/tensor.js";
export { Storage, CpuStorage, type Device } from "./core/storage.js";
export { isFloating, promoteTypes, type DType, type TypedArray } from "./core/dtype.js";
export { noGrad, enableGrad, isGradEnabled, Node } from "./core/autograd.js";
export { grad, backward, type BackwardOptions, type GradOptions } from "./core/engine.js";
export { RemovableHandle } from "./core/hooks.js";
export { Generator, manualSeed, defaultGenerator } from "./core/random.js";
export { broadcastShapes } from "./core/shape.js";
export * from "./ops/creation.js";
export * from "./ops/elementwise.js";
export * from "./ops/reduce.js";
export { variance as var } from "./ops/reduce.js";
export * from "./ops/shape.js";
export * from "./ops/pad.js";
export * from "./ops/indexing.js";
export * from "./ops/linalg.js";
export * from "./ops/inplace.js";
export * from "./ops/extras.js";
export * from "./ops/index-put.js";
export * from "./ops/sparse.js";
export { backend } from "./backends/select.js";
export { setBackend, setNumThreads, getNumThreads, ready, type BackendName } from "./backends/select.js";
export { releaseMemory } from "./backends/memory.js";
export * as nn from "./nn/index.js";
export * as F from "./nn/functional/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as models from "./models/index.js";
export * from "./train/index.js";
export * as explain from "./explain/index.js";
export { webgpu } from "./backends/webgpu/index.js";
