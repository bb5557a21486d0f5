// Entry point of myelin's WebAssembly kernels (compiled by scripts/build-wasm.mjs
// twice: with relaxed-SIMD FMA and with plain SIMD). Memory is imported and shared
// so a worker pool can run the same kernels on the same buffers.
export { sgemm, gemmScratchBytes } from "./gemm";
export { gemmRun } from "./gemm";
export { unaryF32, binaryF32 } from "./elementwise";
export { reduceF32 } from "./reduce";
export { lstmCellF32, lstmCellBackwardF32, gruCellF32 } from "./rnn";
export { im2colF32, col2imF32 } from "./conv";
export { convRun } from "./conv-gemm";
export { maxPool2dF32, maxPool2x2F32 } from "./pool";
export { adamF32 } from "./optim";
export { softmaxF32, softmaxBackwardF32 } from "./softmax";
export { bernoulliMaskF32 } from "./random";
export { layerNormF32, layerNormBackwardF32 } from "./norm";
export { reluBackwardF32 } from "./activation";
export { depthwiseF32, clampF32, hardtanhBackwardF32 } from "./depthwise";
