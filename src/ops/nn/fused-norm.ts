/**
 * Layer norm as one autograd node over the backend's fused kernels: the forward keeps
 * each row's mean and 1/std, the backward is the closed form. The composed op chain
 * (mean, sub, square, mean, add, rsqrt, mul, mul, add) made nine intermediates and
 * broadcast copies per call. Under createGraph the backward differentiates the
 * composed form instead, so higher-order gradients still work.
 */
import { Tensor, allocOn, allocUninitOn, make, needsGrad, record } from "../../core/tensor.js";
import { allocArray } from "../../core/dtype.js";
import { gradOfComposed, recordFused } from "../fused.js";
import { currentBackend } from "../../backends/backend.js";

/** The composed definition (also the createGraph backward's graph). */
export type ComposedNorm = (x: Tensor, w: Tensor | null, b: Tensor | null) => Tensor;

/** Layer norm over the trailing D elements of x; weight/bias (D elements, x's dtype) or null. */
export function fusedLayerNorm(x: Tensor, D: number, weight: Tensor | null, bias: Tensor | null, eps: number, composed: ComposedNorm): Tensor {
  const xc = x.contiguous();
  const wc = weight ? weight.contiguous() : null, bc = bias ? bias.contiguous() : null;
  const n = xc.numel(), rows = D === 0 ? 0 : n / D;
  const dev = x.device;
  const y = make(allocOn(dev, x.dtype, n), x.shape.slice(), x.dtype);
  const meanT = make(allocOn(dev, x.dtype, rows), [rows], x.dtype), rstdT = make(allocOn(dev, x.dtype, rows), [rows], x.dtype);
  const mean = meanT._buf, rstd = rstdT._buf;
  if (n > 0) currentBackend().layerNorm(xc._buf, wc ? wc._buf : null, bc ? bc._buf : null, rows, D, eps, y._buf, mean, rstd);
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  if (!inputs.some((t) => needsGrad(t))) return y;
  recordFused(y, "NativeLayerNormBackward", inputs, (g) => gradOfComposed(inputs, (wrapped) => {
    const at = (t: Tensor | null) => (t === null ? null : wrapped[inputs.indexOf(t)]);
    return composed(at(x)!, at(weight), at(bias));
  }, g), (g) => {
    const gd = g.contiguous()._buf;
    const dx = x.requiresGrad ? make(allocOn(dev, x.dtype, n), x.shape.slice(), x.dtype) : null;
    const dw = weight?.requiresGrad ? make(allocOn(dev, x.dtype, D), weight.shape.slice(), x.dtype) : null;
    const db = bias?.requiresGrad ? make(allocOn(dev, x.dtype, D), bias.shape.slice(), x.dtype) : null;
    // With n = 0 the fresh (zeroed) dw, db are already the answer.
    if (n > 0) currentBackend().layerNormBackward(xc._buf, wc ? wc._buf : null, mean, rstd, gd, rows, D, dx?._buf ?? null, dw?._buf ?? null, db?._buf ?? null);
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(dw);
    if (bias) grads.push(db);
    return grads;
  }, inputs);
  return y;
}
