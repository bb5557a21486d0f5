/**
 * The Tensor class: a view of a Storage (device-aware memory shared by all views of
 * it) given by an element offset, a shape and strides, plus a dtype and its place in
 * the autograd graph. Ops are attached to the prototype by the files in src/ops
 * (module augmentation), so this file stays small and import-free of op code.
 *
 * Kernels read `_data`: the tensor's elements as a contiguous row-major TypedArray.
 * For a contiguous tensor that is a zero-copy window of the storage (writes through it
 * land in the storage); for a non-contiguous view it is a gathered copy, cached until
 * the storage's version changes (every in-place write bumps it). In-place ops on a
 * non-contiguous view scatter through the strides (see `_writeData`).
 */
import { AccumulateGrad, Node, isGradEnabled, type BackwardFn } from "./autograd.js";
import { allocArray, allocUninit, checkDType, isFloating, type DType, type TypedArray } from "./dtype.js";
import { contiguousStrides, fmtShape, normDim, numel } from "./shape.js";
import { currentBackend } from "../backends/backend.js";
import { addSuffixes, formatTensor } from "./format.js";
import { AVAILABLE_DEVICES, CpuStorage, DeviceArray, Storage, checkDevice, deviceProvider, isDeviceName, type Device } from "./storage.js";

/** Nested array type returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

/** Options of `to({device, dtype})`. */
export interface ToOptions { device?: Device; dtype?: DType }

/** View flags: an output of split/chunk/unbind (PyTorch forbids in-place on those under autograd). */
export const VIEW_MULTI_OUTPUT = 1;
/** View flag: made under noGrad (PyTorch forbids in-place on it with grad mode on). */
export const VIEW_NO_GRAD = 2;

export class Tensor {
  /** The memory this tensor views (shared with every view of it). */
  _storage: Storage;
  /** Element offset of element [0, ..., 0] in the storage. */
  _offset = 0;
  /** Element strides per dim; null means contiguous row-major (the common case, no array kept). */
  _strides: number[] | null = null;
  /** Zero-copy contiguous window of the storage; null for non-contiguous views and non-CPU storage. */
  _arr: TypedArray | null;
  readonly shape: number[];
  readonly dtype: DType;
  /** Version counter shared by all views of the storage (bumped by in-place ops). */
  _version: { v: number };
  _gradFn: Node | null = null;
  /** The tensor this one is a (differentiable) view of; always a non-view tensor. */
  _base: Tensor | null = null;
  /** Storage version at which a view's `_gradFn` was made (it is rebuilt after an in-place write). */
  _viewVer = 0;
  /** VIEW_* flags of a view. */
  _viewFlags = 0;
  private _leafRequiresGrad = false;
  private _accNode: AccumulateGrad | null = null;
  /** Gathered copy of a non-contiguous view and the version it was taken at. */
  private _gathered: TypedArray | null = null;
  private _gatheredVer = -1;
  /** Accumulated gradient (leaf tensors, or non-leaves after retainGrad()). */
  grad: Tensor | null = null;

  /** @internal Use `my.tensor(...)` and the creation functions instead. */
  constructor(data: TypedArray | Storage, shape: number[], dtype: DType, version?: { v: number }) {
    if (data instanceof Storage) {
      this._storage = data;
      this._arr = data.array;
    } else {
      this._storage = new CpuStorage(data, dtype);
      this._arr = data;
    }
    this.shape = shape;
    this.dtype = dtype;
    this._version = version ?? { v: 0 };
  }

  /** Contiguous row-major elements (zero-copy when contiguous; see the file header). */
  get _data(): TypedArray {
    const a = this._arr;
    return a !== null ? a : this._gather();
  }

  /**
   * @internal What kernels receive: `_data` on the CPU; on another device a
   * {@link DeviceArray} window of the storage (gathered contiguous first for a strided
   * view, on that device), typed as a TypedArray so one kernel call serves every device
   * (the device router sends a call holding one to that device's backend).
   */
  get _buf(): TypedArray {
    const a = this._arr;
    if (a !== null) return a;
    if (this._storage.array !== null) return this._gather();
    const n = numel(this.shape);
    if (this._strides === null) return new DeviceArray(this._storage, this._offset, n, this.dtype) as unknown as TypedArray;
    const v = this._version.v;
    if (this._gathered !== null && this._gatheredVer === v) return this._gathered;
    const whole = new DeviceArray(this._storage, 0, this._storage.length, this.dtype) as unknown as TypedArray;
    const out = new DeviceArray(allocOn(this.device, this.dtype, n) as Storage, 0, n, this.dtype) as unknown as TypedArray;
    currentBackend().strided(whole, this._offset, this.shape, this._strides, out);
    this._gathered = out;
    this._gatheredVer = v;
    return out;
  }

  private _gather(): TypedArray {
    const src = this._storage.array;
    if (src === null) throw syncReadError(this.device, "data", "dataAsync");
    const v = this._version.v;
    if (this._gathered !== null && this._gatheredVer === v) return this._gathered;
    const out = allocArray(this.dtype, numel(this.shape));
    currentBackend().strided(src, this._offset, this.shape, this._strides!, out);
    this._gathered = out;
    this._gatheredVer = v;
    return out;
  }

  /** The device the storage lives on ("cpu"). */
  get device(): Device {
    return this._storage.device;
  }

  /** Strides in elements (all of them, or of one dim), as PyTorch's `stride()`. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const s = this._strides ?? contiguousStrides(this.shape);
    return dim === undefined ? s.slice() : s[normDim(dim, this.ndim, "stride")];
  }

  /** Offset of the first element in the storage, in elements (PyTorch's `storage_offset()`). */
  storageOffset(): number {
    return this._offset;
  }

  /** The storage this tensor views: views of one tensor return the same object. */
  untypedStorage(): Storage {
    return this._storage;
  }

  /** Whether the elements lie in row-major order without gaps (PyTorch's rule: size-1 dims' strides do not matter). */
  isContiguous(): boolean {
    return this._strides === null || isContiguousGeometry(this.shape, this._strides);
  }

  /** Whether this tensor is a view of another (`_base`). */
  isView(): boolean {
    return this._base !== null;
  }

  /**
   * @internal Writes contiguous `src` (this dtype, numel elements) into this tensor's
   * elements, scattering through the strides when it is a non-contiguous view.
   */
  _writeData(src: TypedArray): void {
    const a = this._arr;
    if (a !== null) {
      if (src !== a) a.set(src);
      return;
    }
    const dst = this._storage.array;
    if (dst === null) {
      // A device tensor: from a CPU array, contiguous windows take an upload and strided
      // views upload then scatter on the device; from device memory, a copy on the device.
      let from: DeviceArray;
      if (src instanceof DeviceArray) {
        if (src.storage === this._storage && src.offset === this._offset && this._strides === null) return; // its own window
        from = src;
      } else {
        const p = deviceProvider(this.device, "in-place write");
        if (this._strides === null) { p.write(this._storage, this._offset, src); return; }
        const staged = p.fromCpu(src, this.dtype);
        from = new DeviceArray(staged, 0, staged.length, this.dtype);
      }
      const whole = new DeviceArray(this._storage, 0, this._storage.length, this.dtype) as unknown as TypedArray;
      const strides = this._strides ?? contiguousStrides(this.shape);
      currentBackend().stridedAssign(from as unknown as TypedArray, whole, this._offset, this.shape, strides, false);
      return;
    }
    currentBackend().stridedAssign(src, dst, this._offset, this.shape, this._strides!, false);
  }

  /** @internal Throws PyTorch's error when some element of this tensor aliases another (an expanded view). */
  _checkNoOverlap(): void {
    const st = this._strides;
    if (st === null) return;
    for (let i = 0; i < st.length; i++) {
      if (st[i] === 0 && this.shape[i] > 1) {
        throw new Error(
          "unsupported operation: more than one element of the written-to tensor refers to a single memory location. " +
            "Please clone() the tensor before performing the operation.",
        );
      }
    }
  }

  /** @internal Rebuilds a view's grad_fn after its storage was written in place (PyTorch's AsStridedBackward). */
  _syncView(): void {
    const base = this._base!;
    this._viewVer = this._version.v;
    // A view made under noGrad stays out of the graph, as in PyTorch.
    this._gradFn = viewRegrad === null || (this._viewFlags & VIEW_NO_GRAD) !== 0 ? null : viewRegrad(this, base);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether gradients flow to this tensor (true for outputs of ops on such tensors). */
  get requiresGrad(): boolean {
    if (this._base !== null && this._viewVer !== this._version.v) this._syncView();
    return this._leafRequiresGrad || this._gradFn !== null;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** True for tensors created by the user (not by an op that records gradients). */
  get isLeaf(): boolean {
    if (this._base !== null && this._viewVer !== this._version.v) this._syncView();
    return this._gradFn === null;
  }

  /** The backward node that produced this tensor, or null for leaves. */
  get gradFn(): Node | null {
    if (this._base !== null && this._viewVer !== this._version.v) this._syncView();
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
    if (this._base !== null && this._viewVer !== this._version.v) this._syncView();
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
    return numel(this.shape);
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
    const a = this._storage.array;
    if (a === null) throw syncReadError(this.device, "item", "itemAsync");
    return a[this._offset];
  }

  /** A copy of the elements in row-major order, as a TypedArray of this dtype. */
  data(): TypedArray {
    if (this._storage.array === null) throw syncReadError(this.device, "data", "dataAsync");
    return this._data.slice();
  }

  /** `data()` for any device: waits for a GPU's memory where needed. */
  async dataAsync(): Promise<TypedArray> {
    if (this._storage.array !== null) return this.data();
    const buf = this._buf as unknown as DeviceArray; // contiguous on the device
    return buf.storage.read(buf.offset, buf.length);
  }

  /** `item()` for any device. */
  async itemAsync(): Promise<number> {
    if (this.numel() !== 1) return this.item(); // throws with item's message
    return (await this.dataAsync())[0];
  }

  /** `toArray()` for any device. */
  async toArrayAsync(): Promise<NestedArray> {
    if (this._storage.array !== null) return this.toArray();
    return (await this.toAsync("cpu")).toArray();
  }

  /** `to(device)` for any device, waiting where a copy off a GPU needs to. */
  async toAsync(device: Device | ToOptions, dtype?: DType): Promise<Tensor> {
    const o = parseTo(this, device, dtype);
    if (this.device === "cpu" || o.dev !== "cpu") return this.to(device as Device, dtype as DType);
    const src = this.dtype;
    const moved = new Tensor(await this.dataAsync(), this.shape.slice(), this.dtype);
    const from = this.device;
    if (isFloating(src)) record(moved, "ToCopyBackward", [this], (g) => [g.to(from)]);
    return o.dt === undefined ? moved : moved.to(o.dt);
  }

  /** The elements as nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    if (this._storage.array === null) throw syncReadError(this.device, "toArray", "toArrayAsync");
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
    return _aliasOf(this, this.shape.slice(), this._strides === null ? null : this._strides.slice(), this._offset);
  }

  /** Detaches in place (makes this a leaf that does not require grad). */
  detach_(): this {
    if (this._base !== null) throw new Error("detach_: Can't detach views in-place. Use detach() instead.");
    this._gradFn = null;
    this._leafRequiresGrad = false;
    return this;
  }

  /**
   * Converts to a dtype and/or device: `to(dtype)`, `to(device)`, `to(device, dtype)`,
   * `to({device, dtype})`. Returns `this` when nothing changes (as PyTorch); a dtype
   * change is a copy, differentiable between float types.
   */
  to(arg: DType | Device | ToOptions, dtype?: DType): Tensor {
    const { dev, dt } = parseTo(this, arg, dtype);
    let x: Tensor = this;
    if (dev !== undefined && dev !== this.device) {
      if (dev === "cpu") throw syncReadError(this.device, "to", 'toAsync("cpu")');
      const src = this.device;
      const moved = new Tensor(deviceProvider(dev, "to").fromCpu(this._data, this.dtype), this.shape.slice(), this.dtype);
      // Gradients flow back to the CPU only through toAsync (a GPU read is asynchronous).
      if (isFloating(this.dtype)) record(moved, "ToCopyBackward", [this], (g) => [g.to(src)]);
      x = moved;
    }
    if (dt === undefined || dt === x.dtype) return x;
    const out = new Tensor(allocOn(x.device, dt, x.numel()), x.shape.slice(), dt);
    currentBackend().cast(x._buf, out._buf);
    if (isFloating(dt) && isFloating(x.dtype)) {
      const srcDt = x.dtype;
      record(out, "ToCopyBackward", [x], (g) => [g.to(srcDt)]);
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

  /**
   * @internal Makes this tensor (and only it) view `st` contiguously from its start:
   * the in-place device move of `Module.to(device)`, which keeps parameter objects
   * (and so optimizers' references) while their memory changes device.
   */
  _replaceStorage(st: Storage): void {
    this._storage = st;
    this._offset = 0;
    this._strides = null;
    this._arr = st.array;
    this._gathered = null;
    this._gatheredVer = -1;
    this._version.v++;
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
    const fn = this.gradFn;
    if (fn) suffixes.push(`gradFn=<${fn.name}>`);
    else if (this._leafRequiresGrad) suffixes.push("requiresGrad=true");
    if (this._storage.array === null) {
      return `tensor(<${this.device}>, size=(${this.shape.join(", ")}), dtype=${this.dtype}, device=${this.device})`;
    }
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

/** Sees every recorded op (name, inputs, output): the ONNX tracer (io/onnx/trace.ts); null otherwise. */
export type OpTracer = (name: string, inputs: readonly Tensor[], out: Tensor) => void;
let opTracer: OpTracer | null = null;

/** Installs (or with null removes) the op tracer; internal to exportOnnx. */
export function setOpTracer(fn: OpTracer | null): void {
  opTracer = fn;
}

/**
 * Attaches a backward node to `out` if grad mode is on and any input requires grad.
 * `saved` lists tensors the backward reads (version-checked against in-place edits).
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], fn: BackwardFn, saved?: Tensor[]): Tensor {
  if (!isGradEnabled()) return out;
  if (opTracer !== null) opTracer(name, inputs, out);
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
export function make(data: TypedArray | Storage, shape: number[], dtype: DType): Tensor {
  return new Tensor(data, shape, dtype);
}

/**
 * Memory for `n` elements of `dtype` on `device`: a zeroed TypedArray on the CPU, a
 * device storage elsewhere. `make(allocOn(x.device, dt, n), shape, dt)` is how an op
 * puts its output where its inputs are.
 */
export function allocOn(device: Device, dtype: DType, n: number): TypedArray | Storage {
  return device === "cpu" ? allocArray(dtype, n) : deviceProvider(device, "alloc").alloc(dtype, n);
}

/** Like {@link allocOn} without zeroing on the CPU (the kernel overwrites every element). */
export function allocUninitOn(device: Device, dtype: DType, n: number): TypedArray | Storage {
  return device === "cpu" ? allocUninit(dtype, n) : deviceProvider(device, "alloc").alloc(dtype, n);
}

/** The Error a synchronous read of device memory throws: names the method and its async form. */
export function syncReadError(device: Device, method: string, asyncForm: string): Error {
  return new Error(
    `${method}: this tensor is on device "${device}", whose memory cannot be read synchronously; use await t.${asyncForm}() ` +
      `(the async reads are dataAsync, itemAsync, toArrayAsync and toAsync("cpu"))`,
  );
}

/** Parses `to`'s arguments: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to({device, dtype})`. */
function parseTo(t: Tensor, arg: DType | Device | ToOptions, dtype?: DType): { dev?: Device; dt?: DType } {
  let dev: Device | undefined;
  let dt: DType | undefined = dtype;
  if (typeof arg === "object" && arg !== null) {
    for (const k of Object.keys(arg)) {
      if (k !== "device" && k !== "dtype") throw new Error(`to: unknown option ${JSON.stringify(k)}; expected {device, dtype}`);
    }
    dev = arg.device;
    dt = arg.dtype;
  } else if (isDeviceName(arg)) dev = arg;
  else if (dtype !== undefined) {
    throw new Error(`to: the first of two arguments must be a device, got ${JSON.stringify(arg)}; use to(device, dtype)`);
  } else if (typeof arg === "string" && /^(cuda|mps|gpu|xpu|meta|webgl|wasm)(:\d+)?$/.test(arg)) {
    checkDevice(arg, "to"); // a device name from another framework: name the allowed devices
  } else {
    try {
      dt = checkDType(arg, "to");
    } catch (e) {
      throw new TypeError(`${(e as Error).message}; or a device: ${AVAILABLE_DEVICES.map((d) => JSON.stringify(d)).join(", ")}`);
    }
  }
  if (dev !== undefined) checkDevice(dev, "to");
  if (dt !== undefined) dt = checkDType(dt, "to");
  if (dev !== undefined && dev !== "cpu" && (dt ?? t.dtype) === "float64") {
    throw new Error(`to: device "${dev}" has no float64 storage; convert first with to("float32") (as PyTorch's MPS device)`);
  }
  return { dev, dt };
}

/** Allocates an uninitialised (zeroed) tensor. */
export function empty(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocArray(dtype, numel(shape)), shape, dtype);
}

/** Whether `strides` lay `shape` out row-major without gaps (size-1 dims ignored, as PyTorch). */
export function isContiguousGeometry(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = shape[i];
    if (n === 0) return true;
    if (n === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= n;
  }
  return true;
}

/**
 * @internal A tensor over `x`'s storage with the given geometry (strides in storage
 * elements, null for contiguous), sharing its version counter; not an autograd view.
 */
export function _aliasOf(x: Tensor, shape: number[], strides: number[] | null, offset: number): Tensor {
  const t = new Tensor(x._storage, shape, x.dtype, x._version);
  const contiguous = strides === null || isContiguousGeometry(shape, strides);
  t._offset = offset;
  t._strides = contiguous ? null : strides;
  const a = x._storage.array;
  if (a === null || !contiguous) t._arr = null;
  else {
    const n = numel(shape);
    t._arr = offset === 0 && n === a.length ? a : a.subarray(offset, offset + n);
  }
  return t;
}

/** Rebuilds a view's grad_fn from its base's current one (installed by ops/views.ts). */
type ViewRegrad = (view: Tensor, base: Tensor) => Node | null;
let viewRegrad: ViewRegrad | null = null;

/** @internal Installs the AsStridedBackward builder (core cannot import ops). */
export function setViewRegrad(fn: ViewRegrad): void {
  viewRegrad = fn;
}

/**
 * @internal Moves `t`'s memory to `device` in place (Module.to): an upload from the
 * CPU; moving off a device must wait for its memory, see {@link moveToCpuInPlace}.
 */
export function moveInPlace(t: Tensor, device: Device, op: string): void {
  if (t.device === device) return;
  if (device === "cpu") throw syncReadError(t.device, op, 'toAsync("cpu")');
  if (t.dtype === "float64") throw new Error(`${op}: device "${device}" has no float64 storage; convert first with to("float32")`);
  t._replaceStorage(deviceProvider(device, op).fromCpu(t._data, t.dtype));
}

/** @internal Moves `t`'s memory back to the CPU in place, waiting for the device. */
export async function moveToCpuInPlace(t: Tensor): Promise<void> {
  if (t.device === "cpu") return;
  const data = await t.dataAsync();
  t._replaceStorage(new CpuStorage(data, t.dtype));
}
