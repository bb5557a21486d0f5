/**
 * Index assignment: PyTorch's `x[indices] = v` family without Python's syntax.
 * `indexPut` / `indexPut_(indices, values, accumulate?)`, `maskedScatter` /
 * `maskedScatter_(mask, source)` and `setItem(spec, value)` for `x[mask] = v`,
 * `x[:, 0::2] = y`, `x[1] = 0`. Each is index math on the flattened tensor plus a
 * differentiable scatter, written back with `copy_`, so it works whether slices are
 * copies or views and gradients reach both the kept entries and the values.
 */
import { Tensor } from "../core/tensor.js";
import { fmtShape } from "../core/shape.js";
import { tensor } from "./creation.js";
import { copy_ } from "./inplace.js";
import { nonzero, scatter, scatterAdd } from "./indexing.js";
import "./shape.js";
import "./elementwise.js";

/** A selection along one dim: an index, a slice [start, end, step] (null = to the end), or null for all. */
export type IndexItem = number | null | readonly [start: number | null, end?: number | null, step?: number];
/** One item per leading dim, or one bool mask over the whole tensor (x[mask]). */
export type IndexSpec = readonly IndexItem[] | Tensor;

function asTensor(v: Tensor | number, like: Tensor): Tensor {
  return v instanceof Tensor ? v : tensor(v, { dtype: like.dtype });
}

/** Linear (row-major) positions of `idx` rows [n, k] over the first k dims of `shape`, times the trailing size. */
function linearRows(shape: readonly number[], cols: Tensor[], op: string): [Tensor, number] {
  const k = cols.length;
  if (k > shape.length) throw new Error(`${op}: too many indices (${k}) for a tensor of shape ${fmtShape(shape)}`);
  let lin: Tensor | null = null;
  for (let d = 0; d < k; d++) {
    const size = shape[d];
    if (cols[d].dtype !== "int32") throw new TypeError(`${op}: index tensors must be int32 (or one bool mask), got ${cols[d].dtype}`);
    // Negative indices count from the end, as in PyTorch.
    const c = cols[d].add(cols[d].lt(0).int().mul(size));
    if (c.numel() > 0 && (c.min().item() < 0 || c.max().item() >= size)) {
      throw new RangeError(`${op}: index out of range for dim ${d} of size ${size}`);
    }
    lin = lin === null ? c : lin.mul(size).add(c);
  }
  const rest = shape.slice(k).reduce((a, b) => a * b, 1);
  return [lin!, rest];
}

/**
 * `x` with `values` written (or added, with `accumulate`) at `indices`: int32 tensors,
 * one per leading dim and broadcast together, or a single bool mask.
 */
export function indexPut(x: Tensor, indices: readonly Tensor[], values: Tensor | number, accumulate = false): Tensor {
  const op = accumulate ? "indexPut(accumulate)" : "indexPut";
  if (!Array.isArray(indices) || indices.length === 0 || !indices.every((t) => t instanceof Tensor)) {
    throw new TypeError(`${op}: indices must be a non-empty array of tensors`);
  }
  let cols: Tensor[];
  if (indices.length === 1 && indices[0].dtype === "bool") {
    const mask = indices[0];
    const nz = nonzero(mask);
    if (mask.ndim > x.ndim || mask.shape.some((s, i) => s !== x.shape[i])) {
      throw new Error(`${op}: mask of shape ${fmtShape(mask.shape)} does not match the leading dims of ${fmtShape(x.shape)}`);
    }
    cols = Array.from({ length: mask.ndim }, (_, d) => nz.select(1, d));
  } else {
    const n = indices.map((t) => t.shape);
    const shape = n.reduce((a, s) => (a.length >= s.length ? a : s), [] as readonly number[]);
    cols = indices.map((t) => t.expand(shape as number[]).reshape(-1));
  }
  const [lin, rest] = linearRows(x.shape, cols, op);
  const rows = lin.shape[0];
  const v = asTensor(values, x).expand([rows, ...x.shape.slice(cols.length)]).reshape([rows, rest]);
  const flat = x.reshape([x.numel() / Math.max(rest, 1), rest]);
  const index = lin.unsqueeze(1).expand([rows, rest]);
  const out = accumulate ? scatterAdd(flat, 0, index, v.to(x.dtype)) : scatter(flat, 0, index, v.to(x.dtype));
  return out.reshape(x.shape);
}

/** In-place indexPut (PyTorch's `index_put_`), differentiable through copy_. */
export function indexPut_(x: Tensor, indices: readonly Tensor[], values: Tensor | number, accumulate = false): Tensor {
  return copy_(x, indexPut(x, indices, values, accumulate));
}

/** `x` with the first mask.sum() elements of `source` written where `mask` is true, in order. */
export function maskedScatter(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  if (mask.dtype !== "bool") throw new TypeError(`maskedScatter: mask must be bool, got ${mask.dtype}`);
  const m = mask.expand(x.shape);
  const count = m.sum().item();
  if (source.numel() < count) throw new Error(`maskedScatter: source has ${source.numel()} elements, the mask selects ${count}`);
  return indexPut(x, [m], source.reshape(-1).narrow(0, 0, count));
}

/** In-place maskedScatter (PyTorch's `masked_scatter_`). */
export function maskedScatter_(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  return copy_(x, maskedScatter(x, mask, source));
}

/** The indices one IndexItem selects along a dim of `size`, and whether the dim is kept. */
function itemIndices(item: IndexItem, size: number, d: number): [number[], boolean] {
  if (item === null) return [Array.from({ length: size }, (_, i) => i), true];
  if (typeof item === "number") {
    const i = item < 0 ? item + size : item;
    if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`setItem: index ${item} out of range for dim ${d} of size ${size}`);
    return [[i], false];
  }
  if (!Array.isArray(item)) throw new TypeError(`setItem: item ${d} must be a number, null or a slice [start, end, step]`);
  const [s0, e0, step = 1] = item;
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`setItem: slice step must be a positive integer, got ${step}`);
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const start = s0 === null || s0 === undefined ? 0 : clamp(s0);
  const end = e0 === null || e0 === undefined ? size : clamp(e0);
  const out: number[] = [];
  for (let i = start; i < end; i += step) out.push(i);
  return [out, true];
}

/**
 * `x[spec] = value`, in place: `x.setItem([null, [0, null, 2]], y)` is PyTorch's
 * `x[:, 0::2] = y`; `x.setItem(mask, v)` is `x[mask] = v`; a number picks one index.
 */
export function setItem(x: Tensor, spec: IndexSpec, value: Tensor | number): Tensor {
  if (spec instanceof Tensor) {
    if (spec.dtype === "bool") return indexPut_(x, [spec], value);
    return indexPut_(x, [spec], value);
  }
  if (!Array.isArray(spec)) throw new TypeError("setItem: spec must be an array of index items or a bool mask tensor");
  if (spec.length > x.ndim) throw new Error(`setItem: ${spec.length} index items for a ${x.ndim}-D tensor`);
  const per = spec.map((it, d) => itemIndices(it, x.shape[d], d));
  const k = spec.length;
  // Cartesian product of the per-dim selections, as int32 columns over the first k dims.
  const sizes = per.map(([ix]) => ix.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const cols = per.map(([ix], d) => {
    const inner = sizes.slice(d + 1).reduce((a, b) => a * b, 1);
    const col = new Int32Array(total);
    for (let r = 0; r < total; r++) col[r] = ix[Math.floor(r / inner) % ix.length];
    return tensor(col, { dtype: "int32", shape: [total] });
  });
  const selShape = [...per.flatMap(([ix, keep]) => (keep ? [ix.length] : [])), ...x.shape.slice(k)];
  const v = asTensor(value, x).expand(selShape).reshape([total, ...x.shape.slice(k)]);
  return indexPut_(x, cols, v);
}

declare module "../core/tensor.js" {
  interface Tensor {
    indexPut(indices: readonly Tensor[], values: Tensor | number, accumulate?: boolean): Tensor;
    indexPut_(indices: readonly Tensor[], values: Tensor | number, accumulate?: boolean): Tensor;
    maskedScatter(mask: Tensor, source: Tensor): Tensor;
    maskedScatter_(mask: Tensor, source: Tensor): Tensor;
    setItem(spec: IndexSpec, value: Tensor | number): Tensor;
  }
}

const P = Tensor.prototype;
P.indexPut = function (i, v, a) { return indexPut(this, i, v, a); };
P.indexPut_ = function (i, v, a) { return indexPut_(this, i, v, a); };
P.maskedScatter = function (m, s) { return maskedScatter(this, m, s); };
P.maskedScatter_ = function (m, s) { return maskedScatter_(this, m, s); };
P.setItem = function (s, v) { return setItem(this, s, v); };
