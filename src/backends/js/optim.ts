/**
 * Optimizer update kernels of the JS reference backend (any float dtype), one fused
 * pass per parameter so a step touches each element once.
 */
import type { AdamHyper } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";

/**
 * See Backend.adamStep. Float32 arrays round each intermediate to float32, as PyTorch computes in
 * the parameter's dtype; 1 - beta is formed in float64 and then rounded, as PyTorch's `value=1-beta` is.
 */
export function adamStep(p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, vmax: TypedArray | null, h: AdamHyper): void {
  const { b1, b2, stepSize, bc2Sqrt, eps, sign, l2, decay } = h;
  const n = p.length;
  if (p instanceof Float32Array) {
    const f = Math.fround;
    const fb1 = f(b1), fb2 = f(b2), c1 = f(1 - b1), c2 = f(1 - b2), fs = f(stepSize), fbc = f(bc2Sqrt), fe = f(eps), fsg = f(sign), fl2 = f(l2), fd = f(decay);
    for (let i = 0; i < n; i++) {
      const pi = f(p[i] * fd);
      const gi = f(f(fsg * g[i]) + f(fl2 * pi));
      const mi = f(f(fb1 * m[i]) + f(c1 * gi));
      const vi = f(f(fb2 * v[i]) + f(c2 * f(gi * gi)));
      m[i] = mi; v[i] = vi;
      let vv = vi;
      if (vmax !== null) { if (vmax[i] > vv) vv = vmax[i]; vmax[i] = vv; }
      p[i] = f(pi - f(fs * f(mi / f(f(f(Math.sqrt(vv)) / fbc) + fe))));
    }
    return;
  }
  const c1 = 1 - b1, c2 = 1 - b2;
  for (let i = 0; i < n; i++) {
    const pi = p[i] * decay;
    const gi = sign * g[i] + l2 * pi;
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi; v[i] = vi;
    let vv = vi;
    if (vmax !== null) { if (vmax[i] > vv) vv = vmax[i]; vmax[i] = vv; }
    p[i] = pi - stepSize * (mi / (Math.sqrt(vv) / bc2Sqrt + eps));
  }
}
