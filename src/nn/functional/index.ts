/**
 * `F` (= `nn.functional`): stateless layer functions, activations and losses.
 * Each family lives in its own file and is re-exported here.
 */
export {};
