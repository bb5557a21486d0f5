/**
 * The WebGPU device layer: device discovery (`my.webgpu.init()`), GPU memory (a
 * size-class pool freed by garbage collection), command batching, and the WGSL
 * kernels. Tensors on the "webgpu" device are built on this layer; the kernels are
 * also usable directly on GPU buffers (`webgpuKernels`), which is how they are tested
 * against the CPU backend.
 */
import { adapterInfo, init as initRuntime, isAvailable, lastError, type WebGPUInitOptions } from "./runtime.js";
import { registerDevice } from "../../core/storage.js";
import { installDeviceBackend } from "../backend.js";
import { webgpuBackend } from "./backend.js";
import { webgpuProvider } from "./storage.js";
import { emptyCache, memory, setPoolLimit } from "./pool.js";
import { batchStats, flush, readBuffer, upload } from "./commands.js";
import { binaryGPU, binaryOpNames, unaryGPU, unaryOpNames } from "./kernels/elementwise.js";
import { matmulGPU, operand } from "./kernels/matmul.js";
import { reduceGPU } from "./kernels/reduce.js";
import { layerNormBackwardGPU, layerNormGPU, softmaxBackwardGPU, softmaxGPU } from "./kernels/rows.js";
import { bernoulliMaskGPU } from "./kernels/random.js";
import { gruCellBackwardGPU, gruCellGPU, lstmCellBackwardGPU, lstmCellGPU } from "./kernels/rnn.js";
import { fillGPU, gatherGPU, scatterGPU, stridedAssignGPU, stridedGPU, zerosGPU } from "./kernels/index-ops.js";
import { avgPool2dBackwardGPU, avgPool2dGPU, maxPool2dBackwardGPU, maxPool2dGPU } from "./kernels/pool.js";
import { adamStepGPU, clampGPU, reluBackwardGPU, whereGPU } from "./kernels/update.js";
import { conv2dForwardGPU, conv2dInputGradGPU, conv2dWeightGradGPU } from "./kernels/conv.js";
import { contiguousStrides, viewOf } from "./kernels/layout.js";
import { batchNormBackwardGPU, batchNormGPU } from "./kernels/batchnorm.js";
import { sgdStepGPU } from "./kernels/update.js";
import { argReduceGPU, cumulativeGPU } from "./kernels/scan.js";
import { castGPU } from "./kernels/cast.js";
import { compareGPU } from "./kernels/elementwise.js";
import { catGPU, copyViewGPU, indexAddGPU } from "./kernels/index-ops.js";
import { nllLossBackwardGPU, nllLossGPU } from "./kernels/loss.js";
import { setGemmStyle } from "./kernels/gemm.js";
import { elementwiseChainGPU } from "./kernels/fused.js";
import type { GPUBufferLike } from "./gpu-types.js";

export type { WebGPUInitOptions, AdapterInfo } from "./runtime.js";
export type { GPUView } from "./kernels/layout.js";
export type { MatmulOperand } from "./kernels/matmul.js";
export type { GPUReduceOp } from "./kernels/reduce.js";
export type { GPUBufferLike } from "./gpu-types.js";

/**
 * Finds an adapter and a device, once, and makes "webgpu" a device tensors can live
 * on (`t.to("webgpu")`, `{device: "webgpu"}`); resolves false (reason in `lastError()`)
 * where there is no adapter.
 * @example if (await my.webgpu.init()) model.to("webgpu");
 */
async function init(options: WebGPUInitOptions = {}): Promise<boolean> {
  const ok = await initRuntime(options);
  if (ok) {
    registerDevice("webgpu", webgpuProvider);
    installDeviceBackend(webgpuBackend);
  }
  return ok;
}

/** `my.webgpu`: find the device, inspect it, manage its memory. */
export const webgpu = {
  /** Finds an adapter and makes "webgpu" a device tensors can live on; resolves false (see lastError) without one. */
  init,
  /** Whether `init()` succeeded and the device has not been lost since. */
  isAvailable,
  /** Why the last `init()` failed, or null. */
  lastError,
  /** The adapter's vendor, architecture, device and description (empty where the browser hides them), or null. */
  adapterInfo,
  /** Bytes held by live GPU tensors and kept in the pool for reuse: `{liveBytes, pooledBytes}`. */
  memory,
  /** Destroys every pooled buffer, as `torch.cuda.empty_cache()`. */
  emptyCache,
  /** Sets the most bytes the pool keeps (default 1 GiB); returns the previous limit. */
  setPoolLimit,
  /** Submits every kernel encoded so far (reads do this themselves). */
  flush,
};

/** Copies a float32 GPU buffer's first `n` elements back to the CPU. */
async function readFloat32(buf: GPUBufferLike, n: number): Promise<Float32Array> {
  return new Float32Array(await readBuffer("webgpu.read", buf, 4 * n));
}

/**
 * The WGSL kernels on raw GPU buffers (float32), for tests and for building GPU ops:
 * inputs are uploaded with `upload`, results read with `readFloat32`.
 */
export const webgpuKernels = {
  upload: (data: Float32Array) => upload("webgpu.upload", data),
  readFloat32, viewOf, contiguousStrides, batchStats,
  unary: unaryGPU, binary: binaryGPU, unaryOpNames, binaryOpNames,
  matmul: matmulGPU, operand, reduce: reduceGPU,
  softmax: softmaxGPU, softmaxBackward: softmaxBackwardGPU, layerNorm: layerNormGPU, layerNormBackward: layerNormBackwardGPU,
  adamStep: adamStepGPU, where: whereGPU, reluBackward: reluBackwardGPU, clamp: clampGPU,
  uploadWords: (data: Uint32Array | Int32Array) => upload("webgpu.upload", data),
  fill: fillGPU, zeros: zerosGPU, strided: stridedGPU, stridedAssign: stridedAssignGPU, gather: gatherGPU, scatter: scatterGPU,
  maxPool2d: maxPool2dGPU, maxPool2dBackward: maxPool2dBackwardGPU, avgPool2d: avgPool2dGPU, avgPool2dBackward: avgPool2dBackwardGPU,
  bernoulliMask: bernoulliMaskGPU,
  lstmCell: lstmCellGPU, lstmCellBackward: lstmCellBackwardGPU, gruCell: gruCellGPU, gruCellBackward: gruCellBackwardGPU,
  conv2dForward: conv2dForwardGPU, conv2dInputGrad: conv2dInputGradGPU, conv2dWeightGrad: conv2dWeightGradGPU,
  batchNorm: batchNormGPU, batchNormBackward: batchNormBackwardGPU, sgdStep: sgdStepGPU,
  argReduce: argReduceGPU, cumulative: cumulativeGPU, cast: castGPU, compare: compareGPU,
  copyView: copyViewGPU, cat: catGPU, indexAdd: indexAddGPU, nllLoss: nllLossGPU, nllLossBackward: nllLossBackwardGPU,
  setGemmStyle, elementwiseChain: elementwiseChainGPU,
};
