/**
 * Tensor creation: from JS data, constant fills, ranges, identity and random draws.
 */
import { allocArray, checkDType, dtypeOfArray, type DType, type TypedArray } from "../core/dtype.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { checkShape, fmtShape, numel, shapeArgs } from "../core/shape.js";
import { Tensor, allocOn, make } from "../core/tensor.js";
import { currentBackend } from "../backends/backend.js";
import { checkDevice, type Device } from "../core/storage.js";
import { argSpec, isPlainObject, type ArgSpec, type PyArgs } from "./args.js";

/** Options every creation function takes: the element type (default float32) and whether autograd tracks the result. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: "cpu" (default) or "webgpu" (after `await my.webgpu.init()`). */
  device?: Device;
}

/** Creation options for random tensors, plus the {@link Generator} to draw from (default: the global one, see {@link manualSeed}). */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type Nested = number | boolean | readonly Nested[];
type ShapeArg = number[] | readonly number[];
/** A size as PyTorch takes it: an array or varargs (`zeros([2, 3])`, `zeros(2, 3)`), then options. */
export type SizeArgs<O> = [size: ShapeArg | number, opts?: O] | [...size: number[], opts: O] | number[];

// Keyword options of the creation functions (PyTorch's are keyword-only, after `*`).
const KW = ["*", "dtype", "requiresGrad", "device"] as const;
const RKW = [...KW, "generator"] as const;
// device is checked by optDType (checkDevice), whose message lists the devices.
const ANY_DEVICE = { device: [() => true, ""] as [(v: unknown) => boolean, string] };
const GEN = { ...ANY_DEVICE, generator: [(v: unknown) => typeof v === "object" && v !== null && typeof (v as { random?: unknown }).random === "function", "a Generator"] as [(v: unknown) => boolean, string] };
const S = {
  tensor: argSpec("my.tensor", 1, [...KW, "shape"], [], ANY_DEVICE),
  full: argSpec("my.full", 2, KW, [], ANY_DEVICE), zeros: argSpec("my.zeros", 1, KW, [], ANY_DEVICE), ones: argSpec("my.ones", 1, KW, [], ANY_DEVICE),
  empty: argSpec("my.empty", 1, KW, [], ANY_DEVICE),
  zerosLike: argSpec("my.zerosLike", 1, KW, [], ANY_DEVICE), onesLike: argSpec("my.onesLike", 1, KW, [], ANY_DEVICE), fullLike: argSpec("my.fullLike", 2, KW, [], ANY_DEVICE),
  arange: argSpec("my.arange", 3, KW, [], ANY_DEVICE), linspace: argSpec("my.linspace", 3, KW, [], ANY_DEVICE),
  eye: argSpec("my.eye", 1, ["m", ...KW], [], { m: [(v) => Number.isInteger(v), "an integer"] }),
  rand: argSpec("my.rand", 1, RKW, [], GEN), randn: argSpec("my.randn", 1, RKW, [], GEN),
  randint: argSpec("my.randint", 3, RKW, [], GEN), randperm: argSpec("my.randperm", 1, RKW, [], GEN),
  randLike: argSpec("my.randLike", 1, RKW, [], GEN), randnLike: argSpec("my.randnLike", 1, RKW, [], GEN),
};

/**
 * Splits PyTorch-style size arguments into the shape and the checked options:
 * one array (or number), or leading integers, then at most one options object.
 */
function sizeArgs<O extends object>(spec: ArgSpec<readonly string[]>, args: readonly unknown[]): [number[], O] {
  let n = 0;
  if (Array.isArray(args[0])) n = 1;
  else while (n < args.length && typeof args[n] === "number") n++;
  const size = (Array.isArray(args[0]) ? args[0] : args.slice(0, n)) as number[];
  const rest = args.slice(n);
  if (rest.length > 1 || (rest.length === 1 && !isPlainObject(rest[0]))) {
    spec.fail("size", "an array of integers or integers as separate arguments, then one options object", rest[0]);
  }
  const op = spec.fn.replace(/^my\./, "");
  const shape = shapeArgs([size], op);
  checkShape(shape, op);
  return [shape, spec.parse<O>(rest)];
}

/** Validates an options object's dtype and device up front, so a typo names the op instead of failing deep inside. */
function optDType(opts: TensorOptions | undefined, op: string): void {
  if (opts?.dtype !== undefined) checkDType(opts.dtype, op);
  if (opts?.device !== undefined) checkDevice(opts.device, op);
}

/** Puts a new CPU-built tensor on `opts.device` (an upload) and sets requiresGrad. */
function finish(t: Tensor, opts?: TensorOptions): Tensor {
  if (opts?.device !== undefined && opts.device !== t.device) t = t.to(opts.device);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: Nested, op: string): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(data: Nested, shape: number[], out: TypedArray, op: string): void {
  let pos = 0;
  let sawFloatType = false;
  const walk = (x: Nested, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw new Error(`${op}: ragged nested array: expected a number at index [${path.join(", ")}] but found an array`);
      if (typeof x !== "number" && typeof x !== "boolean") {
        throw new TypeError(`${op}: expected numbers or booleans, got ${typeof x} at index [${path.join(", ")}]`);
      }
      out[pos++] = typeof x === "boolean" ? (x ? 1 : 0) : x;
      sawFloatType ||= typeof x === "number";
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      const got = Array.isArray(x) ? `length ${x.length}` : "a scalar";
      throw new Error(`${op}: ragged nested array: expected length ${shape[dim]} at dim ${dim} (index [${path.join(", ")}]) but got ${got}; every row must have the same length`);
    }
    for (let i = 0; i < x.length; i++) walk(x[i], dim + 1, [...path, i]);
  };
  walk(data, 0, []);
}

function allBooleans(data: Nested): boolean {
  if (Array.isArray(data)) return data.every(allBooleans);
  return typeof data === "boolean";
}

/**
 * Creates a tensor from a number, a boolean, nested arrays or a TypedArray (flat,
 * with `{shape}`). JS numbers give float32 unless `dtype` says otherwise; booleans give bool.
 * The data is always copied.
 * @example my.tensor([[1, 2], [3, 4]]) // float32 [2, 2]
 */
export function tensor(data: Nested | TypedArray | Tensor, ...args: PyArgs<TensorOptions & { shape?: readonly number[] }, typeof S.tensor.names>): Tensor {
  const opts = S.tensor.parse<TensorOptions & { shape?: readonly number[] }>(args);
  optDType(opts, "tensor");
  if (data instanceof Tensor) return finish(data.detach().to(opts.dtype ?? data.dtype).clone(), opts);
  if (ArrayBuffer.isView(data)) {
    const arr = data as unknown as ArrayLike<number>;
    const shape = opts.shape ? shapeArgs([opts.shape as number[]], "tensor") : [arr.length];
    checkShape(shape, "tensor");
    if (numel(shape) !== arr.length) {
      throw new Error(`tensor: shape ${fmtShape(shape)} holds ${numel(shape)} elements but the TypedArray has ${arr.length}`);
    }
    const isStd = data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array;
    const dtype = opts.dtype ?? (isStd ? dtypeOfArray(data as TypedArray) : "float32");
    const out = allocArray(dtype, arr.length);
    if (dtype === "bool") for (let i = 0; i < arr.length; i++) out[i] = arr[i] ? 1 : 0;
    else out.set(arr as ArrayLike<number>);
    return finish(make(out, shape, dtype), opts);
  }
  const shape = inferShape(data as Nested, "tensor");
  if (opts.shape && numel(opts.shape) !== numel(shape)) {
    throw new Error(`tensor: shape ${fmtShape(opts.shape)} does not match the data's ${fmtShape(shape)}`);
  }
  const dtype = opts.dtype ?? (allBooleans(data as Nested) && numel(shape) > 0 ? "bool" : "float32");
  const tmp = new Float64Array(numel(shape));
  flatten(data as Nested, shape, tmp, "tensor");
  const out = allocArray(dtype, tmp.length);
  if (dtype === "bool") for (let i = 0; i < tmp.length; i++) out[i] = tmp[i] ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < tmp.length; i++) out[i] = Math.trunc(tmp[i]);
  else out.set(tmp);
  return finish(make(out, opts.shape ? opts.shape.slice() : shape, dtype), opts);
}

/** A scalar (0-dim) tensor. */
export function scalarTensor(v: number, dtype: DType = "float32"): Tensor {
  const d = allocArray(dtype, 1);
  d[0] = v;
  return make(d, [], dtype);
}

function shapeFrom(shape: ShapeArg | number, op: string): number[] {
  const s = typeof shape === "number" ? [shape] : shapeArgs([shape as number[]], op);
  checkShape(s, op);
  return s;
}

/** A tensor filled with `value`. @example my.full([2, 3], 7) */
export function full(shape: ShapeArg | number, value: number | boolean, ...args: PyArgs<TensorOptions, typeof KW>): Tensor {
  if (typeof value !== "number" && typeof value !== "boolean") S.full.fail("fillValue", "a number or a boolean", value);
  return filled("full", shape, value, S.full.parse(args));
}

/** full() under the caller's name, so errors name the op the user called. */
function filled(op: string, shape: ShapeArg | number, value: number | boolean, opts: TensorOptions): Tensor {
  optDType(opts, op);
  const s = shapeFrom(shape, op);
  const dtype = opts.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  if (opts.device !== undefined && opts.device !== "cpu") {
    // Made on the device: its fresh storage reads as zeros; other values by clamp(0, v, v) = v.
    const t = make(allocOn(opts.device, dtype, numel(s)), s, dtype);
    if (value !== 0) { const v = typeof value === "boolean" ? 1 : value; currentBackend().clamp(t._buf, v, v, t._buf); }
    if (opts.requiresGrad) t.requiresGrad_(true);
    return t;
  }
  const d = allocArray(dtype, numel(s));
  if (value !== 0) d.fill(typeof value === "boolean" ? (value ? 1 : 0) : value);
  return finish(make(d, s, dtype), opts);
}

/** A tensor of zeros. @example my.zeros([2, 3]) */
export function zeros(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, opts] = sizeArgs<TensorOptions>(S.zeros, args);
  return filled("zeros", shape, 0, opts);
}

/**
 * PyTorch's uninitialized tensor; myelin's memory always starts zeroed, so this is
 * `zeros` under PyTorch's name. @example my.empty(2, 3)
 */
export function empty(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, opts] = sizeArgs<TensorOptions>(S.empty, args);
  return filled("empty", shape, 0, opts);
}

/** A tensor of ones. */
export function ones(...args: SizeArgs<TensorOptions>): Tensor {
  const [shape, opts] = sizeArgs<TensorOptions>(S.ones, args);
  return filled("ones", shape, 1, opts);
}

/** Zeros with the shape (and, by default, dtype) of `t`. */
export function zerosLike(t: Tensor, ...args: PyArgs<TensorOptions, typeof KW>): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, device: t.device, ...S.zerosLike.parse<TensorOptions>(args) });
}

/** Ones with the shape (and, by default, dtype) of `t`. */
export function onesLike(t: Tensor, ...args: PyArgs<TensorOptions, typeof KW>): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, device: t.device, ...S.onesLike.parse<TensorOptions>(args) });
}

/** `value` with the shape (and, by default, dtype) of `t`. */
export function fullLike(t: Tensor, value: number, ...args: PyArgs<TensorOptions, typeof KW>): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...S.fullLike.parse<TensorOptions>(args) });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(n)` is 0..n-1.
 * Integer arguments give int32, as PyTorch gives int64.
 */
export function arange(start: number, ...rest: [end?: number, step?: number, opts?: TensorOptions] | [opts: TensorOptions] | [end: number, opts: TensorOptions]): Tensor {
  let k = 0;
  while (k < rest.length && k < 2 && (typeof rest[k] === "number" || rest[k] === undefined)) k++;
  let end = rest[0] as number | undefined;
  const step = (k > 1 ? (rest[1] as number | undefined) : undefined) ?? 1;
  if (k === 0) end = undefined;
  const opts = S.arange.parse<TensorOptions>(rest.slice(k));
  for (const [name, v] of [["start", start], ["end", end], ["step", step]] as const) {
    if (v !== undefined && typeof v !== "number") S.arange.fail(name, "a number", v);
  }
  if (end === undefined) {
    end = start;
    start = 0;
  }
  optDType(opts, "arange");
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound ${end} and lower bound ${start} inconsistent with step sign ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? "int32" : "float32");
  const d = allocArray(dtype, n);
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  return finish(make(d, [n], dtype), opts);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, ...args: PyArgs<TensorOptions, typeof KW>): Tensor {
  const opts = S.linspace.parse<TensorOptions>(args);
  if (typeof start !== "number" || typeof end !== "number") S.linspace.fail("start/end", "numbers", [start, end]);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  optDType(opts, "linspace");
  const dtype = opts.dtype ?? "float32";
  const d = allocArray(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends (as PyTorch) so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) d[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  if (steps === 1) d[0] = start; // PyTorch: a single step is the start
  return finish(make(d, [steps], dtype), opts);
}

/** The n x m identity matrix (m defaults to n). */
export function eye(n: number, ...args: PyArgs<TensorOptions & { m?: number }, typeof S.eye.names>): Tensor {
  const { m = n, ...opts } = S.eye.parse<TensorOptions & { m?: number }>(args);
  if (!Number.isInteger(n)) S.eye.fail("n", "an integer", n);
  const t = zeros([n, m], opts);
  for (let i = 0; i < Math.min(n, m); i++) t._data[i * m + i] = 1;
  return t;
}

/** Uniform random values in [0, 1). */
export function rand(...args: SizeArgs<RandomOptions>): Tensor {
  const [s, opts] = sizeArgs<RandomOptions>(S.rand, args);
  optDType(opts, "rand");
  const g = opts.generator ?? defaultGenerator;
  const d = allocArray(opts.dtype ?? "float32", numel(s));
  for (let i = 0; i < d.length; i++) d[i] = g.random();
  return finish(make(d, s, opts.dtype ?? "float32"), opts);
}

/** Standard normal random values. */
export function randn(...args: SizeArgs<RandomOptions>): Tensor {
  const [s, opts] = sizeArgs<RandomOptions>(S.randn, args);
  optDType(opts, "randn");
  const g = opts.generator ?? defaultGenerator;
  const d = allocArray(opts.dtype ?? "float32", numel(s));
  for (let i = 0; i < d.length; i++) d[i] = g.normal();
  return finish(make(d, s, opts.dtype ?? "float32"), opts);
}

/** Random integers in [low, high) as int32. */
export function randint(high: number, size: ShapeArg, opts?: RandomOptions): Tensor;
export function randint(low: number, high: number, size: ShapeArg | number, opts?: RandomOptions): Tensor;
export function randint(...args: unknown[]): Tensor {
  // PyTorch's two overloads: randint(high, size) and randint(low, high, size); the size is an array.
  const short = Array.isArray(args[1]);
  const [low, high, shape] = (short ? [0, args[0], args[1]] : args.slice(0, 3)) as [number, number, ShapeArg | number];
  const opts = S.randint.parse<RandomOptions>(args.slice(short ? 2 : 3));
  for (const [name, v] of [["low", low], ["high", high]] as const) if (!Number.isInteger(v)) S.randint.fail(name, "an integer", v);
  if (shape === undefined) S.randint.fail("size", "an array of integers (randint(high, size) or randint(low, high, size))", shape);
  if (!(high > low)) throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
  optDType(opts, "randint");
  const s = shapeFrom(shape, "randint");
  const g = opts.generator ?? defaultGenerator;
  const dtype = opts.dtype ?? "int32";
  const d = allocArray(dtype, numel(s));
  for (let i = 0; i < d.length; i++) d[i] = g.randint(low, high);
  return finish(make(d, s, dtype), opts);
}

/** Uniform [0, 1) values shaped like `t`. */
export function randLike(t: Tensor, ...args: PyArgs<RandomOptions, typeof RKW>): Tensor {
  return rand(t.shape, { dtype: t.dtype, device: t.device, ...S.randLike.parse<RandomOptions>(args) });
}

/** Standard normal values shaped like `t`. */
export function randnLike(t: Tensor, ...args: PyArgs<RandomOptions, typeof RKW>): Tensor {
  return randn(t.shape, { dtype: t.dtype, device: t.device, ...S.randnLike.parse<RandomOptions>(args) });
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, ...args: PyArgs<RandomOptions, typeof RKW>): Tensor {
  const opts = S.randperm.parse<RandomOptions>(args);
  if (!Number.isInteger(n) || n < 0) S.randperm.fail("n", "a non-negative integer", n);
  optDType(opts, "randperm");
  const g = opts.generator ?? defaultGenerator;
  const d = new Int32Array(n);
  for (let i = 0; i < n; i++) d[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.random() * (i + 1));
    const t = d[i]; d[i] = d[j]; d[j] = t;
  }
  return make(d, [n], "int32");
}
