/**
 * `F` (= `nn.functional`): stateless layer functions, activations and losses.
 * Each family lives in its own file and is re-exported here.
 */
export {};
export {
  conv1d, conv2d, convTranspose1d, convTranspose2d, unfold, fold,
  type ConvOptions, type ConvTransposeOptions, type UnfoldOptions,
} from "./conv.js";
export * from "./pooling.js";
export * from "./linear.js";
export * from "./activations.js";
export * from "./normalization.js";
export * from "./dropout.js";
export * from "./embedding.js";
export * from "./distance.js";
export * from "./interpolate.js";
export * from "./losses.js";
export * from "./losses-margin.js";
export * from "./ctc.js";
export { scaledDotProductAttention, type SdpaOptions } from "./attention.js";
export { oneHot } from "./one-hot.js";
