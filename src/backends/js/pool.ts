/**
 * JS reference kernels for pooling. Windows come precomputed per output row and
 * column (PoolWindows), so max, average and adaptive pooling, 1-D and 2-D, share
 * these loops and the kernels never re-derive padding/ceil-mode arithmetic.
 */
import type { PoolWindows } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";

export function maxPool2d(x: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  out: TypedArray, idx: Int32Array): void {
  const { hs, he, ws, we, dH, dW } = win;
  const HW = H * W, L = oH * oW;
  for (let p = 0; p < planes; p++) {
    const xOff = p * HW;
    let o = p * L;
    for (let i = 0; i < oH; i++) {
      const h0 = hs[i], h1 = he[i];
      for (let j = 0; j < oW; j++, o++) {
        const w0 = ws[j], w1 = we[j];
        let best = -Infinity;
        let bi = h0 * W + w0;
        for (let h = h0; h < h1; h += dH) {
          const row = h * W;
          for (let w = w0; w < w1; w += dW) {
            const v = x[xOff + row + w];
            // PyTorch's rule: strictly greater wins (first max on ties), NaN always wins.
            if (v > best || v !== v) {
              best = v;
              bi = row + w;
            }
          }
        }
        out[o] = best;
        idx[o] = bi;
      }
    }
  }
}

export function maxPool2dBackward(g: TypedArray, idx: Int32Array, planes: number, inSize: number, outSize: number, gx: TypedArray): void {
  gx.fill(0, 0, planes * inSize);
  for (let p = 0; p < planes; p++) {
    const xOff = p * inSize;
    const end = (p + 1) * outSize;
    for (let o = p * outSize; o < end; o++) gx[xOff + idx[o]] += g[o];
  }
}

export function avgPool2d(x: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  rowScale: Float64Array, colScale: Float64Array, out: TypedArray): void {
  const { hs, he, ws, we, dH, dW } = win;
  const HW = H * W, L = oH * oW;
  for (let p = 0; p < planes; p++) {
    const xOff = p * HW;
    let o = p * L;
    for (let i = 0; i < oH; i++) {
      const h0 = hs[i], h1 = he[i], rs = rowScale[i];
      for (let j = 0; j < oW; j++, o++) {
        const w0 = ws[j], w1 = we[j];
        let s = 0;
        for (let h = h0; h < h1; h += dH) {
          const row = xOff + h * W;
          for (let w = w0; w < w1; w += dW) s += x[row + w];
        }
        out[o] = s * rs * colScale[j];
      }
    }
  }
}

export function avgPool2dBackward(g: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  rowScale: Float64Array, colScale: Float64Array, gx: TypedArray): void {
  const { hs, he, ws, we, dH, dW } = win;
  const HW = H * W, L = oH * oW;
  gx.fill(0, 0, planes * HW);
  for (let p = 0; p < planes; p++) {
    const xOff = p * HW;
    let o = p * L;
    for (let i = 0; i < oH; i++) {
      const h0 = hs[i], h1 = he[i], rs = rowScale[i];
      for (let j = 0; j < oW; j++, o++) {
        const w0 = ws[j], w1 = we[j];
        const v = g[o] * rs * colScale[j];
        for (let h = h0; h < h1; h += dH) {
          const row = xOff + h * W;
          for (let w = w0; w < w1; w += dW) gx[row + w] += v;
        }
      }
    }
  }
}
