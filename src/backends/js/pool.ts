/**
 * JS reference kernels for pooling. Windows come precomputed per output row and
 * column (PoolWindows), so max, average and adaptive pooling, 1-D and 2-D, share
 * these loops and the kernels never re-derive padding/ceil-mode arithmetic.
 */
import type { PoolWindows } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";

/** Walk modes: max pooling, average pooling, average pooling's adjoint. */
const MAX = 0, AVG = 1, AVG_BACKWARD = 2;

/**
 * The window walk every pooling kernel shares, per plane and output window o:
 * MAX: y[o] = max of x over the window, idx[o] = its flat position (PyTorch's rule:
 * strictly greater wins, first max on ties, NaN always wins); AVG: y[o] = scale(o) *
 * sum of x over the window; AVG_BACKWARD (x is the gradient, zeroed by the caller):
 * x += scale(o) * y[o] on every pixel of the window. scale(o) = rowScale[i] * colScale[j].
 */
function poolWalk(x: TypedArray, y: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  mode: number, idx: Int32Array | null, rowScale: Float64Array | null, colScale: Float64Array | null): void {
  const { hs, he, ws, we, dH, dW } = win;
  const HW = H * W, L = oH * oW;
  for (let p = 0; p < planes; p++) {
    const xOff = p * HW;
    let o = p * L;
    for (let i = 0; i < oH; i++) {
      const h0 = hs[i], h1 = he[i], rs = rowScale ? rowScale[i] : 1;
      for (let j = 0; j < oW; j++, o++) {
        const w0 = ws[j], w1 = we[j];
        if (mode === MAX) {
          let best = -Infinity;
          let bi = h0 * W + w0;
          for (let h = h0; h < h1; h += dH) {
            const row = h * W;
            for (let w = w0; w < w1; w += dW) {
              const v = x[xOff + row + w];
              if (v > best || v !== v) { best = v; bi = row + w; }
            }
          }
          y[o] = best;
          idx![o] = bi;
        } else if (mode === AVG) {
          let s = 0;
          for (let h = h0; h < h1; h += dH) {
            const row = xOff + h * W;
            for (let w = w0; w < w1; w += dW) s += x[row + w];
          }
          y[o] = s * rs * colScale![j];
        } else {
          const v = y[o] * rs * colScale![j];
          for (let h = h0; h < h1; h += dH) {
            const row = xOff + h * W;
            for (let w = w0; w < w1; w += dW) x[row + w] += v;
          }
        }
      }
    }
  }
}

export function maxPool2d(x: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  out: TypedArray, idx: Int32Array): void {
  poolWalk(x, out, planes, H, W, oH, oW, win, MAX, idx, null, null);
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
  poolWalk(x, out, planes, H, W, oH, oW, win, AVG, null, rowScale, colScale);
}

export function avgPool2dBackward(g: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  rowScale: Float64Array, colScale: Float64Array, gx: TypedArray): void {
  gx.fill(0, 0, planes * H * W);
  poolWalk(gx, g, planes, H, W, oH, oW, win, AVG_BACKWARD, null, rowScale, colScale);
}
