/**
 * The differentiable unfold (im2col) / fold (col2im) pair that convolutions without a
 * fused backend kernel, F.unfold and F.fold are built from.
 */
import { allocUninit } from "../../core/dtype.js";
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
import { currentBackend, type ConvGeom } from "../../backends/backend.js";

/** im2col as a differentiable op: x [n, C, H, W] -> [n, C*kH*kW, oH*oW]. Backward: fold. */
export function unfoldOp(x: Tensor, n: number, g: ConvGeom): Tensor {
  const rows = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const out = make(allocUninit(x.dtype, n * rows * L), [n, rows, L], x.dtype);
  currentBackend().im2col(x._data, n, g, out._data);
  if (needsGrad(x)) {
    const shape = x.shape.slice();
    record(out, "Im2ColBackward", [x], (gr) => [foldOp(gr.contiguous(), n, g).reshape(shape)]);
  }
  return out;
}

/** col2im as a differentiable op: cols [n, C*kH*kW, oH*oW] -> [n, C, H, W]. Backward: unfold. */
export function foldOp(cols: Tensor, n: number, g: ConvGeom): Tensor {
  const out = make(allocUninit(cols.dtype, n * g.C * g.H * g.W), [n, g.C, g.H, g.W], cols.dtype);
  currentBackend().col2im(cols._data, n, g, out._data);
  if (needsGrad(cols)) {
    const shape = cols.shape.slice();
    record(out, "Col2ImBackward", [cols], (gr) => [unfoldOp(gr.contiguous(), n, g).reshape(shape)]);
  }
  return out;
}
