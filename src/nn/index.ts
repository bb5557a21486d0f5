/**
 * `nn`: Module, containers, layers, losses as modules, `init` and `utils`.
 */
export * as functional from "./functional/index.js";
