/**
 * Shape ops. As in PyTorch, view ops (view, reshape when strides allow, flatten,
 * unflatten, squeeze, unsqueeze, permute, transpose, t, expand, narrow, slice, select,
 * diagonal, split, chunk, unbind) return views sharing storage and version counter with
 * their input (primitives in views.ts); flip, roll, repeat, cat and stack copy.
 */
import { allocArray, type DType } from "../core/dtype.js";
import { contiguousStrides, fmtShape, normDim, normDims, normInsertDim, numel, shapeArgs, shapesEqual } from "../core/shape.js";
import { Tensor, VIEW_MULTI_OUTPUT, allocOn, make, needsGrad, record } from "../core/tensor.js";
import { currentBackend } from "../backends/backend.js";
import { assertTensor, sumToShape } from "./util.js";
import { full } from "./creation.js";
import { affineView, contiguous, makeView, stridedView, stridesOf, viewAs } from "./views.js";

type ShapeVarArgs = (number | readonly number[])[];

// The view primitives live in views.ts; stridedView/stridedEmbed are re-exported for their callers.
export { stridedEmbed, stridedView, contiguous } from "./views.js";

function inferShape(x: Tensor, shape: number[], op: string): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be inferred (-1), got ${fmtShape(shape)}`);
      infer = i;
    } else if (shape[i] < 0) {
      throw new RangeError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative or -1`);
    } else known *= shape[i];
  }
  const n = x.numel();
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) {
      throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`);
    }
    out[infer] = n / known;
  } else if (known !== n) {
    throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)}): element counts differ`);
  }
  return out;
}

/**
 * Same data with a new shape (one dim may be -1): a view when the strides allow it
 * (always for contiguous tensors), else a contiguous copy, as PyTorch.
 * @example x.reshape(2, -1)
 */
export function reshape(x: Tensor, ...shape: ShapeVarArgs): Tensor {
  assertTensor(x, "reshape");
  const s = inferShape(x, shapeArgs(shape, "reshape"), "reshape");
  if (shapesEqual(s, x.shape)) return x;
  return viewAs(x, s, "ReshapeBackward") ?? viewAs(contiguous(x), s, "ReshapeBackward")!;
}

/** A view with a new shape; throws (as PyTorch) when the strides do not allow one. */
export function view(x: Tensor, ...shape: ShapeVarArgs): Tensor {
  const s = inferShape(x, shapeArgs(shape, "view"), "view");
  const v = viewAs(x, s, "ViewBackward");
  if (v === null) {
    throw new Error(
      `view: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces): ` +
        `shape ${fmtShape(x.shape)} with strides ${fmtShape(stridesOf(x))} to ${fmtShape(s)}. Use .reshape(...) instead.`,
    );
  }
  return v;
}

/** Flattens dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim, "flatten");
  const e = normDim(endDim, x.ndim, "flatten");
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${fmtShape(x.shape)}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Splits dim into `sizes` (one may be -1). @example x.unflatten(1, [2, 3]) */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim(dim, x.ndim, "unflatten");
  let s = sizes.slice();
  const inf = s.indexOf(-1);
  if (inf >= 0) s[inf] = x.shape[d] / numel(s.filter((_, i) => i !== inf));
  if (numel(s) !== x.shape[d] || !Number.isInteger(s[inf >= 0 ? inf : 0])) {
    throw new Error(`unflatten: sizes ${fmtShape(sizes)} do not multiply to ${x.shape[d]}, the size of dim ${dim} of ${fmtShape(x.shape)}`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...s, ...x.shape.slice(d + 1)]);
}

/** Removes size-1 dims (all of them, or the given ones). */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims = dim === undefined ? null : new Set(normDims(dim, x.ndim, "squeeze"));
  const shape = x.shape.filter((s, i) => s !== 1 || (dims !== null && !dims.has(i)));
  return reshape(x, shape);
}

/** Inserts a size-1 dim at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normInsertDim(dim, x.ndim, "unsqueeze");
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Reorders dims. @example x.permute(0, 2, 1) */
export function permute(x: Tensor, ...dims: ShapeVarArgs): Tensor {
  const p = shapeArgs(dims, "permute");
  if (p.length !== x.ndim) {
    throw new Error(`permute: got ${p.length} dims [${p.join(", ")}] for a tensor of ${x.ndim} dims (shape ${fmtShape(x.shape)})`);
  }
  const norm = p.map((d) => normDim(d, x.ndim, "permute"));
  if (new Set(norm).size !== norm.length) throw new Error(`permute: dims [${p.join(", ")}] repeat a dim`);
  if (norm.every((d, i) => d === i)) return x;
  return affineView(x, (sh, st, off) => [norm.map((d) => sh[d]), norm.map((d) => st[d]), off], "PermuteBackward");
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim, "transpose");
  const b = normDim(dim1, x.ndim, "transpose");
  if (a === b) return x;
  const p = x.shape.map((_, i) => i);
  p[a] = b;
  p[b] = a;
  return permute(x, p);
}

/** Matrix transpose of a tensor with at most 2 dims. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t: expects a tensor with <= 2 dims, got shape ${fmtShape(x.shape)}; use transpose(d0, d1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Moves dims from `source` to `destination`. */
export function movedim(x: Tensor, source: number | number[], destination: number | number[]): Tensor {
  const src = (typeof source === "number" ? [source] : source).map((d) => normDim(d, x.ndim, "movedim"));
  const dst = (typeof destination === "number" ? [destination] : destination).map((d) => normDim(d, x.ndim, "movedim"));
  if (src.length !== dst.length) throw new Error("movedim: source and destination must have the same number of dims");
  const order = new Array<number>(x.ndim).fill(-1);
  dst.forEach((d, i) => (order[d] = src[i]));
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  let r = 0;
  for (let i = 0; i < x.ndim; i++) if (order[i] < 0) order[i] = rest[r++];
  return permute(x, order);
}

/** Broadcasts size-1 dims to `shape` (-1 keeps a size): a view with stride 0 on those dims. */
export function expand(x: Tensor, ...shape: ShapeVarArgs): Tensor {
  const s = shapeArgs(shape, "expand");
  if (s.length < x.ndim) {
    throw new Error(`expand: the target shape ${fmtShape(s)} has fewer dims than the tensor's ${fmtShape(x.shape)}`);
  }
  const lead = s.length - x.ndim;
  const src = stridesOf(x);
  const strides = new Array<number>(s.length);
  const out = s.slice();
  for (let i = 0; i < s.length; i++) {
    if (i < lead) {
      if (s[i] < 0) throw new Error(`expand: -1 is not allowed for the new leading dim ${i} in ${fmtShape(s)}`);
      strides[i] = 0;
      continue;
    }
    const have = x.shape[i - lead];
    if (s[i] === -1) out[i] = have;
    else if (have !== s[i] && have !== 1) {
      throw new Error(`expand: the expanded size ${s[i]} must match the existing size ${have} at dim ${i} (shape ${fmtShape(x.shape)} to ${fmtShape(s)}); only size-1 dims can expand`);
    }
    strides[i] = have === 1 && out[i] !== 1 ? 0 : src[i - lead];
  }
  if (shapesEqual(out, x.shape)) return x;
  const xs = x.shape.slice();
  return makeView(x, out, strides, x._offset, "ExpandBackward", (g) => [sumToShape(g, xs)]);
}

/** Expands to `other`'s shape. */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  return expand(x, other.shape);
}

/** Tiles the tensor `repeats` times along each dim. @example x.repeat(2, 1) */
export function repeat(x: Tensor, ...repeats: ShapeVarArgs): Tensor {
  const r = shapeArgs(repeats, "repeat");
  if (r.length < x.ndim) throw new Error(`repeat: needs at least ${x.ndim} repeat counts for shape ${fmtShape(x.shape)}, got ${r.length}`);
  if (r.some((k) => k < 0)) throw new RangeError(`repeat: repeat counts must be non-negative, got ${fmtShape(r)}`);
  const xs = [...new Array(r.length - x.ndim).fill(1), ...x.shape];
  const inter: number[] = [];
  const big: number[] = [];
  for (let i = 0; i < r.length; i++) {
    inter.push(1, xs[i]);
    big.push(r[i], xs[i]);
  }
  return reshape(expand(reshape(x, inter), big), r.map((k, i) => k * xs[i]));
}

/** Elements start..start+length-1 along dim. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim, "narrow");
  const size = x.shape[d];
  if (start < 0) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new RangeError(`narrow: start ${start} and length ${length} out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  return slice(x, d, start, start + length);
}

/**
 * Python-style slice `x[..., start:end:step, ...]` along dim (negative and
 * out-of-range bounds clamp like Python; step must be positive).
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normDim(dim, x.ndim, "slice");
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === undefined || start === null ? 0 : clampIdx(start);
  const e = end === undefined || end === null ? size : clampIdx(end);
  const len = Math.max(0, Math.ceil((e - s) / step));
  if (s === 0 && len === size && step === 1) return x;
  return affineView(x, (sh, st, off) => {
    const shape = sh.slice(), strides = st.slice();
    shape[d] = len;
    strides[d] = st[d] * step;
    return [shape, strides, off + (len > 0 ? s * st[d] : 0)];
  }, "SliceBackward");
}

/** The slice at `index` along dim, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim, "select");
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  const i = index < 0 ? index + size : index;
  return affineView(x, (sh, st, off) => [sh.filter((_, k) => k !== d), st.filter((_, k) => k !== d), off + i * st[d]], "SelectBackward");
}

/** Reverses the order along the given dims. */
export function flip(x: Tensor, ...dims: ShapeVarArgs): Tensor {
  const ds = normDims(shapeArgs(dims, "flip"), x.ndim, "flip");
  if (x.numel() === 0 || ds.length === 0 || x.ndim === 0) return x.clone();
  const st = contiguousStrides(x.shape);
  let offset = 0;
  const strides = st.slice();
  for (const d of ds) {
    offset += (x.shape[d] - 1) * st[d];
    strides[d] = -st[d];
  }
  return stridedView(x, x.shape.slice(), strides, offset, "FlipBackward");
}

/** The diagonal (offset k) of the last two dims... or of dims dim1/dim2. */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const a = normDim(dim1, x.ndim, "diagonal"), b = normDim(dim2, x.ndim, "diagonal");
  if (a === b) throw new Error("diagonal: dim1 and dim2 must differ");
  const len = Math.max(0, offset >= 0 ? Math.min(x.shape[a], x.shape[b] - offset) : Math.min(x.shape[a] + offset, x.shape[b]));
  return affineView(x, (sh, st, off) => {
    const start = len === 0 ? 0 : offset >= 0 ? offset * st[b] : -offset * st[a];
    const shape = sh.filter((_, i) => i !== a && i !== b);
    const strides = st.filter((_, i) => i !== a && i !== b);
    shape.push(len);
    strides.push(st[a] + st[b]);
    return [shape, strides, off + start];
  }, "DiagonalBackward");
}

/** Concatenates tensors along an existing dim. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("cat: expected a non-empty array of tensors");
  tensors.forEach((t, i) => assertTensor(t, "cat", `tensors[${i}]`));
  // PyTorch skips 1-D empty tensors (legacy behaviour) when concatenating.
  const list = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (list.length === 0) return tensors[0].clone();
  const ref = list[0];
  const d = normDim(dim, ref.ndim, "cat");
  let dtype = ref.dtype;
  for (const t of list) {
    if (t.ndim !== ref.ndim) {
      throw new Error(`cat: tensors must have the same number of dims: got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`);
    }
    for (let i = 0; i < ref.ndim; i++) {
      if (i !== d && t.shape[i] !== ref.shape[i]) {
        throw new Error(`cat: sizes must match except in dim ${d}: got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)} (dim ${i})`);
      }
    }
    if (t.dtype !== dtype) dtype = [dtype, t.dtype].includes("float64") ? "float64" : [dtype, t.dtype].includes("float32") ? "float32" : "int32";
  }
  const parts = list.map((t) => (t.dtype === dtype ? t : t.to(dtype)));
  const shape = ref.shape.slice();
  shape[d] = parts.reduce((s, t) => s + t.shape[d], 0);
  if (parts.some((p) => p.device !== ref.device)) {
    const devs = [...new Set(parts.map((p) => JSON.stringify(p.device)))].join(" and ");
    throw new Error(`cat: expected all tensors on the same device, got ${devs}; move them first`);
  }
  if (ref.device !== "cpu") return record(catOnDevice(parts, shape, d, dtype), "CatBackward", parts, catBackward(parts, d));
  const out = make(allocArray(dtype, numel(shape)), shape, dtype);
  const outer = numel(shape.slice(0, d));
  const inner = numel(shape.slice(d + 1));
  const rowOut = shape[d] * inner;
  let off = 0;
  for (const p of parts) {
    const rowIn = p.shape[d] * inner;
    const src = p._data;
    for (let o = 0; o < outer; o++) out._data.set(src.subarray(o * rowIn, (o + 1) * rowIn), o * rowOut + off);
    off += rowIn;
  }
  if (parts.some((p) => needsGrad(p))) record(out, "CatBackward", parts, catBackward(parts, d));
  return out;
}

/** cat's backward: the gradient narrowed back to each part. */
function catBackward(parts: Tensor[], d: number): (g: Tensor) => Tensor[] {
  const sizes = parts.map((p) => p.shape[d]);
  return (g) => {
    let s = 0;
    return sizes.map((n) => {
      const piece = narrow(g, d, s, n);
      s += n;
      return piece;
    });
  };
}

/** cat on a device: each part written into its slab of the output by a strided-write kernel. */
function catOnDevice(parts: Tensor[], shape: number[], d: number, dtype: DType): Tensor {
  const out = make(allocOn(parts[0].device, dtype, numel(shape)), shape, dtype);
  const strides = contiguousStrides(shape), inner = numel(shape.slice(d + 1));
  let at = 0;
  for (const p of parts) {
    if (p.numel() > 0) currentBackend().stridedAssign(p._buf, out._buf, at * inner, p.shape, strides, false);
    at += p.shape[d];
  }
  return out;
}

/** Stacks same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("stack: expected a non-empty array of tensors");
  const ref = tensors[0];
  for (const t of tensors) {
    assertTensor(t, "stack");
    if (!shapesEqual(t.shape, ref.shape)) {
      throw new Error(`stack: all tensors must have the same shape: got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`);
    }
  }
  const d = normInsertDim(dim, ref.ndim, "stack");
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Splits into chunks of `size` (a number) or of the listed sizes along dim. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, "split");
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === "number") {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`split: split size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
    if (n === 0) sizes = [0];
  } else {
    sizes = sizeOrSections.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new Error(`split: sections [${sizes.join(", ")}] sum to ${total} but dim ${dim} has size ${n} (shape ${fmtShape(x.shape)})`);
  }
  let s = 0;
  return sizes.map((len) => {
    const p = multiOutputView(x, narrow(x, d, s, len), "SplitBackward");
    s += len;
    return p;
  });
}

/**
 * Marks one output of split/chunk/unbind: PyTorch refuses in-place ops on those under
 * autograd. A piece that is all of x becomes a view of its own so x is not marked.
 */
function multiOutputView(x: Tensor, piece: Tensor, name: string): Tensor {
  const p = piece !== x ? piece : affineView(x, (sh, st, off) => [sh.slice(), st.slice(), off], name);
  p._viewFlags |= VIEW_MULTI_OUTPUT;
  return p;
}

/** Splits into `chunks` nearly equal parts along dim (the last may be smaller). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim(dim, x.ndim, "chunk");
  const size = Math.ceil(x.shape[d] / chunks) || 1;
  return split(x, size, d);
}

/** Removes dim, returning the slices along it. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, "unbind");
  return Array.from({ length: x.shape[d] }, (_, i) => multiOutputView(x, select(x, d, i), "UnbindBackward"));
}

/** Rolls elements along dims by `shifts` (wrapping); without dims, rolls the flattened tensor. */
export function roll(x: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : shifts;
  if (dims === undefined) return reshape(roll(flatten(x), sh[0], 0), x.shape);
  const ds = typeof dims === "number" ? [dims] : dims;
  if (ds.length !== sh.length) throw new Error(`roll: got ${sh.length} shifts for ${ds.length} dims`);
  let r = x;
  for (let i = 0; i < ds.length; i++) {
    const d = normDim(ds[i], x.ndim, "roll");
    const n = x.shape[d];
    if (n === 0) continue;
    const s = ((sh[i] % n) + n) % n;
    if (s === 0) continue;
    r = cat([narrow(r, d, n - s, s), narrow(r, d, 0, n - s)], d);
  }
  return r === x ? x.clone() : r;
}

/** Fills a tensor like `x` (for ops needing a constant of the same shape/dtype). */
export function constantLike(x: Tensor, v: number): Tensor {
  return full(x.shape, v, { dtype: x.dtype });
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link reshape}. */ reshape(...shape: ShapeVarArgs): Tensor;
    /** Method form of {@link view}. */ view(...shape: ShapeVarArgs): Tensor;
    /** Method form of {@link flatten}. */ flatten(startDim?: number, endDim?: number): Tensor;
    /** Method form of {@link unflatten}. */ unflatten(dim: number, sizes: readonly number[]): Tensor;
    /** Method form of {@link squeeze}. */ squeeze(dim?: number | number[]): Tensor;
    /** Method form of {@link unsqueeze}. */ unsqueeze(dim: number): Tensor;
    /** Method form of {@link permute}. */ permute(...dims: ShapeVarArgs): Tensor;
    /** Method form of {@link transpose}. */ transpose(dim0: number, dim1: number): Tensor;
    /** Method form of {@link t}. */ t(): Tensor;
    /** Matrix transpose property (PyTorch's `.T` for 2-D). */
    readonly T: Tensor;
    /** Batched matrix transpose: swaps the last two dims (PyTorch's `.mT`). */ mT: Tensor;
    /** Method form of {@link movedim}. */ movedim(source: number | number[], destination: number | number[]): Tensor;
    /** Method form of {@link expand}. */ expand(...shape: ShapeVarArgs): Tensor;
    /** Method form of {@link expandAs}. */ expandAs(other: Tensor): Tensor;
    /** Method form of {@link repeat}. */ repeat(...repeats: ShapeVarArgs): Tensor;
    /** Method form of {@link contiguous}. */ contiguous(): Tensor;
    /** Method form of {@link narrow}. */ narrow(dim: number, start: number, length: number): Tensor;
    /** Method form of {@link slice}. */ slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    /** Method form of {@link select}. */ select(dim: number, index: number): Tensor;
    /** Method form of {@link flip}. */ flip(...dims: ShapeVarArgs): Tensor;
    /** Method form of {@link diagonal}. */ diagonal(offset?: number, dim1?: number, dim2?: number): Tensor;
    /** Method form of {@link split}. */ split(sizeOrSections: number | readonly number[], dim?: number): Tensor[];
    /** Method form of {@link chunk}. */ chunk(chunks: number, dim?: number): Tensor[];
    /** Method form of {@link unbind}. */ unbind(dim?: number): Tensor[];
    /** Method form of {@link roll}. */ roll(shifts: number | number[], dims?: number | number[]): Tensor;
  }
}

const P = Tensor.prototype;
P.reshape = function (...s) { return reshape(this, ...s); };
P.view = function (...s) { return view(this, ...s); };
P.flatten = function (s, e) { return flatten(this, s, e); };
P.unflatten = function (d, s) { return unflatten(this, d, s); };
P.squeeze = function (d) { return squeeze(this, d); };
P.unsqueeze = function (d) { return unsqueeze(this, d); };
P.permute = function (...d) { return permute(this, ...d); };
P.transpose = function (a, b) { return transpose(this, a, b); };
P.t = function () { return t(this); };
Object.defineProperty(P, "T", { get(this: Tensor) { return permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); } });
Object.defineProperty(P, "mT", { get(this: Tensor) { return transpose(this, -2, -1); } });
P.movedim = function (s, d) { return movedim(this, s, d); };
P.expand = function (...s) { return expand(this, ...s); };
P.expandAs = function (o) { return expandAs(this, o); };
P.repeat = function (...r) { return repeat(this, ...r); };
P.contiguous = function () { return contiguous(this); };
P.narrow = function (d, s, l) { return narrow(this, d, s, l); };
P.slice = function (d, s, e, st) { return slice(this, d, s, e, st); };
P.select = function (d, i) { return select(this, d, i); };
P.flip = function (...d) { return flip(this, ...d); };
P.diagonal = function (o, a, b) { return diagonal(this, o, a, b); };
P.split = function (s, d) { return split(this, s, d); };
P.chunk = function (c, d) { return chunk(this, c, d); };
P.unbind = function (d) { return unbind(this, d); };
P.roll = function (s, d) { return roll(this, s, d); };
