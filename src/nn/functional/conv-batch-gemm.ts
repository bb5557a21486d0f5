/**
 * The differentiable unfold (im2col) / fold (col2im) pair that convolutions are built
 * from, and conv2d computed as one GEMM over the whole batch (columns [K, N*L]) for
 * backends that ask for it (Backend.convBatchInner).
 */
import { isGradEnabled } from "../../core/autograd.js";
import { allocUninit, type DType, type TypedArray } from "../../core/dtype.js";
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
import { B, type ConvGeom } from "../../backends/backend.js";
import { gemm } from "../../ops/linalg.js";

/**
 * im2col as a differentiable op: x [n, C, H, W] -> [n, C*kH*kW, oH*oW], or with
 * batchInner [C*kH*kW, n*oH*oW] (every image's columns side by side). Backward: fold.
 */
export function unfoldOp(x: Tensor, n: number, g: ConvGeom, batchInner = false): Tensor {
  const rows = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const out = make(allocUninit(x.dtype, n * rows * L), batchInner ? [rows, n * L] : [n, rows, L], x.dtype);
  B().im2col(x._data, n, g, out._data, batchInner);
  if (needsGrad(x)) {
    const shape = x.shape.slice();
    record(out, "Im2ColBackward", [x], (gr) => [foldOp(gr.contiguous(), n, g, batchInner).reshape(shape)]);
  }
  return out;
}

/** col2im as a differentiable op: cols (laid out as unfoldOp's, per batchInner) -> [n, C, H, W]. Backward: unfold. */
export function foldOp(cols: Tensor, n: number, g: ConvGeom, batchInner = false): Tensor {
  const out = make(allocUninit(cols.dtype, n * g.C * g.H * g.W), [n, g.C, g.H, g.W], cols.dtype);
  B().col2im(cols._data, n, g, out._data, batchInner);
  if (needsGrad(cols)) {
    const shape = cols.shape.slice();
    record(out, "Col2ImBackward", [cols], (gr) => [unfoldOp(gr.contiguous(), n, g, batchInner).reshape(shape)]);
  }
  return out;
}

/**
 * Depth (C*kH*kW) from which convolutions run as one GEMM over the whole batch (on
 * backends that ask for it, Backend.convBatchInner). MNIST CNN conv2 (K = 288, batch
 * 64) on native, 1 thread: its three GEMMs 27.4 ms + 2.9 ms for the weight gradient's
 * sum over images per image, 20.0 ms as one GEMM each. Shallow layers (conv1, K = 9)
 * are bound by writing C either way and would only pay for the transposes.
 */
export const BATCH_INNER_MIN_K = 32;

/**
 * Grow-only buffers for values that die inside one call (y^T, the transposed gradient,
 * the column gradient): each step's training would otherwise allocate ~20 MB more per
 * deep conv layer (MNIST CNN), and every such allocation brings V8's next GC closer.
 * Kept for the process's life, at the size of the largest layer seen.
 */
const scratchBufs = new Map<string, TypedArray>();
function scratch(slot: string, dtype: DType, n: number): TypedArray {
  const key = `${slot}:${dtype}`;
  let buf = scratchBufs.get(key);
  if (!buf || buf.length < n) {
    buf = allocUninit(dtype, n);
    scratchBufs.set(key, buf);
  }
  return buf.length === n ? buf : buf.subarray(0, n);
}

/**
 * conv2d (groups 1) as one GEMM over the batch: columns [K, N*L] (unfoldOp batchInner),
 * y^T [O, N*L] = w [O, K] @ cols (+ bias per row), transposed to [N, O, oH, oW]. The
 * backward transposes the gradient once to [O, N*L], so the weight gradient is one GEMM
 * with depth N*L instead of N products and a sum over them, and the column gradient
 * one GEMM whose result col2im folds straight into the input gradient. Under createGraph
 * the backward is the same computation in tensor ops (differentiable again).
 */
export function convBatchInner(x4: Tensor, w: Tensor, b: Tensor | undefined | null, N: number, g: ConvGeom): Tensor {
  const [O, K] = w.shape, L = g.oH * g.oW, NL = N * L;
  const be = B(), dt = w.dtype;
  const colsBuf = allocUninit(dt, K * NL);
  be.im2col(x4._data, N, g, colsBuf, true);
  const cols = make(colsBuf, [K, NL], dt);
  const yT = scratch("yT", dt, O * NL);
  be.matmul(w._data, colsBuf, yT, 1, O, NL, K, false, false, 0, 0);
  if (b) be.binary("add", yT, [O, NL], b._data, [O, 1], yT, [O, NL]);
  const out = make(allocUninit(dt, N * O * L), [N, O, g.oH, g.oW], dt);
  be.strided(yT, 0, [N, O, L], [L, NL, 1], out._data);
  if (!needsGrad(w, x4, b ?? undefined)) return out;
  const inputs = b ? [w, x4, b] : [w, x4];
  const xShape = x4.shape.slice();
  record(out, "ConvolutionBackward", inputs, (gr) => {
    if (isGradEnabled()) {
      // createGraph: tensor ops, with the columns rebuilt as a differentiable unfold of x.
      const gT = gr.reshape(N, O, L).permute(1, 0, 2).reshape(O, NL);
      const c = x4.requiresGrad ? unfoldOp(x4, N, g, true) : cols;
      return [
        w.requiresGrad ? gemm(gT, c, false, true) : null,
        x4.requiresGrad ? foldOp(gemm(w, gT, true, false), N, g, true).reshape(xShape) : null,
        b && b.requiresGrad ? gT.sum([1]) : null,
      ];
    }
    const gc = gr.contiguous();
    const gT = scratch("gT", dt, O * NL);
    be.strided(gc._data, 0, [O, N, L], [L, O * L, 1], gT);
    let dw: Tensor | null = null, dx: Tensor | null = null, db: Tensor | null = null;
    if (w.requiresGrad) {
      dw = make(allocUninit(dt, O * K), [O, K], dt);
      be.matmul(gT, colsBuf, dw._data, 1, O, K, NL, false, true, 0, 0);
    }
    if (x4.requiresGrad) {
      const dcols = scratch("dcols", dt, K * NL);
      be.matmul(w._data, gT, dcols, 1, K, NL, O, true, false, 0, 0);
      dx = make(allocUninit(dt, x4.numel()), xShape, dt);
      be.col2im(dcols, N, g, dx._data, true);
    }
    if (b && b.requiresGrad) {
      db = make(allocUninit(dt, O), [O], dt);
      be.reduce("sum", gT, O, NL, 1, db._data);
    }
    return [dw, dx, db];
  }, [w, x4, cols]);
  return out;
}
