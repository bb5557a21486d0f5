/**
 * Tensor creation: from JS data, constant fills, ranges, identity and random draws.
 */
import { allocArray, checkDType, dtypeOfArray, type DType, type TypedArray } from "../core/dtype.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { checkShape, fmtShape, numel, shapeArgs } from "../core/shape.js";
import { Tensor, make } from "../core/tensor.js";
import { checkDevice, type Device } from "../core/storage.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: "cpu" (the only device with a storage in this build). */
  device?: Device;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

type Nested = number | boolean | readonly Nested[];
type ShapeArg = number[] | readonly number[];

/** Validates an options object's dtype and device up front, so a typo names the op instead of failing deep inside. */
function optDType(opts: TensorOptions | undefined, op: string): void {
  if (opts?.dtype !== undefined) checkDType(opts.dtype, op);
  if (opts?.device !== undefined) checkDevice(opts.device, op);
}

function finish(t: Tensor, opts?: TensorOptions): Tensor {
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
export function tensor(data: Nested | TypedArray | Tensor, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
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
export function full(shape: ShapeArg | number, value: number | boolean, opts: TensorOptions = {}): Tensor {
  return filled("full", shape, value, opts);
}

/** full() under the caller's name, so errors name the op the user called. */
function filled(op: string, shape: ShapeArg | number, value: number | boolean, opts: TensorOptions): Tensor {
  optDType(opts, op);
  const s = shapeFrom(shape, op);
  const dtype = opts.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  const d = allocArray(dtype, numel(s));
  if (value !== 0) d.fill(typeof value === "boolean" ? (value ? 1 : 0) : value);
  return finish(make(d, s, dtype), opts);
}

/** A tensor of zeros. @example my.zeros([2, 3]) */
export function zeros(shape: ShapeArg | number, opts: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: ShapeArg | number, opts: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, opts);
}

/** Zeros with the shape (and, by default, dtype) of `t`. */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...opts });
}

/** Ones with the shape (and, by default, dtype) of `t`. */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...opts });
}

/** `value` with the shape (and, by default, dtype) of `t`. */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(n)` is 0..n-1.
 * Integer arguments give int32, as PyTorch gives int64.
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
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
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
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
export function eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
  const t = zeros([n, m], opts);
  for (let i = 0; i < Math.min(n, m); i++) t._data[i * m + i] = 1;
  return t;
}

/** Uniform random values in [0, 1). */
export function rand(shape: ShapeArg | number, opts: RandomOptions = {}): Tensor {
  optDType(opts, "rand");
  const s = shapeFrom(shape, "rand");
  const g = opts.generator ?? defaultGenerator;
  const d = allocArray(opts.dtype ?? "float32", numel(s));
  for (let i = 0; i < d.length; i++) d[i] = g.random();
  return finish(make(d, s, opts.dtype ?? "float32"), opts);
}

/** Standard normal random values. */
export function randn(shape: ShapeArg | number, opts: RandomOptions = {}): Tensor {
  optDType(opts, "randn");
  const s = shapeFrom(shape, "randn");
  const g = opts.generator ?? defaultGenerator;
  const d = allocArray(opts.dtype ?? "float32", numel(s));
  for (let i = 0; i < d.length; i++) d[i] = g.normal();
  return finish(make(d, s, opts.dtype ?? "float32"), opts);
}

/** Random integers in [low, high) as int32. */
export function randint(low: number, high: number, shape: ShapeArg | number, opts: RandomOptions = {}): Tensor {
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
export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts });
}

/** Standard normal values shaped like `t`. */
export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts });
}

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
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
