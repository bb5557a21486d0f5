/**
 * View primitives (PyTorch's semantics): a view shares its base's storage and version
 * counter and differs only in offset, shape and strides. Every shape op that can be a
 * view is built from `affineView` (slice, select, permute, diagonal, expand, ...) or
 * `viewAs` (reshape-family). Their backward embeds the gradient into the input's shape
 * (`stridedEmbed`), computed on the input's logical layout, so it is right whatever
 * the input's own strides are. After an in-place write through any view, every other
 * view's grad_fn is rebuilt from its base's (PyTorch's AsStridedBackward), installed
 * into core through `setViewRegrad`.
 */
import type { TypedArray } from "../core/dtype.js";
import { DeviceArray } from "../core/storage.js";
import { Node, isGradEnabled } from "../core/autograd.js";
import { contiguousStrides, numel } from "../core/shape.js";
import { type Tensor, VIEW_NO_GRAD, _aliasOf, allocOn, allocUninitOn, isContiguousGeometry, make, needsGrad, record, setViewRegrad } from "../core/tensor.js";
import type { BackwardFn } from "../core/autograd.js";
import { currentBackend } from "../backends/backend.js";

/** Geometry of a view in the input's storage coordinates: [shape, strides, offset]. */
export type Geometry = [number[], number[], number];
/** Maps an input's geometry to its view's (the same map serves forward and backward). */
export type GeometryFn = (shape: readonly number[], strides: readonly number[], offset: number) => Geometry;

/** Strides in storage elements (contiguous ones computed when the tensor keeps none). */
export function stridesOf(x: Tensor): number[] {
  return x._strides ?? contiguousStrides(x.shape);
}

/**
 * A view of x with storage geometry (shape, strides, offset): shares storage and
 * version; its base is x's base (or x). `backward` maps the view's gradient to x's.
 */
export function makeView(x: Tensor, shape: number[], strides: number[] | null, offset: number, name: string, backward: BackwardFn | null, flags = 0): Tensor {
  const out = _aliasOf(x, shape, strides, offset);
  out._base = x._base ?? x;
  out._viewVer = x._version.v;
  out._viewFlags = isGradEnabled() ? flags : flags | VIEW_NO_GRAD;
  if (backward !== null && needsGrad(x)) record(out, name, [x], backward);
  return out;
}

/**
 * A view whose geometry is `geom` of x's. The backward embeds the gradient at the
 * same geometry taken over a contiguous tensor of x's shape.
 */
export function affineView(x: Tensor, geom: GeometryFn, name: string, flags = 0): Tensor {
  const [shape, strides, offset] = geom(x.shape, stridesOf(x), x._offset);
  const xs = x.shape.slice();
  return makeView(x, shape, strides, offset, name, (g) => {
    const [, rs, ro] = geom(xs, contiguousStrides(xs), 0);
    return [stridedEmbed(g, xs, rs, ro, 0)];
  }, flags);
}

/** Whether a geometry maps two elements to one memory location via a 0 stride (an expanded view). */
function hasZeroStride(shape: readonly number[], strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (strides[i] === 0 && shape[i] > 1) return true;
  return false;
}

/**
 * A view of x (whose logical layout is taken as contiguous) with shape/strides/offset
 * relative to that layout; a non-contiguous x is made contiguous first. Backward: embed.
 */
export function stridedAsView(x: Tensor, shape: number[], strides: number[], offset: number, name: string): Tensor {
  const c = contiguous(x);
  const xs = x.shape.slice();
  return makeView(c, shape, strides.slice(), c._offset + offset, name, (g) => [stridedEmbed(g, xs, strides, offset, 0)]);
}

/** Copies the strided view (shape/strides/offset over x's logical contiguous layout) into a new tensor. */
export function stridedView(x: Tensor, shape: number[], strides: number[], offset: number, name: string): Tensor {
  const out = make(allocUninitOn(x.device, x.dtype, numel(shape)), shape, x.dtype);
  currentBackend().strided(x._buf, offset, shape, strides, out._buf);
  if (needsGrad(x)) {
    const srcShape = x.shape.slice();
    record(out, name, [x], (g) => [stridedEmbed(g, srcShape, strides, offset, 0)]);
  }
  return out;
}

/**
 * A tensor of `fullShape` filled with `fill`, with `src` written into the strided view
 * (summed where the view overlaps itself, so it is the adjoint of an expanded view).
 */
export function stridedEmbed(src: Tensor, fullShape: number[], strides: number[], offset: number, fill: number): Tensor {
  const out = make(allocOn(src.device, src.dtype, numel(fullShape)), fullShape, src.dtype);
  if (fill !== 0) {
    if (out.device === "cpu") out._data.fill(fill);
    else currentBackend().clamp(out._buf, fill, fill, out._buf); // clamp(0, v, v) = v: a fill with the kernels at hand
  }
  currentBackend().stridedAssign(src._buf, out._buf, offset, src.shape, strides, hasZeroStride(src.shape, strides));
  if (needsGrad(src)) {
    const shape = src.shape.slice();
    record(out, "StridedEmbedBackward", [src], (g) => [stridedAsView(g, shape, strides, offset, "AsStridedBackward")]);
  }
  return out;
}

/**
 * The storage window of t when t is the transpose of its last two dims of a contiguous
 * tensor (`w.t()`, `x.mT`), else null: a GEMM reads it with its transpose flag flipped
 * instead of gathering a copy.
 */
export function transposedWindow(t: Tensor): TypedArray | null {
  const st = t._strides, arr = t._storage.array;
  const n = t.ndim;
  if (st === null || n < 2) return null;
  const sh = t.shape.slice(), ss = st.slice();
  [sh[n - 2], sh[n - 1]] = [sh[n - 1], sh[n - 2]];
  [ss[n - 2], ss[n - 1]] = [ss[n - 1], ss[n - 2]];
  if (!isContiguousGeometry(sh, ss)) return null;
  if (arr === null) return new DeviceArray(t._storage, t._offset, numel(sh), t.dtype) as unknown as TypedArray;
  return arr.subarray(t._offset, t._offset + numel(sh));
}

/** x itself when contiguous, else a contiguous copy (PyTorch's `contiguous()`). */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  const st = x._storage;
  const src = st.array ?? (new DeviceArray(st, 0, st.length, x.dtype) as unknown as TypedArray);
  const out = make(allocUninitOn(x.device, x.dtype, x.numel()), x.shape.slice(), x.dtype);
  currentBackend().strided(src, x._offset, x.shape, x._strides!, out._buf);
  if (needsGrad(x)) record(out, "CloneBackward", [x], (g) => [g]);
  return out;
}

/**
 * Strides that let a tensor of (shape, strides) be viewed as `newShape` without a
 * copy, or null when none exist (PyTorch's computeStride): each run of dims that is
 * contiguous in memory may be re-split freely; runs may not be merged.
 */
export function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  if (numel(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/**
 * x viewed with `shape` (same numel), or null when x's strides do not allow it.
 * The hot case (x contiguous) keeps no strides array at all.
 */
export function viewAs(x: Tensor, shape: number[], name: string): Tensor | null {
  let strides: number[] | null = null;
  if (x._strides !== null && !isContiguousGeometry(x.shape, x._strides)) {
    strides = viewStrides(x.shape, x._strides, shape);
    if (strides === null) return null;
  }
  const xs = x.shape.slice();
  return makeView(x, shape, strides, x._offset, name, (g) => [g.reshape(xs)]);
}

/**
 * The grad_fn of a view after its storage was written in place: the view's gradient
 * lands at its place in the base's gradient (PyTorch's AsStridedBackward).
 */
function asStridedRegrad(view: Tensor, base: Tensor): Node | null {
  const edge = base._gradEdge();
  if (edge === null) return null;
  const bshape = base.shape.slice();
  const vshape = view.shape.slice();
  const vstrides = stridesOf(view);
  const offset = view._offset - base._offset;
  const baseContiguous = base.isContiguous();
  return new Node("AsStridedBackward", [edge], (g) => {
    if (!baseContiguous) {
      throw new Error("backward: a view of a non-contiguous detached tensor was modified in place; its gradient is not supported (clone() the tensor first)");
    }
    const gv = g.shape.length === vshape.length ? g : g.reshape(vshape);
    return [stridedEmbed(gv, bshape, vstrides, offset, 0)];
  }, null);
}
setViewRegrad(asStridedRegrad);

/** The view's geometry relative to its base's logical (contiguous) layout. */
export function geometryInBase(view: Tensor): Geometry {
  const base = view._base!;
  if (!base.isContiguous()) {
    throw new Error("in-place: writing with autograd through a view of a non-contiguous detached tensor is not supported; clone() it first");
  }
  return [view.shape.slice(), stridesOf(view), view._offset - base._offset];
}
