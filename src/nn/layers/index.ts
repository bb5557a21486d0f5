/**
 * All layer families, re-exported for `nn`.
 */
export * from "./linear.js";
export * from "./conv.js";
export * from "./pooling.js";
export * from "./normalization.js";
export * from "./dropout.js";
export * from "./embedding.js";
export * from "./activation.js";
export * from "./loss.js";
export * from "./rnn.js";
export * from "./attention.js";
export * from "./transformer.js";
export * from "./positional.js";
export * from "./graph-conv.js";
export * from "./graph-pool.js";
