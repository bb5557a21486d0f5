/**
 * Fused optimizer updates as in-place ops on parameter and state tensors, so optimizers
 * (src/optim/) reach the backend kernels through src/ops/ like every other caller.
 */
import type { TypedArray } from "../core/dtype.js";
import { moveInPlace, type Tensor } from "../core/tensor.js";
import { currentBackend, type AdamHyper } from "../backends/backend.js";

export type { AdamHyper };

/**
 * One Adam/AdamW update of p and its state m, v (vmax for AMSGrad) from the gradient
 * values g, in place, in torch.optim.Adam's order (see Backend.adamStep); bumps p's version.
 */
export function adamStep_(p: Tensor, g: TypedArray, m: Tensor, v: Tensor, vmax: Tensor | null, h: AdamHyper): void {
  // Optimizer state follows its parameter to another device (model.to after the first step).
  for (const s of [m, v, vmax]) if (s && s.device !== p.device) followDevice(s, p);
  currentBackend().adamStep(p._buf, g, m._buf, v._buf, vmax ? vmax._buf : null, h);
  p._bump();
}

/** Moves optimizer state `s` to the device of its parameter `p`, in place (CPU to device only: a read back is async). */
export function followDevice(s: Tensor, p: Tensor): void {
  moveInPlace(s, p.device, "optimizer.step");
}
