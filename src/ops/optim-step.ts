/**
 * Fused optimizer updates as in-place ops on parameter and state tensors, so optimizers
 * (src/optim/) reach the backend kernels through src/ops/ like every other caller.
 */
import type { TypedArray } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";
import { currentBackend, type AdamHyper } from "../backends/backend.js";

export type { AdamHyper };

/**
 * One Adam/AdamW update of p and its state m, v (vmax for AMSGrad) from the gradient
 * values g, in place, in torch.optim.Adam's order (see Backend.adamStep); bumps p's version.
 */
export function adamStep_(p: Tensor, g: TypedArray, m: Tensor, v: Tensor, vmax: Tensor | null, h: AdamHyper): void {
  currentBackend().adamStep(p._data, g, m._data, v._data, vmax ? vmax._data : null, h);
  p._bump();
}
