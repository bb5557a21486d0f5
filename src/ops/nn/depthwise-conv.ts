/**
 * Depthwise conv2d (groups = in = out channels, float32) on a backend's direct kernel
 * (Backend.depthwiseConv2d): forward and both gradients slide the window over each
 * plane, with no im2col column tensor and no batched GEMM of one row per group (issue
 * #21: MobileNet, EfficientNet and ConvNeXt spend most of their time in these layers).
 * Under createGraph the backward differentiates the caller's composed (im2col) form.
 */
import { allocUninit } from "../../core/dtype.js";
import { Tensor, make, needsGrad } from "../../core/tensor.js";
import type { ConvGeom, DepthwiseKernels } from "../../backends/backend.js";
import { gradOfComposed, recordFused } from "../fused.js";

/**
 * x4 [N, C, H, W] (float32), w [C, 1, kH, kW], bias [C] -> [N, C, oH, oW] on `kern`.
 * `composed(x4, w, b)` is the same convolution in differentiable tensor ops.
 */
export function depthwiseConv2d(kern: DepthwiseKernels, x4: Tensor, w: Tensor, b: Tensor | null, N: number, g: ConvGeom,
  composed: (x4: Tensor, w: Tensor, b: Tensor | null) => Tensor): Tensor {
  const C = g.C, L = g.oH * g.oW;
  const f32 = (t: Tensor) => t._data as Float32Array;
  const out = make(allocUninit("float32", N * C * L), [N, C, g.oH, g.oW], "float32");
  kern.forward(f32(x4), f32(w), b ? f32(b) : null, N, g, f32(out));
  if (!needsGrad(x4, w, b ?? undefined)) return out;
  const inputs = b ? [x4, w, b] : [x4, w];
  recordFused(out, "ConvolutionBackward", inputs,
    (gr) => gradOfComposed(inputs, (t) => composed(t[0], t[1], b ? t[2] : null), gr),
    (gr) => {
      const gy = gr.contiguous();
      let dx: Tensor | null = null, dw: Tensor | null = null;
      if (x4.requiresGrad) {
        dx = make(allocUninit("float32", x4.numel()), x4.shape.slice(), "float32");
        kern.inputGrad(f32(w), f32(gy), N, g, f32(dx));
      }
      if (w.requiresGrad) {
        dw = make(allocUninit("float32", w.numel()), w.shape.slice(), "float32");
        kern.weightGrad(f32(x4), f32(gy), N, g, f32(dw));
      }
      const db = b && b.requiresGrad ? gy.reshape(N, C, L).sum([0, 2]) : null;
      return b ? [dx, dw, db] : [dx, dw];
    }, [x4, w]);
  return out;
}
