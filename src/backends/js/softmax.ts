/**
 * Row softmax / log-softmax and their backward passes (JS reference, any float dtype):
 * the kernels behind F.softmax/F.logSoftmax along the last dim and attention weights.
 */
import type { TypedArray } from "../../core/dtype.js";

/** See Backend.softmax. */
export function softmax(x: TypedArray, rows: number, cols: number, scale: number, causalL: number, log: boolean, out: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const n = causalL > 0 ? Math.min((r % causalL) + 1, cols) : cols;
    let m = -Infinity;
    for (let j = 0; j < n; j++) { const z = x[o + j] * scale; if (z > m || Number.isNaN(z)) m = z; }
    if (m === -Infinity) m = 0;
    let s = 0;
    if (log) {
      for (let j = 0; j < n; j++) s += Math.exp(x[o + j] * scale - m);
      const ls = Math.log(s) + m;
      for (let j = 0; j < n; j++) out[o + j] = x[o + j] * scale - ls;
    } else {
      for (let j = 0; j < n; j++) { const e = Math.exp(x[o + j] * scale - m); out[o + j] = e; s += e; }
      const inv = 1 / s;
      for (let j = 0; j < n; j++) out[o + j] *= inv;
    }
    for (let j = n; j < cols; j++) out[o + j] = 0;
  }
}

/** See Backend.softmaxBackward. */
export function softmaxBackward(y: TypedArray, g: TypedArray, rows: number, cols: number, scale: number, log: boolean, out: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    if (log) {
      for (let j = 0; j < cols; j++) dot += g[o + j];
      for (let j = 0; j < cols; j++) out[o + j] = scale * (g[o + j] - Math.exp(y[o + j]) * dot);
    } else {
      for (let j = 0; j < cols; j++) dot += g[o + j] * y[o + j];
      for (let j = 0; j < cols; j++) out[o + j] = scale * (y[o + j] * (g[o + j] - dot));
    }
  }
}
