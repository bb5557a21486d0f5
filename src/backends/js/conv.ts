/**
 * JS reference kernels for convolution: im2col (unfold windows into GEMM columns)
 * and its adjoint col2im (fold columns back, summing overlaps). Convolution is then
 * one GEMM; transposed convolution is GEMM + col2im. For each (channel, kernel tap)
 * the valid output columns are computed once, so the inner loops are branch-free
 * contiguous (stride 1) or strided copies.
 */
import type { ConvGeom } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";

/**
 * First output column whose input column ow*s + off lies in [0, W) (returned in
 * RANGE[0]) and one past the last (RANGE[1]); a shared scratch avoids an allocation
 * per kernel tap.
 */
const RANGE = new Int32Array(2);
function validRange(off: number, s: number, W: number, oW: number): void {
  const lo = off >= 0 ? 0 : Math.min(oW, Math.ceil(-off / s));
  const last = W - 1 - off;
  const hi = last < 0 ? 0 : Math.min(oW, Math.floor(last / s) + 1);
  RANGE[0] = lo;
  RANGE[1] = hi > lo ? hi : lo;
}

/**
 * The unfold walk im2col and col2im share: for every (image, channel, kernel tap,
 * output row) the valid output columns [lo, hi) pair x[base + ow*sW] with
 * cols[o + ow]. gather: cols = those x values (0 where the window reads padding);
 * otherwise x += cols (the adjoint; the caller zeroes x first).
 */
function unfoldWalk(x: TypedArray, cols: TypedArray, n: number, g: ConvGeom, gather: boolean): void {
  const { C, H, W, kH, kW, padT, padL, sH, sW, dH, dW, oH, oW } = g;
  const HW = H * W, L = oH * oW, rows = C * kH * kW;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const xOff = (b * C + c) * HW;
      for (let ki = 0; ki < kH; ki++) {
        const hOff = ki * dH - padT;
        for (let kj = 0; kj < kW; kj++) {
          const wOff = kj * dW - padL;
          validRange(wOff, sW, W, oW);
          const lo = RANGE[0], hi = RANGE[1];
          let o = (b * rows + (c * kH + ki) * kW + kj) * L;
          for (let oh = 0; oh < oH; oh++, o += oW) {
            const ih = oh * sH + hOff;
            const inside = ih >= 0 && ih < H;
            const base = xOff + ih * W + wOff;
            if (gather) {
              // Rows are short (oW ~ 7-64): plain loops beat fill() calls here.
              if (!inside) { for (let ow = 0; ow < oW; ow++) cols[o + ow] = 0; continue; }
              for (let ow = 0; ow < lo; ow++) cols[o + ow] = 0;
              for (let ow = hi; ow < oW; ow++) cols[o + ow] = 0;
              if (sW === 1) for (let ow = lo; ow < hi; ow++) cols[o + ow] = x[base + ow];
              else for (let ow = lo, xi = base + lo * sW; ow < hi; ow++, xi += sW) cols[o + ow] = x[xi];
            } else if (inside && lo < hi) {
              if (sW === 1) for (let ow = lo; ow < hi; ow++) x[base + ow] += cols[o + ow];
              else for (let ow = lo, xi = base + lo * sW; ow < hi; ow++, xi += sW) x[xi] += cols[o + ow];
            }
          }
        }
      }
    }
  }
}

export function im2col(x: TypedArray, n: number, g: ConvGeom, out: TypedArray): void {
  unfoldWalk(x, out, n, g, true);
}

export function col2im(cols: TypedArray, n: number, g: ConvGeom, out: TypedArray): void {
  out.fill(0, 0, n * g.C * g.H * g.W);
  unfoldWalk(out, cols, n, g, false);
}
