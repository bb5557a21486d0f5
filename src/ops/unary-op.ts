/**
 * The building blocks of unary ops: the kernel call (one op of the op table on the
 * current backend) and floatUnary, which defines a float op with its gradient in one
 * line (see docs/contributing.md).
 */
import { isFloating, allocUninit, type DType } from "../core/dtype.js";
import { Tensor, allocUninitOn, make, needsGrad, record } from "../core/tensor.js";
import { currentBackend, type UnaryOp } from "../backends/backend.js";

export function unaryKernel(op: UnaryOp, x: Tensor, outDtype: DType): Tensor {
  const out = make(allocUninitOn(x.device, outDtype, x.numel()), x.shape.slice(), outDtype);
  currentBackend().unary(op, x._buf, out._buf);
  return out;
}

/** Float input for float-only math ops (ints/bools promote to float32, as PyTorch). */
function floatIn(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : x.to("float32");
}

export type GradOf = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

/** Defines a float unary op: kernel + gradient. `save` says which tensors backward reads. */
export function floatUnary(op: UnaryOp, name: string, grad: GradOf, save: "x" | "out" | "both" | "none") {
  return (input: Tensor): Tensor => {
    const x = floatIn(input);
    const out = unaryKernel(op, x, x.dtype);
    if (needsGrad(x)) {
      const saved = save === "x" ? [x] : save === "out" ? [out] : save === "both" ? [x, out] : [];
      record(out, name, [x], (g) => [grad(g, x, out)], saved);
    }
    return out;
  };
}
