/**
 * Activation ops whose public API is in F (torch.nn.functional), defined like the
 * elementwise math ops: one op-table kernel on every backend plus the gradient in
 * tensor ops (so double backward works). Not re-exported at the top level.
 */
import { clamp, where } from "./elementwise.js";
import { Tensor, allocUninitOn, make, needsGrad } from "../core/tensor.js";
import { allocUninit } from "../core/dtype.js";
import { currentBackend } from "../backends/backend.js";
import { recordFused } from "./fused.js";
import { floatUnary } from "./unary-op.js";

/** x * relu6(x + 3) / 6; gradient g * (0 below -3, x / 3 + 1/2 up to 3, 1 above), as PyTorch. */
export const hardswish = floatUnary("hardswish", "HardswishBackward0", (g, x) => g.mul(where(x.lt(-3), 0, where(x.le(3), x.div(3).add(0.5), 1))), "x");

/** relu6(x + 3) / 6; gradient g / 6 strictly inside (-3, 3), else 0, as PyTorch. */
export const hardsigmoid = floatUnary("hardsigmoid", "HardsigmoidBackward0", (g, x) => g.mul(where(x.gt(-3).logicalAnd(x.lt(3)), 1 / 6, 0)), "x");

/** x * sigmoid(x); gradient g * s * (1 + x * (1 - s)) with s = sigmoid(x), as PyTorch. */
export const silu = floatUnary("silu", "SiluBackward0", (g, x) => {
  const s = x.sigmoid();
  return g.mul(s.mul(x.mul(s.neg().add(1)).add(1)));
}, "x");

/**
 * Clamps to [lo, hi] in one kernel pass (ReLU6 is hardtanh(0, 6)); gradient g where
 * lo < x < hi and 0 elsewhere (open interval, unlike clamp's), as PyTorch's hardtanh:
 * one backward kernel pass, the composed mask product under createGraph.
 */
export function hardtanh(x: Tensor, lo: number, hi: number): Tensor {
  const out = clamp(x.detach(), lo, hi);
  if (!needsGrad(x)) return out;
  // A float32 input compares with the bounds rounded to float32, as PyTorch's scalar and x.gt(lo) do.
  const f32 = x.dtype === "float32", klo = f32 ? Math.fround(lo) : lo, khi = f32 ? Math.fround(hi) : hi;
  recordFused(out, "HardtanhBackward0", [x], (g) => [g.mul(x.gt(lo).logicalAnd(x.lt(hi)).to(g.dtype))], (g) => {
    const gx = (g.dtype === x.dtype ? g : g.to(x.dtype)).contiguous(), xc = x.contiguous();
    const dx = make(allocUninitOn(x.device, x.dtype, xc.numel()), x.shape.slice(), x.dtype);
    currentBackend().hardtanhBackward(xc._buf, gx._buf, klo, khi, dx._buf);
    return [dx];
  }, [x]);
  return out;
}
