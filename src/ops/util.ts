/**
 * Helpers shared by op implementations: operand coercion, gradient un-broadcasting.
 */
import { allocArray, type DType } from "../core/dtype.js";
import { Tensor, allocOn, make } from "../core/tensor.js";
import { Storage, deviceProvider } from "../core/storage.js";
import { shapesEqual } from "../core/shape.js";
import { currentBackend } from "../backends/backend.js";

export type Operand = Tensor | number | boolean;

/** Asserts `t` is a Tensor, naming the op and argument otherwise. */
export function assertTensor(t: unknown, op: string, arg = "input"): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new TypeError(`${op}: expected ${arg} to be a Tensor, got ${t === null ? "null" : typeof t}`);
  }
}

/**
 * Puts two operands of `op` on one device, PyTorch's way: a 0-dim CPU tensor (a
 * scalar) goes to the other's device; any other mix throws naming the op.
 */
export function onOneDevice(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (a.device === b.device) return [a, b];
  if (a.device === "cpu" && a.ndim === 0) return [a.to(b.device), b];
  if (b.device === "cpu" && b.ndim === 0) return [a, b.to(a.device)];
  throw new Error(
    `${op}: expected all tensors on the same device, got "${a.device}" and "${b.device}"; move one first (t.to("${a.device === "cpu" ? b.device : a.device}"), or await t.toAsync("cpu"))`,
  );
}

/**
 * A check on device data (an index range) that cannot run synchronously: the next
 * read of device memory throws `message` if the bool/number `flag` (one element) is
 * nonzero. On the CPU it runs now.
 */
export function checkOnDevice(flag: Tensor, message: string): void {
  if (flag.device === "cpu") {
    if (flag.item()) throw new RangeError(message);
    return;
  }
  deviceProvider(flag.device, "check").deferCheck(flag._storage, flag._offset, message);
}

/** A 0-dim tensor holding `v` in `dtype` (no grad). */
export function scalarOf(v: number | boolean, dtype: DType): Tensor {
  const d = allocArray(dtype, 1);
  d[0] = typeof v === "boolean" ? (v ? 1 : 0) : v;
  return make(d, [], dtype);
}

/**
 * Sums a gradient `g` down to `shape` (the inverse of broadcasting), using
 * differentiable ops so double backward works.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let r = dims.length ? g.sum(dims, true) : g;
  if (lead > 0 || !shapesEqual(r.shape, shape)) r = r.reshape(shape as number[]);
  return r;
}

/** A contiguous copy of the data cast to `dtype` (no autograd). */
export function castData(t: Tensor, dtype: DType) {
  if (t.dtype === dtype) return t._buf;
  const out = allocOn(t.device, dtype, t.numel()) as unknown as ReturnType<typeof allocArray>;
  const outBuf = out instanceof Storage ? make(out, t.shape.slice(), dtype)._buf : out;
  currentBackend().cast(t._buf, outBuf);
  return outBuf;
}
