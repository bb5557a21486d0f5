/**
 * Layer norm as one autograd node over the backend's fused kernels: the forward keeps
 * each row's mean and 1/std, the backward is the closed form. The composed op chain
 * (mean, sub, square, mean, add, rsqrt, mul, mul, add) made nine intermediates and
 * broadcast copies per call. Under createGraph the backward differentiates the
 * composed form instead, so higher-order gradients still work.
 */
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
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
  const out = allocArray(x.dtype, n), mean = allocArray(x.dtype, rows), rstd = allocArray(x.dtype, rows);
  if (n > 0) currentBackend().layerNorm(xc._data, wc ? wc._data : null, bc ? bc._data : null, rows, D, eps, out, mean, rstd);
  const y = make(out, x.shape.slice(), x.dtype);
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  if (!inputs.some((t) => needsGrad(t))) return y;
  recordFused(y, "NativeLayerNormBackward", inputs, (g) => gradOfComposed(inputs, (wrapped) => {
    const at = (t: Tensor | null) => (t === null ? null : wrapped[inputs.indexOf(t)]);
    return composed(at(x)!, at(weight), at(bias));
  }, g), (g) => {
    const gd = g.contiguous()._data;
    const dx = x.requiresGrad ? allocArray(x.dtype, n) : null;
    const dw = weight?.requiresGrad ? allocArray(x.dtype, D) : null;
    const db = bias?.requiresGrad ? allocArray(x.dtype, D) : null;
    if (n > 0) currentBackend().layerNormBackward(xc._data, wc ? wc._data : null, mean, rstd, gd, rows, D, dx, dw, db);
    else { dw?.fill(0); db?.fill(0); }
    const grads: (Tensor | null)[] = [dx ? make(dx, x.shape.slice(), x.dtype) : null];
    if (weight) grads.push(dw ? make(dw, weight.shape.slice(), x.dtype) : null);
    if (bias) grads.push(db ? make(db, bias.shape.slice(), x.dtype) : null);
    return grads;
  }, inputs);
  return y;
}
