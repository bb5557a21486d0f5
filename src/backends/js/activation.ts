/**
 * JS kernels for fused activation gradients (one pass, one output, instead of a mask
 * tensor plus a product).
 */
import type { TypedArray } from "../../core/dtype.js";

/**
 * out[i] = g[i] * (x[i] > 0 ? 1 : 0). For float32 x the mask comes from the bit pattern
 * (0 < bits <= +inf's), because a `x > 0 ? 1 : 0` branch mispredicts half the time on
 * pre-activations of random sign and is ~3x slower; NaN and -0 give mask 0, as `x > 0`.
 */
/** out[i] = lo < x[i] < hi ? g[i] : 0 (NaN x gives 0; a NaN g outside the interval too, as PyTorch's select). */
export function hardtanhBackward(x: TypedArray, g: TypedArray, lo: number, hi: number, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v > lo && v < hi ? g[i] : 0; }
}

export function reluBackward(x: TypedArray, g: TypedArray, out: TypedArray): void {
  const n = out.length;
  if (x instanceof Float32Array) {
    const xb = new Int32Array(x.buffer, x.byteOffset, x.length);
    for (let i = 0; i < n; i++) {
      // t = bits - 1 is in [0, 0x7f7fffff] exactly when x is in (0, +inf]; both shifts give 0 then.
      const t = (xb[i] - 1) | 0;
      out[i] = g[i] * (~((t >> 31) | (((0x7f7fffff - t) | 0) >> 31)) & 1);
    }
    return;
  }
  for (let i = 0; i < n; i++) out[i] = g[i] * (x[i] > 0 ? 1 : 0);
}
