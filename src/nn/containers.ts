/**
 * Container modules: Sequential (a chain), ModuleList and ModuleDict (holders whose
 * children get the keys `0.`, `1.`, … or their dict keys), and ParameterList.
 */
import type { Tensor } from "../core/tensor.js";
import { Module, Parameter, isParameter } from "./module.js";

/**
 * Runs its modules in order, each on the previous one's output. Keys are `0.`, `1.`, …
 * (or the names given with an object).
 * @example const mlp = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 */
export class Sequential extends Module {
  private _list: Module[] = [];
  /** The registered names of `_list`'s modules, in order. */
  private _names: string[] = [];

  constructor(...mods: Module[] | [Record<string, Module>]) {
    super();
    if (mods.length === 1 && !(mods[0] instanceof Module) && typeof mods[0] === "object") {
      for (const [k, m] of Object.entries(mods[0] as Record<string, Module>)) this.add(k, m);
    } else {
      (mods as Module[]).forEach((m, i) => this.add(String(i), m));
    }
  }

  private add(name: string, m: Module): void {
    if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${name} is not a Module`);
    this.registerModule(name, m);
  }

  /**
   * Registers a child as Module does and keeps forward's order in step with it:
   * re-registering a name replaces that module where it runs (as PyTorch's
   * `seq[0] = m` / `register_module("0", m)`), a new name runs last, null removes it.
   */
  override registerModule(name: string, module: Module | null): void {
    super.registerModule(name, module);
    const i = this._names.indexOf(name);
    if (module === null) {
      if (i >= 0) { this._names.splice(i, 1); this._list.splice(i, 1); }
    } else if (i >= 0) {
      this._list[i] = module;
    } else {
      this._names.push(name);
      this._list.push(module);
    }
  }

  /** Appends a module (key = its index); returns this. */
  append(m: Module): this {
    this.add(String(this._list.length), m);
    return this;
  }

  /** The i-th module (negative counts from the end). */
  get(i: number): Module {
    const j = i < 0 ? this._list.length + i : i;
    if (j < 0 || j >= this._list.length) throw new RangeError(`Sequential.get: index ${i} out of range for ${this._list.length} modules`);
    return this._list[j];
  }

  /** Number of modules. */
  get length(): number {
    return this._list.length;
  }

  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this._list[Symbol.iterator]();
  }

  /** Feeds `x` through every module in turn. */
  override forward(x: unknown): any {
    let y = x;
    for (const m of this._list) y = m.forward(y);
    return y;
  }
}

/**
 * Holds sub-modules in a list (keys `0.`, `1.`, …) so their parameters are found;
 * it has no forward of its own.
 * @example this.layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 */
export class ModuleList<M extends Module = Module> extends Module {
  private _list: M[] = [];

  constructor(mods: Iterable<M> = []) {
    super();
    for (const m of mods) this.append(m);
  }

  /** Appends a module; returns this. */
  append(m: M): this {
    if (!(m instanceof Module)) throw new TypeError(`ModuleList.append: item ${this._list.length} is not a Module`);
    this.registerModule(String(this._list.length), m);
    this._list.push(m);
    return this;
  }

  /** Appends every module of `mods`; returns this. */
  extend(mods: Iterable<M>): this {
    for (const m of mods) this.append(m);
    return this;
  }

  /** The i-th module (negative counts from the end). */
  get(i: number): M {
    const j = i < 0 ? this._list.length + i : i;
    if (j < 0 || j >= this._list.length) throw new RangeError(`ModuleList.get: index ${i} out of range for ${this._list.length} modules`);
    return this._list[j];
  }

  /** Number of modules. */
  get length(): number {
    return this._list.length;
  }

  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this._list[Symbol.iterator]();
  }

  /** Maps over the modules. */
  map<T>(fn: (m: M, i: number) => T): T[] {
    return this._list.map(fn);
  }
}

/**
 * Holds sub-modules by name (keys are the names, in insertion order).
 * @example this.heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 */
export class ModuleDict<M extends Module = Module> extends Module {
  private _map = new Map<string, M>();

  constructor(mods: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in (mods as object) ? (mods as Iterable<[string, M]>) : Object.entries(mods as Record<string, M>);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Adds or replaces the module under `key`; returns this. */
  set(key: string, m: M): this {
    this.registerModule(key, m);
    this._map.set(key, m);
    return this;
  }

  /** The module under `key`. */
  get(key: string): M {
    const m = this._map.get(key);
    if (!m) throw new Error(`ModuleDict.get: no module named "${key}" (have ${[...this._map.keys()].join(", ")})`);
    return m;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this._map.has(key);
  }

  /** Keys in insertion order. */
  keys(): string[] {
    return [...this._map.keys()];
  }

  /** Modules in insertion order. */
  values(): M[] {
    return [...this._map.values()];
  }

  /** [key, module] pairs in insertion order. */
  entries(): [string, M][] {
    return [...this._map.entries()];
  }

  /** Number of modules. */
  get size(): number {
    return this._map.size;
  }
}

/**
 * Holds parameters in a list (keys `0`, `1`, …).
 * @example this.scales = new nn.ParameterList([my.ones([4]), my.ones([4])]);
 */
export class ParameterList extends Module {
  private _list: Tensor[] = [];

  constructor(params: Iterable<Tensor> = []) {
    super();
    for (const p of params) this.append(p);
  }

  /** Appends a tensor (marked as a parameter if it is not one); returns this. */
  append(p: Tensor): this {
    const q = isParameter(p) ? p : Parameter(p);
    this.registerParameter(String(this._list.length), q);
    this._list.push(q);
    return this;
  }

  /** The i-th parameter. */
  get(i: number): Tensor {
    const j = i < 0 ? this._list.length + i : i;
    if (j < 0 || j >= this._list.length) throw new RangeError(`ParameterList.get: index ${i} out of range for ${this._list.length} parameters`);
    return this._list[j];
  }

  /** Number of parameters. */
  get length(): number {
    return this._list.length;
  }

  /** Iterates over the parameters in order. */
  [Symbol.iterator](): Iterator<Tensor> {
    return this._list[Symbol.iterator]();
  }

  override extraRepr(): string {
    return this._list.map((p, i) => `(${i}): Parameter containing: [torch.${p.dtype === "float64" ? "DoubleTensor" : "FloatTensor"} of size ${p.shape.join("x")}]`).join("\n");
  }
}
