/**
 * JS reference kernels that move data: strided views to contiguous copies,
 * gather and scatter along an axis.
 */
import type { TypedArray } from "../../core/dtype.js";

export function strided(x: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], out: TypedArray): void {
  const nd = shape.length;
  const total = out.length;
  if (total === 0) return;
  if (nd === 0) { out[0] = x[offset]; return; }
  const inner = shape[nd - 1];
  const is = strides[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let src = offset;
  for (let o = 0; o < total; o += inner) {
    if (is === 1) for (let i = 0; i < inner; i++) out[o + i] = x[src + i];
    else for (let i = 0, s = src; i < inner; i++, s += is) out[o + i] = x[s];
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function stridedAssign(src: TypedArray, out: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], accumulate: boolean): void {
  const nd = shape.length;
  const total = src.length;
  if (total === 0) return;
  if (nd === 0) { out[offset] = accumulate ? out[offset] + src[0] : src[0]; return; }
  const inner = shape[nd - 1];
  const is = strides[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let dst = offset;
  for (let o = 0; o < total; o += inner) {
    if (accumulate) for (let i = 0, s = dst; i < inner; i++, s += is) out[s] += src[o + i];
    else for (let i = 0, s = dst; i < inner; i++, s += is) out[s] = src[o + i];
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      dst += strides[d];
      if (idx[d] < shape[d]) break;
      dst -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
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
