/**
 * `F` (= `nn.functional`): stateless layer functions, activations and losses.
 * Each family lives in its own file and is re-exported here.
 * @module
 */
export {};
export {
  conv1d, conv2d, convTranspose1d, convTranspose2d, unfold, fold,
  type ConvOptions, type ConvTransposeOptions, type UnfoldOptions,
} from "../../ops/nn/conv.js";
export * from "../../ops/nn/pooling.js";
export * from "../../ops/nn/linear.js";
export * from "../../ops/nn/activations.js";
export * from "../../ops/nn/normalization.js";
export * from "../../ops/nn/dropout.js";
export * from "../../ops/nn/embedding.js";
export * from "./distance.js";
export * from "./interpolate.js";
export * from "./losses.js";
export * from "./losses-margin.js";
export * from "./ctc.js";
export { scaledDotProductAttention, type SdpaOptions } from "../../ops/nn/attention.js";
export { oneHot } from "./one-hot.js";
