/**
 * `nn`: Module, containers, layers, losses as modules, `init` and `utils`.
 * @module
 */
export * as functional from "./functional/index.js";
export { Module, Parameter, isParameter, type LoadResult } from "./module.js";
export type { ForwardPreHook, ForwardHook, FullBackwardHook } from "./hooks.js";
import "./hooks.js";
export { Sequential, ModuleList, ModuleDict, ParameterList } from "./containers.js";
export * from "./layers/index.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export * as graph from "../ops/nn/graph-utils.js";
