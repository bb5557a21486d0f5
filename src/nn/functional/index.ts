/**
 * `F` (= `nn.functional`): stateless layer functions, activations and losses.
 * Each family lives in its own file and is re-exported here.
 */
export {};
export * from "./conv.js";
export * from "./pooling.js";
export * from "./linear.js";
