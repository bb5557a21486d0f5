/**
 * `nn.Module`: the base class of every layer. Parameters, buffers and child modules
 * are found by reflection over the instance's own fields in definition order (like
 * tinygrad/Flux), so a layer is just a class with fields; state-dict keys are the
 * field names in snake_case, which makes them PyTorch's (`runningMean` →
 * `running_mean`, `weightIhL0` → `weight_ih_l0`). Explicit `registerParameter`,
 * `registerModule` and `registerBuffer` set a key directly where the mapping does not fit.
 */
import { Tensor, moveInPlace, moveToCpuInPlace } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { isFloating, type DType } from "../core/dtype.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import "../ops/inplace.js";
import { setOwn } from "../core/records.js";
import { checkDevice, isDeviceName, type Device } from "../core/storage.js";

const PARAMS = new WeakSet<Tensor>();

/**
 * Marks `t` as a module parameter (PyTorch's `nn.Parameter`) and returns the same
 * tensor with `requiresGrad` set. A field holding a parameter is found by reflection.
 * @example this.weight = nn.Parameter(my.randn([3, 2]));
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${typeof t}`);
  if (!t.isLeaf) t = t.detach();
  if (requiresGrad) t.requiresGrad_(true);
  PARAMS.add(t);
  return t;
}

/** Whether `t` was marked with `Parameter`. */
export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && PARAMS.has(t);
}

/** camelCase field name → PyTorch's snake_case key (`inProjWeight` → `in_proj_weight`). */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
}

/** snake_case key → camelCase field name (`running_mean` → `runningMean`). */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type Kind = "param" | "buffer" | "module";
interface Slot {
  key: string;
  kind: Kind;
  persistent: boolean;
}

/** Result of `loadStateDict`. */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class for all layers and models. Subclasses assign parameters
 * (`nn.Parameter(t)`), sub-modules and buffers (`registerBuffer`) to fields in their
 * constructor and implement `forward`. Order is the fields' definition order: a
 * declared class field (`fc!: Linear`) takes its place at declaration, so declare
 * fields in the order PyTorch would register them to get PyTorch's state-dict order.
 * @example class MLP extends nn.Module { fc = new nn.Linear(4, 2); forward(x) { return this.fc.forward(x); } }
 */
export class Module {
  /** Whether the module is in training mode (see `train()` / `eval()`). */
  training = true;
  /** Field name → slot, in registration (= field definition) order. */
  declare _slots: Map<string, Slot>;

  constructor() {
    Object.defineProperty(this, "_slots", { value: new Map<string, Slot>(), enumerable: false, writable: true });
  }

  /** The computation; subclasses override it. */
  forward(..._args: unknown[]): unknown {
    throw new Error(`${this.constructor.name}.forward: not implemented (subclasses of nn.Module must define forward)`);
  }

  /** Picks up fields assigned since the last scan (a field keeps its first-seen position). */
  private _sync(check = true): Map<string, Slot> {
    const slots = this._slots;
    const arrays: [string, unknown[]][] = [];
    for (const field of Object.keys(this)) {
      if (field.startsWith("_") || slots.has(field)) continue;
      const v = (this as Record<string, unknown>)[field];
      if (v instanceof Module) slots.set(field, { key: snakeCase(field), kind: "module", persistent: true });
      else if (isParameter(v)) slots.set(field, { key: snakeCase(field), kind: "param", persistent: true });
      else if (check && Array.isArray(v)) arrays.push([field, v]);
    }
    if (arrays.length) this._checkArrays(arrays);
    return slots;
  }

  /**
   * PyTorch silently ignores modules and parameters kept in plain lists, a classic
   * source of untrained weights; here an unregistered one is an error. (Arrays that
   * only alias registered members are fine.)
   */
  private _checkArrays(arrays: [string, unknown[]][]): void {
    const own = new Set<unknown>();
    const visit = (m: Module): void => {
      for (const [field, slot] of m._sync(false)) {
        const v = m._field(field);
        if (slot.kind === "buffer" || own.has(v)) continue;
        own.add(v);
        if (v instanceof Module) visit(v);
      }
    };
    visit(this);
    for (const [field, arr] of arrays) {
      for (const x of arr) {
        if ((x instanceof Module || isParameter(x)) && !own.has(x)) {
          throw new Error(
            `${this.constructor.name}: field "${field}" holds a plain array with an unregistered ${x instanceof Module ? "module" : "parameter"}, ` +
              "whose weights would be invisible to parameters() and stateDict(); use nn.ModuleList (or nn.ParameterList) instead",
          );
        }
      }
    }
  }

  /**
   * Storage hooks: a registered entry lives on the field `_fieldName(key)` of the
   * instance. Subclasses whose entry names come from files (the ONNX importer) keep
   * them in a Map instead, so a name such as "forward" or "__proto__" cannot collide
   * with the module's own members.
   */
  protected _field(field: string): unknown {
    return (this as Record<string, unknown>)[field];
  }

  protected _setField(field: string, value: unknown): void {
    (this as Record<string, unknown>)[field] = value;
  }

  protected _fieldName(key: string): string {
    return camelCase(key);
  }

  private _register(name: string, value: unknown, kind: Kind, persistent: boolean, op: string): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new Error(`${op}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    }
    const slots = this._sync(false);
    const field = this._fieldName(name);
    const prev = slots.get(field);
    if (prev && prev.kind !== kind) throw new Error(`${op}: "${name}" is already registered as a ${prev.kind}`);
    this._setField(field, value);
    if (prev) slots.delete(field);
    slots.set(field, { key: name, kind, persistent });
  }

  /**
   * Registers a parameter under the exact state-dict key `name` (stored on the field
   * `camelCase(name)`); `null` reserves the slot, as PyTorch's `register_parameter(name, None)`.
   */
  registerParameter(name: string, param: Tensor | null): void {
    if (param !== null && !isParameter(param)) param = Parameter(param);
    this._register(name, param, "param", true, "registerParameter");
  }

  /** Registers a child module under the exact key `name` (field `camelCase(name)`). */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`registerModule: "${name}" is not a Module`);
    this._register(name, module, "module", true, "registerModule");
  }

  /** Same as `registerModule`. */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  /**
   * Registers a tensor that is state but not a parameter (e.g. BatchNorm's running
   * mean) under the exact key `name`, reachable as the field `camelCase(name)`.
   * Non-persistent buffers are left out of `stateDict()`.
   * @example this.registerBuffer("running_mean", my.zeros([c]));
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: "${name}" is not a Tensor`);
    this._register(name, tensor, "buffer", opts.persistent ?? true, "registerBuffer");
  }

  /** Own entries of one kind: [key, value, field, slot]. */
  /** @internal */
  *_own<T>(kind: Kind): Generator<[string, T, string, Slot]> {
    for (const [field, slot] of this._sync()) {
      if (slot.kind !== kind) continue;
      const v = this._field(field);
      // A field reassigned to something else (a plain tensor, null) drops out, as reflection would see it.
      if (kind === "param" ? !isParameter(v) : kind === "module" ? !(v instanceof Module) : !(v instanceof Tensor)) continue;
      yield [slot.key, v as T, field, slot];
    }
  }

  /** Direct children with their keys. */
  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [k, m] of this._own<Module>("module")) {
      if (seen.has(m)) continue;
      seen.add(m);
      yield [k, m];
    }
  }

  /** Direct children. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and all descendants with dotted names ("" for this one), each once. */
  *namedModules(prefix = "", memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [k, m] of this._own<Module>("module")) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, memo);
  }

  /** This module and all descendants. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** All parameters with dotted keys (a shared parameter appears once). */
  *namedParameters(opts: { recurse?: boolean } = {}): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = opts.recurse === false ? [["", this]] : [...this.namedModules()];
    for (const [prefix, m] of mods) {
      for (const [k, p] of m._own<Tensor>("param")) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [prefix ? `${prefix}.${k}` : k, p];
      }
    }
  }

  /** All parameters (e.g. for an optimizer). */
  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    return [...this.namedParameters(opts)].map(([, p]) => p);
  }

  /** All buffers with dotted keys. */
  *namedBuffers(opts: { recurse?: boolean } = {}): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = opts.recurse === false ? [["", this]] : [...this.namedModules()];
    for (const [prefix, m] of mods) {
      for (const [k, b] of m._own<Tensor>("buffer")) {
        if (seen.has(b)) continue;
        seen.add(b);
        yield [prefix ? `${prefix}.${k}` : k, b];
      }
    }
  }

  /** All buffers. */
  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return [...this.namedBuffers(opts)].map(([, b]) => b);
  }

  /** Total number of parameter elements (trainable only with `{trainableOnly: true}`). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  /** Walks the tree in PyTorch's state-dict order: own params, own buffers, children. */
  private _stateEntries(prefix: string, out: [string, Tensor, Module, string][]): void {
    for (const [k, p, field] of this._own<Tensor>("param")) out.push([prefix + k, p, this, field]);
    for (const [k, b, field, slot] of this._own<Tensor>("buffer")) if (slot.persistent) out.push([prefix + k, b, this, field]);
    for (const [k, m] of this._own<Module>("module")) m._stateEntries(`${prefix}${k}.`, out);
  }

  /**
   * Parameters and persistent buffers by PyTorch's keys and order; the tensors are
   * detached and share storage with the module's.
   */
  stateDict(): Record<string, Tensor> {
    const entries: [string, Tensor, Module, string][] = [];
    this._stateEntries("", entries);
    const sd: Record<string, Tensor> = {};
    for (const [k, t] of entries) setOwn(sd, k, t.detach());
    return sd;
  }

  /**
   * Copies `stateDict` values into this module's parameters and buffers in place.
   * Strict mode (default) raises if keys are missing or unexpected; a shape mismatch
   * always raises, naming the key and both shapes.
   */
  loadStateDict(stateDict: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const entries: [string, Tensor, Module, string][] = [];
    this._stateEntries("", entries);
    const own = new Set(entries.map(([k]) => k));
    // Own keys only: a key such as "constructor" must not be found on Object.prototype.
    const has = (k: string): boolean => Object.hasOwn(stateDict, k);
    const missingKeys = entries.map(([k]) => k).filter((k) => !has(k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !own.has(k));
    const errors: string[] = [];
    for (const [k, t] of entries) {
      if (!has(k)) continue;
      const v = stateDict[k];
      if (!(v instanceof Tensor)) {
        errors.push(`value for "${k}" is not a Tensor`);
      } else if (!shapesEqual(v.shape, t.shape)) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(v.shape)} from the state dict, the shape in the current model is ${fmtShape(t.shape)}`);
      }
    }
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (errors.length) {
      throw new Error(`loadStateDict: error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => {
      for (const [k, t] of entries) if (has(k)) t.copy_(stateDict[k]);
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, BatchNorm uses running stats. */
  eval(): this {
    return this.train(false);
  }

  /** Clears (default) or zeroes the gradients of every parameter. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad!.zero_());
    }
  }

  /** Calls `fn` on every descendant (children first) and then on this module; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Sets `requiresGrad` on every parameter (freezing with `false`); returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /**
   * Converts floating-point parameters and buffers to `dtype` (integer buffers such
   * as `num_batches_tracked` keep theirs). Shared parameters stay shared. Also takes a
   * device (`to("cpu")`, `to("cpu", "float64")`, `to({device, dtype})`), as PyTorch;
   * an unknown or unavailable device throws naming it and the available ones.
   */
  to(dtypeOrDevice: DType | Device | { device?: Device; dtype?: DType }, maybeDtype?: DType): this {
    // PyTorch's module.to(device), to(device, dtype), to(dtype) and to({device, dtype}).
    let dtype: DType | undefined;
    let device: Device | undefined;
    if (typeof dtypeOrDevice === "object" && dtypeOrDevice !== null) {
      for (const k of Object.keys(dtypeOrDevice)) {
        if (k !== "device" && k !== "dtype") throw new Error(`Module.to: unknown option ${JSON.stringify(k)}; expected {device, dtype}`);
      }
      if (dtypeOrDevice.device !== undefined) device = checkDevice(dtypeOrDevice.device, "Module.to");
      dtype = dtypeOrDevice.dtype;
    } else if (isDeviceName(dtypeOrDevice) || /^(cuda|mps|gpu|xpu|meta|webgl|wasm)(:\d+)?$/.test(String(dtypeOrDevice))) {
      device = checkDevice(dtypeOrDevice, "Module.to");
      dtype = maybeDtype;
    } else {
      dtype = dtypeOrDevice;
    }
    // dtype first (on the CPU), then the move, so a float64 model can go to a float32-only device.
    this.convertDtype(dtype);
    if (device !== undefined) moveModule(this, device);
    return this;
  }

  /**
   * `to(device)` for any device: moving off a GPU reads its memory, which is
   * asynchronous. Parameters and buffers move in place (optimizers keep working).
   */
  async toAsync(device: Device | { device?: Device; dtype?: DType }, dtype?: DType): Promise<this> {
    const o = typeof device === "object" ? device : { device, dtype };
    const dev = o.device === undefined ? undefined : checkDevice(o.device, "Module.toAsync");
    if (dev === "cpu") await moveModuleToCpu(this);
    return this.to({ ...(dev === undefined ? {} : { device: dev }), ...(o.dtype === undefined ? {} : { dtype: o.dtype }) });
  }

  private convertDtype(dtype: DType | undefined): void {
    if (dtype === undefined) return;
    if (!isFloating(dtype)) throw new TypeError(`Module.to: only floating-point dtypes are supported, got ${dtype}`);
    const memo = new Map<Tensor, Tensor>();
    const convert = (t: Tensor, param: boolean): Tensor => {
      if (!isFloating(t.dtype) || t.dtype === dtype) return t;
      let n = memo.get(t);
      if (!n) {
        n = noGrad(() => t.to(dtype));
        if (param) n = Parameter(n, t.requiresGrad);
        if (t.grad) n.grad = noGrad(() => t.grad!.to(dtype));
        memo.set(t, n);
      }
      return n;
    };
    for (const m of this.modules()) {
      for (const [, p, field] of m._own<Tensor>("param")) m._setField(field, convert(p, true));
      for (const [, b, field] of m._own<Tensor>("buffer")) m._setField(field, convert(b, false));
    }
  }

  /** Same as `to("float64")`. */
  double(): this {
    return this.to("float64");
  }

  /** Same as `to("float32")`. */
  float(): this {
    return this.to("float32");
  }

  /** The layer's settings inside the parentheses of its repr, as PyTorch's `extra_repr`. */
  extraRepr(): string {
    return "";
  }

  /** The module tree exactly as PyTorch's `repr(module)` prints it. */
  repr(): string {
    const name = this.constructor.name;
    const extra = this.extraRepr();
    const lines = extra ? extra.split("\n") : [];
    for (const [k, m] of this._own<Module>("module")) {
      const sub = m.repr().split("\n").join("\n  ");
      lines.push(`(${k}): ${sub}`);
    }
    if (lines.length === 0) return `${name}()`;
    const hasChildren = lines.length > (extra ? extra.split("\n").length : 0);
    if (!hasChildren && lines.length === 1) return `${name}(${lines[0]})`;
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }

  /** The PyTorch-style tree (`repr()`) followed by a parameter count line. */
  toString(): string {
    const total = this.numParameters();
    const trainable = this.numParameters({ trainableOnly: true });
    const count = trainable === total ? `${total.toLocaleString("en-US")} parameters` : `${total.toLocaleString("en-US")} parameters (${trainable.toLocaleString("en-US")} trainable)`;
    return `${this.repr()}\n${count}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Formats a JS value the way Python's repr prints it inside PyTorch's `extra_repr`. */
export function pyRepr(v: unknown, float = false): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0], float)},)` : `(${v.map((x) => pyRepr(x, float)).join(", ")})`;
  if (typeof v === "number") return float ? pyFloat(v) : String(v);
  return String(v);
}

/** Python's float repr: `1.0`, `0.1`, `1e-05`, `inf`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const [mant, expS] = x.toExponential().split("e");
  const exp = Number(expS);
  if (exp < -4 || exp >= 16) {
    const m = mant.includes(".") ? mant : mant;
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** Every parameter and buffer of `m` (each once, shared ones included) and their gradients. */
function tensorsOf(m: Module): Tensor[] {
  const seen = new Set<Tensor>();
  for (const sub of m.modules()) {
    for (const [, t] of sub._own<Tensor>("param")) seen.add(t);
    for (const [, t] of sub._own<Tensor>("buffer")) seen.add(t);
  }
  const out: Tensor[] = [];
  for (const t of seen) {
    out.push(t);
    if (t.grad) out.push(t.grad);
  }
  return out;
}

/** Module.to(device): parameters, buffers and gradients move in place. */
function moveModule(m: Module, device: Device): void {
  for (const t of tensorsOf(m)) moveInPlace(t, device, "Module.to");
}

/** Module.toAsync("cpu"): waits for each device tensor's memory. */
async function moveModuleToCpu(m: Module): Promise<void> {
  for (const t of tensorsOf(m)) await moveToCpuInPlace(t);
}
