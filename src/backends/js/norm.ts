/**
 * Fused layer-norm kernels of the JS reference backend (any float dtype; float64
 * accumulation): one pass for the row statistics, one for the output, and the
 * closed-form backward instead of the eight ops the composed form differentiates.
 */
import type { TypedArray } from "../../core/dtype.js";

/** See Backend.layerNorm. */
export function layerNorm(x: TypedArray, w: TypedArray | null, b: TypedArray | null, rows: number, D: number, eps: number,
  out: TypedArray, mean: TypedArray, rstd: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let s = 0;
    for (let j = 0; j < D; j++) s += x[o + j];
    const mu = s / D;
    let v = 0;
    for (let j = 0; j < D; j++) { const d = x[o + j] - mu; v += d * d; }
    const rs = 1 / Math.sqrt(v / D + eps);
    mean[r] = mu;
    rstd[r] = rs;
    const m = mean[r], q = rstd[r]; // the stored (possibly float32) statistics, as the backward sees them
    for (let j = 0; j < D; j++) {
      let y = (x[o + j] - m) * q;
      if (w) y *= w[j];
      if (b) y += b[j];
      out[o + j] = y;
    }
  }
}

/** See Backend.layerNormBackward. */
export function layerNormBackward(x: TypedArray, w: TypedArray | null, mean: TypedArray, rstd: TypedArray, g: TypedArray, rows: number, D: number,
  dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null): void {
  if (dw) dw.fill(0);
  if (db) db.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * D, m = mean[r], q = rstd[r];
    let sg = 0, sgx = 0;
    for (let j = 0; j < D; j++) {
      const xh = (x[o + j] - m) * q, gj = g[o + j];
      const gw = w ? gj * w[j] : gj;
      sg += gw;
      sgx += gw * xh;
      if (dw) dw[j] += gj * xh;
      if (db) db[j] += gj;
    }
    if (!dx) continue;
    const a = sg / D, c = sgx / D;
    for (let j = 0; j < D; j++) {
      const xh = (x[o + j] - m) * q;
      const gw = w ? g[o + j] * w[j] : g[o + j];
      dx[o + j] = q * (gw - a - xh * c);
    }
  }
}
