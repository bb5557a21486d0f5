/**
 * `io.importOnnx(bytes)`: turns an ONNX model into a myelin Module that runs the graph
 * with myelin ops (so it runs on every backend and is differentiable). Float
 * initialisers become Parameters and integer ones buffers, registered under their
 * initialiser names (dotted names such as `encoder.layers.0.linear1.weight` become
 * nested modules), so `stateDict()` keys are the initialiser names. Nodes are put in
 * topological order once at import, which also rejects cyclic graphs.
 */
import { Tensor } from "../../core/tensor.js";
import { Module, Parameter, camelCase } from "../../nn/module.js";
import { decodeModel, type GraphProto, type ModelProto, type NodeProto } from "./proto.js";
import { Attrs, type OpHandler, tensorFromProto } from "./ops-util.js";
import { DEFAULT_MAX_BYTES, checkArity, checkAttributeNames, overBudget } from "./checks.js";
import { isFloating, withAllocationLimit } from "../../core/dtype.js";
import { silu } from "../../ops/activation.js";
import { planGraph, type GraphPlan } from "./plan.js";
import { mathOps } from "./ops-math.js";
import { shapeOps } from "./ops-shape.js";
import { nnOps } from "./ops-nn.js";
import { resizeOps } from "./ops-resize.js";
import { lossOps } from "./ops-loss.js";
import { extraOps } from "./ops-extra.js";
import { intOps } from "./ops-int.js";

/**
 * Every operator the importer implements (default ONNX domain), by op_type. A
 * null-prototype object: an op_type read from a file ("constructor", "toString") must
 * not find Object.prototype's members.
 */
export const importOps: Record<string, OpHandler> = Object.assign(Object.create(null) as Record<string, OpHandler>,
  { ...mathOps, ...shapeOps, ...nnOps, ...resizeOps, ...lossOps, ...extraOps, ...intOps });

/** Sorted list of the operator names `importOnnx` supports. */
export function supportedImportOps(): string[] {
  return Object.keys(importOps).sort();
}

function nodeLabel(n: NodeProto, i: number): string {
  return `node ${n.name ? `"${n.name}"` : `#${i}`} (${n.opType})`;
}

/** Orders nodes so that every input is produced before use; throws on cycles or undefined inputs. */
function topoSort(g: GraphProto, available: Set<string>): NodeProto[] {
  const producer = new Map<string, number>();
  g.node.forEach((n, i) => {
    for (const o of n.output) {
      if (o === "") continue;
      if (producer.has(o) || available.has(o)) throw new Error(`importOnnx: value "${o}" is produced twice (by ${nodeLabel(n, i)})`);
      producer.set(o, i);
    }
  });
  const state = new Uint8Array(g.node.length); // 0 new, 1 on stack, 2 done
  const order: NodeProto[] = [];
  for (let root = 0; root < g.node.length; root++) {
    if (state[root]) continue;
    // Iterative DFS so a long chain cannot overflow the JS stack.
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const n = g.node[top[0]];
      if (top[1] < n.input.length) {
        const name = n.input[top[1]++];
        if (name === "" || available.has(name)) continue;
        const p = producer.get(name);
        if (p === undefined) throw new Error(`importOnnx: ${nodeLabel(n, top[0])} reads "${name}", which is neither a graph input, an initialiser nor any node's output`);
        if (state[p] === 1) throw new Error(`importOnnx: the graph is cyclic (${nodeLabel(g.node[p], p)} depends on its own output through ${nodeLabel(n, top[0])})`);
        if (state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        state[top[0]] = 2;
        order.push(n);
        stack.pop();
      }
    }
  }
  return order;
}

/**
 * Keeps registered entries (initialisers, child holders) in a Map under their exact
 * names rather than as fields, so an initialiser may be called "forward", "training",
 * "inputNames" or "__proto__" without touching the module's own members, and
 * registering n of them costs O(n) (no reflection scan over n fields per entry).
 * Names that do not shadow a member are also readable as fields (`m.fc1.weight`).
 */
class MapStore extends Module {
  declare readonly _store: Map<string, unknown>;
  /** Holds the field getters: on the instance they would make every Object.keys(this) scan (in Module's reflection) O(entries). */
  declare readonly _getters: object;
  constructor() {
    super();
    const getters = Object.create(Object.getPrototypeOf(this) as object) as object;
    Object.setPrototypeOf(this, getters);
    Object.defineProperty(this, "_store", { value: new Map(), enumerable: false });
    Object.defineProperty(this, "_getters", { value: getters, enumerable: false });
  }
  protected override _field(field: string): unknown {
    return this._store.get(field);
  }
  protected override _setField(field: string, value: unknown): void {
    const store = this._store;
    const prop = camelCase(field);
    if (!store.has(field) && !(prop in this)) {
      Object.defineProperty(this._getters, prop, { get: () => store.get(field), enumerable: false, configurable: true });
    }
    store.set(field, value);
  }
  protected override _fieldName(key: string): string {
    return key;
  }
  /** The entry registered under `name`, if any. */
  entry(name: string): unknown {
    return this._store.get(name);
  }
}

/** A module that holds the initialisers under one dotted-name prefix. */
class Holder extends MapStore {}

/**
 * An imported ONNX graph as a Module. `forward(...inputs)` takes the graph inputs in
 * order and returns the single output, or an array when the graph has several.
 */
export class OnnxModule extends MapStore {
  /** @internal The parsed graph and its evaluation state (not part of the API). */
  declare readonly _graph: GraphProto;
  /** @internal The parsed graph and its evaluation state (not part of the API). */
  declare readonly _order: NodeProto[];
  /** @internal Last reads and fused SiLU pairs of `_order` (./plan.ts). */
  declare readonly _plan: GraphPlan;
  /** @internal The parsed graph and its evaluation state (not part of the API). */
  declare readonly _opset: number;
  /** @internal The parsed graph and its evaluation state (not part of the API). */
  declare readonly _tensors: Map<string, () => Tensor>;
  /** @internal The parsed graph and its evaluation state (not part of the API). */
  declare readonly _attrs: Attrs[];
  /** Names of the graph inputs `forward` expects, in order. */
  declare readonly inputNames: string[];
  /** Names of the graph outputs `forward` returns, in order. */
  declare readonly outputNames: string[];

  /** The byte budget per tensor that running the graph may allocate (see ImportOnnxOptions). */
  declare maxBytes: number;

  constructor(model: ModelProto, opts: ImportOnnxOptions = {}) {
    super();
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!(maxBytes > 0)) throw new RangeError(`importOnnx: maxBytes must be a positive number of bytes, got ${maxBytes}`);
    Object.defineProperty(this, "maxBytes", { value: maxBytes, enumerable: false, writable: true });
    const g = model.graph;
    if (g.output.length === 0) throw new Error("importOnnx: the graph has no outputs (a model must declare at least one graph output)");
    const opset = model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 1;
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, enumerable: false });
    const tensors = new Map<string, () => Tensor>();
    for (const init of g.initializer) {
      const t = tensorFromProto(init, `importOnnx: initialiser "${init.name}"`);
      tensors.set(init.name, this.registerInit(init.name, t));
    }
    const inputNames = g.input.map((v) => v.name).filter((n) => !tensors.has(n));
    const available = new Set([...inputNames, ...tensors.keys()]);
    const order = topoSort(g, available);
    for (const [i, n] of order.entries()) {
      if (n.domain !== "" && n.domain !== "ai.onnx") throw new Error(`importOnnx: node "${n.name}" uses operator ${n.domain}.${n.opType}; only the default ONNX domain is supported`);
      if (!importOps[n.opType]) throw new Error(`importOnnx: unsupported operator ${n.opType} (node "${n.name}"); supported: ${supportedImportOps().join(", ")}`);
      checkArity(n, nodeLabel(n, i));
      checkAttributeNames(n, nodeLabel(n, i));
    }
    hidden("_graph", g);
    hidden("_order", order);
    hidden("_plan", planGraph(order, g.output.map((v) => v.name)));
    hidden("_opset", opset);
    hidden("_tensors", tensors);
    hidden("_attrs", order.map((n, i) => new Attrs(n.attribute, `importOnnx: ${nodeLabel(n, i)}`)));
    hidden("inputNames", inputNames);
    hidden("outputNames", g.output.map((v) => v.name));
  }

  /** Registers an initialiser under its dotted name; returns a getter that sees reassignments (loadStateDict). */
  private registerInit(name: string, t: Tensor): () => Tensor {
    const parts = name.split(".");
    let owner: MapStore = this;
    // Dotted names nest; a name whose prefix is already a tensor (or empty parts) stays flat with "." → "_".
    const nestable = parts.every((p) => p !== "") && parts.length > 1;
    let leaf = nestable ? parts[parts.length - 1] : name.replace(/\./g, "_");
    if (nestable) {
      for (const p of parts.slice(0, -1)) {
        const child = owner.entry(p);
        if (child instanceof Holder) owner = child;
        else if (child === undefined) {
          const h = new Holder();
          owner.registerModule(p, h);
          owner = h;
        } else {
          owner = this;
          leaf = name.replace(/\./g, "_");
          break;
        }
      }
    }
    if (owner.entry(leaf) !== undefined) throw new Error(`importOnnx: initialiser name "${name}" collides with another initialiser`);
    if (t.dtype === "float32" || t.dtype === "float64") owner.registerParameter(leaf, Parameter(t));
    else owner.registerBuffer(leaf, t);
    const o = owner;
    return () => o.entry(leaf) as Tensor;
  }

  override forward(...inputs: Tensor[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputNames.length) {
      throw new Error(`OnnxModule.forward: the graph takes ${this.inputNames.length} input(s) (${this.inputNames.join(", ")}), got ${inputs.length}`);
    }
    const env = new Map<string, Tensor>();
    for (const [k, get] of this._tensors) env.set(k, get());
    this.inputNames.forEach((n, i) => {
      if (!(inputs[i] instanceof Tensor)) throw new TypeError(`OnnxModule.forward: input ${i} ("${n}") is not a Tensor`);
      env.set(n, inputs[i]);
    });
    const order = this._order, plan = this._plan, initialisers = this._tensors;
    for (let i = 0; i < order.length; i++) {
      const n = order[i];
      if (plan.skip.has(i)) continue;
      const ins = n.input.map((name) => (name === "" ? undefined : env.get(name)));
      const siluOf = plan.silu.get(i);
      let out: Tensor | (Tensor | undefined)[];
      try {
        // Every tensor the node allocates is held to the budget, not only the sizes the handlers check up front.
        const ctx = { node: n, opset: this._opset, nOutputs: n.output.length, maxBytes: this.maxBytes };
        const over = (bytes: number): never => { throw new RangeError(`importOnnx: ${nodeLabel(n, i)}: ${overBudget(bytes, this.maxBytes, "a tensor")}`); };
        out = withAllocationLimit(this.maxBytes, over, () => siluOf !== undefined ? siluFused(env.get(siluOf), n)
          : importOps[n.opType](ins, this._attrs[i], ctx));
      } catch (e) {
        const msg = (e as Error).message;
        const shapes = ins.map((t) => (t ? `${t.dtype}[${t.shape.join(", ")}]` : "-")).join(", ");
        throw new Error(msg.startsWith("importOnnx") ? msg : `importOnnx: ${nodeLabel(n, i)} with inputs (${shapes}): ${msg}`);
      }
      const outs = Array.isArray(out) ? out : [out];
      n.output.forEach((name, k) => {
        if (name === "") return;
        const t = outs[k];
        if (!t) throw new Error(`importOnnx: ${nodeLabel(n, i)} does not produce output ${k} ("${name}")`);
        env.set(name, t);
      });
      // Values nothing reads any more (initialisers stay: the module owns them).
      for (const v of plan.release[i]) if (!initialisers.has(v)) env.delete(v);
    }
    const res = this.outputNames.map((n) => {
      const t = env.get(n);
      if (!t) throw new Error(`importOnnx: graph output "${n}" was never computed`);
      return t;
    });
    return res.length === 1 ? res[0] : res;
  }
}


/** Mul(x, Sigmoid(x)) as one silu op (see ./plan.ts). */
function siluFused(x: Tensor | undefined, n: NodeProto): Tensor {
  if (!x) throw new Error(`node "${n.name}" (Mul of a fused SiLU) reads a missing input`);
  return isFloating(x.dtype) ? silu(x) : x.mul(x.sigmoid());
}

/**
 * Imports an ONNX model (bytes of a `.onnx` file) as a trainable Module. Float32,
 * float64 and int32 initialisers stored as raw data at an aligned offset are read in
 * place (no copy; a 500 MB model imports without duplicating its weights), so the
 * parameters share memory with `bytes`: do not reuse that buffer for other data while
 * the module lives (pass a copy instead), and training the module writes into it.
 * @example const m = io.importOnnx(readFileSync("model.onnx")); const y = m.forward(x);
 */
export function importOnnx(bytes: Uint8Array, opts: ImportOnnxOptions = {}): OnnxModule {
  return new OnnxModule(decodeModel(bytes), opts);
}

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /**
   * The most bytes one tensor computed by the graph may take (default 1 GiB): a node
   * that would allocate more (Tile, ConstantOfShape, Expand, Range, a broadcast, …)
   * throws naming the node and the size instead. Raise it for big batches.
   */
  maxBytes?: number;
}
