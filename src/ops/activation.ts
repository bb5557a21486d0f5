/**
 * Activation ops whose public API is in F (torch.nn.functional), defined like the
 * elementwise math ops: one op-table kernel on every backend plus the gradient in
 * tensor ops (so double backward works). Not re-exported at the top level.
 */
import { where } from "./elementwise.js";
import { floatUnary } from "./unary-op.js";

/** x * relu6(x + 3) / 6; gradient g * (0 below -3, x / 3 + 1/2 up to 3, 1 above), as PyTorch. */
export const hardswish = floatUnary("hardswish", "HardswishBackward0", (g, x) => g.mul(where(x.lt(-3), 0, where(x.le(3), x.div(3).add(0.5), 1))), "x");
