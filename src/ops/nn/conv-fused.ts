/**
 * conv2d (groups 1, float32) on a backend's fused kernels (Backend.conv2dFused):
 * forward and both gradients run image by image on columns that live only in the
 * kernel's cache-sized buffer, so no [n, C*kH*kW, L] column tensor is made, copied or
 * kept for the backward (the weight gradient rebuilds each image's columns from x).
 */
import { allocUninit } from "../../core/dtype.js";
import { Tensor, allocUninitOn, make, needsGrad, record } from "../../core/tensor.js";
import { type ConvFusedKernels, type ConvGeom } from "../../backends/backend.js";
import { gemm } from "../linalg.js";
import { recordFused } from "../fused.js";
import { foldOp, unfoldOp } from "./unfold-op.js";

/** x4 [N, C, H, W] (float32), w [O, C*kH*kW], bias [O] -> [N, O, oH, oW] on `kern`. */
export function convFused(kern: ConvFusedKernels, x4: Tensor, w: Tensor, b: Tensor | undefined | null, N: number, g: ConvGeom, groups = 1): Tensor {
  const O = w.shape[0], L = g.oH * g.oW, dev = x4.device;
  const f32 = (t: Tensor) => t._buf as Float32Array;
  for (const t of [w, b]) if (t && t.device !== dev) throw new Error(`conv2d: expected input, weight and bias on one device, got "${dev}" and "${t.device}"`);
  const out = make(allocUninitOn(dev, "float32", N * O * L), [N, O, g.oH, g.oW], "float32");
  kern.forward(f32(x4), f32(w), b ? f32(b) : null, N, O, g, f32(out), groups);
  if (!needsGrad(w, x4, b ?? undefined)) return out;
  const inputs = b ? [w, x4, b] : [w, x4];
  const xShape = x4.shape.slice();
  recordFused(out, "ConvolutionBackward", inputs, (gr) => {
    const gy = gr.contiguous();
    // createGraph: the same products in differentiable tensor ops.
    const g3 = gy.reshape(N, O, L);
    const cols = unfoldOp(x4, N, g);
    return [
      w.requiresGrad ? gemm(g3, cols, false, true).sum([0]) : null,
      x4.requiresGrad ? foldOp(gemm(w, g3, true, false), N, g).reshape(xShape) : null,
      b && b.requiresGrad ? g3.sum([0, 2]) : null,
    ];
  }, (gr) => {
    const gy = gr.contiguous();
    let dw: Tensor | null = null, dx: Tensor | null = null, db: Tensor | null = null;
    if (w.requiresGrad) {
      dw = make(allocUninitOn(dev, "float32", w.numel()), w.shape.slice(), "float32");
      kern.weightGrad(f32(x4), f32(gy), N, O, g, f32(dw), groups);
    }
    if (x4.requiresGrad) {
      dx = make(allocUninitOn(dev, "float32", x4.numel()), xShape, "float32");
      kern.inputGrad(f32(w), f32(gy), N, O, g, f32(dx), groups);
    }
    if (b && b.requiresGrad) db = gy.reshape(N, O, L).sum([0, 2]);
    return [dw, dx, db];
  }, [w, x4]);
  return out;
}
