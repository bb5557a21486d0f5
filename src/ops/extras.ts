/**
 * PyTorch names that ports need and that compose from existing ops: `viewAs`,
 * `new*` factories, `isinf`/`isposinf`/`isneginf`, `isclose`, `allclose`, `equal`,
 * `diag`, `tolist`, `long()` (int32, myelin's integer dtype), `type(dtype)`.
 * Composed from differentiable ops, so gradients flow where PyTorch's do.
 */
import { Tensor } from "../core/tensor.js";
import type { DType, TypedArray } from "../core/dtype.js";
import { empty, full, ones, tensor, zeros, type SizeArgs, type TensorOptions } from "./creation.js";
import { pad } from "./pad.js";
import { diagonal } from "./shape.js";
import { argSpec, type PyArgs } from "./args.js";
import "./elementwise.js";
import "./reduce.js";

type Nested = number | boolean | readonly Nested[];

const S = {
  isclose: argSpec("my.isclose", 2, ["rtol", "atol", "equalNan"]),
  allclose: argSpec("my.allclose", 2, ["rtol", "atol", "equalNan"]),
  diag: argSpec("my.diag", 1, ["diagonal"]),
};
type CloseOpts = { rtol?: number; atol?: number; equalNan?: boolean };

/** +inf or -inf (bool). */
export function isinf(x: Tensor): Tensor {
  return x.abs().eq(Infinity);
}

/** +inf (bool). */
export function isposinf(x: Tensor): Tensor {
  return x.eq(Infinity);
}

/** -inf (bool). */
export function isneginf(x: Tensor): Tensor {
  return x.eq(-Infinity);
}

/**
 * |a - b| <= atol + rtol·|b| elementwise (bool), as PyTorch: equal infinities are
 * close, NaNs are close to each other only with `equalNan`.
 */
export function isclose(a: Tensor, b: Tensor | number, ...args: PyArgs<CloseOpts, typeof S.isclose.names>): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = S.isclose.parse<CloseOpts>(args);
  const bt = typeof b === "number" ? full([], b, { dtype: a.dtype }) : b;
  // Non-finite values are close only when equal (inf - inf would pass the tolerance).
  const tol = a.sub(bt).abs().le(bt.abs().mul(rtol).add(atol)).logicalAnd(a.isfinite().logicalAnd(bt.isfinite()));
  let out = a.eq(bt).logicalOr(tol);
  if (equalNan) out = out.logicalOr(a.isnan().logicalAnd(bt.isnan()));
  return out;
}

/** Whether every element is close (see isclose). */
export function allclose(a: Tensor, b: Tensor | number, ...args: PyArgs<CloseOpts, typeof S.allclose.names>): boolean {
  const o = S.allclose.parse<CloseOpts>(args);
  return isclose(a, b, o).all().item() !== 0;
}

/** Same shape and the same values (PyTorch's torch.equal). */
export function equal(a: Tensor, b: Tensor): boolean {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) return false;
  return a.eq(b).all().item() !== 0;
}

/**
 * 1-D input: a square matrix with it on diagonal `diagonal` (above the main one when
 * positive). 2-D input: that diagonal as a 1-D tensor.
 */
export function diag(x: Tensor, ...args: PyArgs<{ diagonal?: number }, typeof S.diag.names>): Tensor {
  const k = S.diag.parse<{ diagonal?: number }>(args).diagonal ?? 0;
  if (x.ndim === 2) return diagonal(x, k);
  if (x.ndim !== 1) throw new Error(`my.diag: expected a 1-D or 2-D input, got ${x.ndim}-D`);
  // eye[i, j]·x[j] puts x on the main diagonal, differentiably.
  const square = eyeOf(x.shape[0], x.dtype).mul(x);
  // pad order is (left, right, top, bottom): shift right for k > 0, down for k < 0.
  return k === 0 ? square : pad(square, k > 0 ? [k, 0, 0, k] : [0, -k, -k, 0]);
}

/** The n×n identity in a given dtype. */
function eyeOf(n: number, dtype: DType): Tensor {
  const t = zeros([n, n], { dtype });
  for (let i = 0; i < n; i++) t._data[i * n + i] = 1;
  return t;
}

const PYTORCH_TYPE: Record<DType, string> = {
  float32: "torch.FloatTensor", float64: "torch.DoubleTensor", int32: "torch.IntTensor", bool: "torch.BoolTensor",
};

declare module "../core/tensor.js" {
  interface Tensor {
    /** Reshapes to `other`'s shape. */
    viewAs(other: Tensor): Tensor;
    newZeros(...args: SizeArgs<TensorOptions>): Tensor;
    newOnes(...args: SizeArgs<TensorOptions>): Tensor;
    newEmpty(...args: SizeArgs<TensorOptions>): Tensor;
    newFull(size: readonly number[] | number, value: number | boolean, opts?: TensorOptions): Tensor;
    newTensor(data: Nested | TypedArray, opts?: TensorOptions): Tensor;
    isinf(): Tensor;
    isposinf(): Tensor;
    isneginf(): Tensor;
    isclose(other: Tensor | number, ...args: PyArgs<CloseOpts, typeof S.isclose.names>): Tensor;
    allclose(other: Tensor | number, ...args: PyArgs<CloseOpts, typeof S.allclose.names>): boolean;
    equal(other: Tensor): boolean;
    diag(...args: PyArgs<{ diagonal?: number }, typeof S.diag.names>): Tensor;
    /** Nested arrays (PyTorch's tolist; the same as toArray()). */
    tolist(): ReturnType<Tensor["toArray"]>;
    /** int32: myelin's integer dtype stands in for PyTorch's int64 (see docs/coming-from-pytorch.md). */
    long(): Tensor;
    /** With a dtype: a cast (as to(dtype)); without: PyTorch's type name, e.g. "torch.FloatTensor". */
    type(): string;
    type(dtype: DType): Tensor;
  }
}

/** The `new*` factories: a tensor with this tensor's dtype unless the options say otherwise. */
function withDtype(t: Tensor, args: unknown[]): unknown[] {
  const last = args[args.length - 1];
  const hasOpts = typeof last === "object" && last !== null && !Array.isArray(last);
  return hasOpts ? [...args.slice(0, -1), { dtype: t.dtype, ...(last as object) }] : [...args, { dtype: t.dtype }];
}

const P = Tensor.prototype;
P.viewAs = function (other) { return this.reshape(other.shape); };
P.newZeros = function (...a) { return (zeros as (...x: unknown[]) => Tensor)(...withDtype(this, a)); };
P.newOnes = function (...a) { return (ones as (...x: unknown[]) => Tensor)(...withDtype(this, a)); };
P.newEmpty = function (...a) { return (empty as (...x: unknown[]) => Tensor)(...withDtype(this, a)); };
P.newFull = function (size, value, opts = {}) { return full(typeof size === "number" ? [size] : size, value, { dtype: this.dtype, ...opts }); };
P.newTensor = function (data, opts = {}) { return tensor(data, { dtype: this.dtype, ...opts }); };
P.isinf = function () { return isinf(this); };
P.isposinf = function () { return isposinf(this); };
P.isneginf = function () { return isneginf(this); };
P.isclose = function (o, ...a) { return isclose(this, o, ...a); };
P.allclose = function (o, ...a) { return allclose(this, o, ...a); };
P.equal = function (o) { return equal(this, o); };
P.diag = function (...a) { return diag(this, ...a); };
P.tolist = function () { return this.toArray(); };
P.long = function () { return this.to("int32"); };
P.type = function (this: Tensor, dtype?: DType) { return dtype === undefined ? PYTORCH_TYPE[this.dtype] : this.to(dtype); } as Tensor["type"];
