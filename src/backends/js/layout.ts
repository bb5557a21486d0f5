/**
 * JS reference kernels that move data: strided views to contiguous copies,
 * gather and scatter along an axis.
 */
import type { TypedArray } from "../../core/dtype.js";

/** Copy mode of stridedWalk: strided view -> contiguous, contiguous -> view, contiguous added into view. */
const GATHER = 0, ASSIGN = 1, ACCUMULATE = 2;

/**
 * Walks the strided view (shape/strides/offset over `view`) row by row in row-major
 * order, pairing it with the contiguous array `flat` (an odometer over the outer dims).
 */
function stridedWalk(view: TypedArray, flat: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], mode: number): void {
  const nd = shape.length;
  const total = flat.length;
  if (total === 0) return;
  if (nd === 0) {
    if (mode === GATHER) flat[0] = view[offset];
    else view[offset] = mode === ACCUMULATE ? view[offset] + flat[0] : flat[0];
    return;
  }
  const inner = shape[nd - 1];
  const is = strides[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let v = offset;
  for (let o = 0; o < total; o += inner) {
    if (mode === GATHER) {
      if (is === 1) for (let i = 0; i < inner; i++) flat[o + i] = view[v + i];
      else for (let i = 0, s = v; i < inner; i++, s += is) flat[o + i] = view[s];
    } else if (mode === ACCUMULATE) for (let i = 0, s = v; i < inner; i++, s += is) view[s] += flat[o + i];
    else for (let i = 0, s = v; i < inner; i++, s += is) view[s] = flat[o + i];
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      v += strides[d];
      if (idx[d] < shape[d]) break;
      v -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function strided(x: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], out: TypedArray): void {
  stridedWalk(x, out, offset, shape, strides, GATHER);
}

export function stridedAssign(src: TypedArray, out: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], accumulate: boolean): void {
  stridedWalk(out, src, offset, shape, strides, accumulate ? ACCUMULATE : ASSIGN);
}

export function gather(x: TypedArray, index: Int32Array, outer: number, r: number, idxR: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idxR; j++) {
      const ib = (o * idxR + j) * inner;
      for (let i = 0; i < inner; i++) out[ib + i] = x[(o * r + index[ib + i]) * inner + i];
    }
  }
}

export function scatter(out: TypedArray, index: Int32Array, src: TypedArray, outer: number, r: number, idxR: number, inner: number,
  mode: "set" | "sum" | "prod" | "amax" | "amin"): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idxR; j++) {
      const ib = (o * idxR + j) * inner;
      for (let i = 0; i < inner; i++) {
        const p = (o * r + index[ib + i]) * inner + i;
        const v = src[ib + i];
        switch (mode) {
          case "set": out[p] = v; break;
          case "sum": out[p] += v; break;
          case "prod": out[p] *= v; break;
          case "amax": if (v > out[p] || v !== v) out[p] = v; break;
          case "amin": if (v < out[p] || v !== v) out[p] = v; break;
        }
      }
    }
  }
}
