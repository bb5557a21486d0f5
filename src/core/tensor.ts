/**
 * The Tensor class: contiguous row-major storage in a TypedArray, a shape, a dtype,
 * and its place in the autograd graph. Ops are attached to the prototype by the
 * files in src/ops (module augmentation), so this file stays small and import-free
 * of op code.
 */
import { AccumulateGrad, Node, isGradEnabled, type BackwardFn } from "./autograd.js";
import { allocArray, checkDType, isFloating, type DType, type TypedArray } from "./dtype.js";
import { fmtShape, normDim, numel } from "./shape.js";
import { currentBackend } from "../backends/backend.js";
import { addSuffixes, formatTensor } from "./format.js";

/** Nested array type returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

export class Tensor {
  /** Row-major contiguous storage; may be shared with aliases (reshape/view). */
  _data: TypedArray;
  readonly shape: number[];
  readonly dtype: DType;
  /** Version counter shared by all aliases of the storage (bumped by in-place ops). */
  _version: { v: number };
  _gradFn: Node | null = null;
  private _leafRequiresGrad = false;
  private _accNode: AccumulateGrad | null = null;
  /** Accumulated gradient (leaf tensors, or non-leaves after retainGrad()). */
  grad: Tensor | null = null;

  /** @internal Use `my.tensor(...)` and the creation functions instead. */
  constructor(data: TypedArray, shape: number[], dtype: DType, version?: { v: number }) {
    this._data = data;
    this.shape = shape;
    this.dtype = dtype;
    this._version = version ?? { v: 0 };
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to this tensor (true for outputs of ops on such tensors). */
  get requiresGrad(): boolean {
    return this._leafRequiresGrad || this._gradFn !== null;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** True for tensors created by the user (not by an op that records gradients). */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** The backward node that produced this tensor, or null for leaves. */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /** Sets `requiresGrad` in place on a leaf tensor and returns it. */
  requiresGrad_(flag = true): this {
    if (this._gradFn !== null) {
      if (!flag) {
        throw new Error("requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach() instead");
      }
      return this;
    }
    if (flag && !isFloating(this.dtype)) {
      throw new TypeError(`requiresGrad_: only floating-point tensors can require gradients, got dtype ${this.dtype}`);
    }
    this._leafRequiresGrad = flag;
    return this;
  }

  /** @internal The AccumulateGrad node of a leaf that requires grad. */
  _gradEdge(): Node | null {
    if (this._gradFn) return this._gradFn;
    if (!this._leafRequiresGrad) return null;
    return (this._accNode ??= new AccumulateGrad(this));
  }

  /** Keeps `.grad` for this non-leaf tensor after backward (leaves always keep it). */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: called on a tensor that does not require grad");
    const node = this._gradFn;
    if (node) (node.retained ??= []).push(this);
    return this;
  }

  /** Total number of elements. */
  numel(): number {
    return this._data.length === numel(this.shape) ? this._data.length : numel(this.shape);
  }

  /** The full shape, or the size of one dim (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normDim(dim, this.ndim, "size")];
  }

  /** The value of a one-element tensor as a JS number (booleans as 0/1 are returned as booleans). */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(`item: only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`);
    }
    return this._data[0];
  }

  /** A copy of the elements in row-major order, as a TypedArray of this dtype. */
  data(): TypedArray {
    return this._data.slice();
  }

  /** The elements as nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    const d = this._data;
    const isBool = this.dtype === "bool";
    const shape = this.shape;
    if (shape.length === 0) return isBool ? d[0] !== 0 : d[0];
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = shape[dim];
      const out = new Array<NestedArray>(n);
      if (dim === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = isBool ? d[pos++] !== 0 : d[pos++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(dim + 1);
      }
      return out;
    };
    return build(0);
  }

  /** A tensor sharing storage with this one but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this._data, this.shape.slice(), this.dtype, this._version);
  }

  /** Detaches in place (makes this a leaf that does not require grad). */
  detach_(): this {
    this._gradFn = null;
    this._leafRequiresGrad = false;
    return this;
  }

  /** Converts to `dtype` (a copy; returns `this` when the dtype already matches). Differentiable between float types. */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    checkDType(dtype, "to");
    const out = new Tensor(allocArray(dtype, this._data.length), this.shape.slice(), dtype);
    currentBackend().cast(this._data, out._data);
    if (isFloating(dtype) && isFloating(this.dtype)) {
      const src = this.dtype;
      record(out, "ToCopyBackward", [this], (g) => [g.to(src)]);
    }
    return out;
  }

  /** Same as `to("float32")`. */
  float(): Tensor {
    return this.to("float32");
  }

  /** Same as `to("float64")`. */
  double(): Tensor {
    return this.to("float64");
  }

  /** Same as `to("int32")`. */
  int(): Tensor {
    return this.to("int32");
  }

  /** Same as `to("bool")`. */
  bool(): Tensor {
    return this.to("bool");
  }

  /** @internal Marks the storage modified in place. */
  _bump(): void {
    this._version.v++;
  }

  /**
   * PyTorch-style printout, e.g. `tensor([[1.0000, 2.0000]], requiresGrad=true)`.
   * The numbers are laid out exactly as PyTorch's repr; only the keywords are
   * spelled the myelin way (`dtype=float64`, `gradFn=<MulBackward>`).
   */
  toString(): string {
    const suffixes: string[] = [];
    if (this.numel() === 0) {
      // An empty tensor shows its shape unless it is [0], and its dtype unless float32.
      if (this.shape.length !== 1) suffixes.push(`size=(${this.shape.join(", ")}${this.shape.length === 1 ? "," : ""})`);
      if (this.dtype !== "float32") suffixes.push(`dtype=${this.dtype}`);
    } else if (this.dtype === "float64") {
      // Like PyTorch, the default float and int dtypes (and bool) are implied by the values.
      suffixes.push("dtype=float64");
    }
    if (this._gradFn) suffixes.push(`gradFn=<${this._gradFn.name}>`);
    else if (this._leafRequiresGrad) suffixes.push("requiresGrad=true");
    return addSuffixes("tensor(" + formatTensor(this._data, this.shape, this.dtype, 7), suffixes, 7);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Whether an op on these inputs must record a backward node. */
export function needsGrad(a: Tensor, b?: Tensor, c?: Tensor): boolean {
  if (!isGradEnabled()) return false;
  return a.requiresGrad || (b !== undefined && b.requiresGrad) || (c !== undefined && c.requiresGrad);
}

/**
 * Attaches a backward node to `out` if grad mode is on and any input requires grad.
 * `saved` lists tensors the backward reads (version-checked against in-place edits).
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], fn: BackwardFn, saved?: Tensor[]): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  const next = new Array<Node | null>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const e = inputs[i]._gradEdge();
    next[i] = e;
    if (e) any = true;
  }
  if (!any) return out;
  if (!isFloating(out.dtype)) return out;
  out._gradFn = new Node(name, next, fn, saved ?? null);
  return out;
}

/** Makes a new tensor of `shape`/`dtype` around `data` (internal fast path for ops). */
export function make(data: TypedArray, shape: number[], dtype: DType): Tensor {
  return new Tensor(data, shape, dtype);
}

/** Allocates an uninitialised (zeroed) tensor. */
export function empty(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocArray(dtype, numel(shape)), shape, dtype);
}
