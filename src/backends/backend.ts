/**
 * The Backend contract: every compute kernel myelin calls, on raw TypedArrays.
 * The JS backend implements all of them (a missing one is a compile error); faster
 * backends (wasm, native) override the hot kernels and fall back to JS per kernel.
 * Kernels take contiguous row-major inputs and write into a caller-allocated output.
 */
import type { TypedArray } from "../core/dtype.js";

// The op unions come from the op table (scripts/op-table.mjs).
export type { UnaryOp, BinaryOp, ReduceOp } from "./ops.generated.js";
import type { UnaryOp, BinaryOp, ReduceOp } from "./ops.generated.js";

/**
 * Geometry of a 2-D sliding window (1-D ops use H = 1, kH = 1): C planes of H x W,
 * a kH x kW kernel with dilation dH/dW, top/left padding (bottom/right follow from the
 * grid, so asymmetric "same" padding needs no extra field), strides, and the explicit
 * oH x oW grid of window positions (explicit because transposed conv's output
 * padding makes it differ from the formula).
 */
export interface ConvGeom {
  C: number; H: number; W: number; kH: number; kW: number; padT: number; padL: number;
  sH: number; sW: number; dH: number; dW: number; oH: number; oW: number;
}

/**
 * Pooling windows precomputed per output row / column, already clipped to the input:
 * output (i, j) reads rows hs[i], hs[i]+dH, ... < he[i] and columns ws[j], ws[j]+dW, ... < we[j].
 * One table form serves max, avg and adaptive pooling, in 1-D (H = 1) and 2-D.
 */
export interface PoolWindows { hs: Int32Array; he: Int32Array; ws: Int32Array; we: Int32Array; dH: number; dW: number }

/**
 * One Adam/AdamW update, element by element in torch.optim.Adam's order:
 * p *= decay; g' = sign*g + l2*p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'²;
 * (AMSGrad: vmax = max(vmax, v), used for v); p -= stepSize * (m / (sqrt(v) / bc2Sqrt + eps)).
 */
export interface AdamHyper {
  b1: number; b2: number; stepSize: number; bc2Sqrt: number; eps: number; sign: number; l2: number; decay: number;
}

/** See Backend.conv2dFused (float32 arrays only). */
export interface ConvFusedKernels {
  /** `groups` (default 1) is taken by the device kernels only; CPU fused kernels are called with groups 1. */
  forward(x: Float32Array, w: Float32Array, bias: Float32Array | null, n: number, O: number, g: ConvGeom, out: Float32Array, groups?: number): void;
  /** dx [n, C, H, W] = the fold (col2im) of w^T @ gy, image by image. */
  inputGrad(w: Float32Array, gy: Float32Array, n: number, O: number, g: ConvGeom, dx: Float32Array, groups?: number): void;
  /** dw [O, C*kH*kW] = sum over images of gy @ im2col(x)^T. */
  weightGrad(x: Float32Array, gy: Float32Array, n: number, O: number, g: ConvGeom, dw: Float32Array, groups?: number): void;
}

/**
 * See Backend.depthwiseConv2d (float32 arrays only): groups = C = out channels, w [C, kH*kW];
 * every output is overwritten.
 */
export interface DepthwiseKernels {
  /** out [n, C, oH, oW] = the per-channel sliding-window products (+ bias [C]). */
  forward(x: Float32Array, w: Float32Array, bias: Float32Array | null, n: number, g: ConvGeom, out: Float32Array): void;
  /** dx [n, C, H, W] from the output gradient gy [n, C, oH, oW]. */
  inputGrad(w: Float32Array, gy: Float32Array, n: number, g: ConvGeom, dx: Float32Array): void;
  /** dw [C, kH*kW] = sum over images of gy times the shifted x. */
  weightGrad(x: Float32Array, gy: Float32Array, n: number, g: ConvGeom, dw: Float32Array): void;
}

export interface Backend {
  /** Name shown by `my.backend()`. */
  readonly name: string;
  /**
   * Optional float32 conv2d (groups 1) that never builds the batch's column matrix:
   * per image, im2col into a buffer one image's columns big (it stays in cache), then
   * GEMM. Wasm would otherwise write the batch's columns out and copy them back in
   * for every GEMM that reads them; native saves their memory traffic and transposes.
   * x [n, C, H, W], w [O, C*kH*kW], bias [O] or null, output and its gradient gy
   * [n, O, oH, oW]; every output is overwritten.
   */
  readonly conv2dFused?: ConvFusedKernels;
  /**
   * Optional float32 depthwise conv2d (groups = in = out channels), a direct sliding-window
   * kernel: no im2col, no GEMM of one row per group (MobileNet, EfficientNet, ConvNeXt).
   */
  readonly depthwiseConv2d?: DepthwiseKernels;
  /** out[i] = op(x[i]). */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;
  /** out = op(a, b) with broadcasting of aShape/bShape to outShape. */
  binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void;
  /** ReLU's gradient: out[i] = g[i] * (x[i] > 0 ? 1 : 0) (NaN/inf in g still give NaN where x <= 0, as g * step(x)); all same length. */
  reluBackward(x: TypedArray, g: TypedArray, out: TypedArray): void;
  /** hardtanh's (and ReLU6's) gradient, PyTorch's select: out[i] = lo < x[i] < hi ? g[i] : 0; all same length. */
  hardtanhBackward(x: TypedArray, g: TypedArray, lo: number, hi: number, out: TypedArray): void;
  /** out[i] = cond[i] ? a[i] : b[i]; all same length. */
  where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray): void;
  /** out[i] = min(max(x[i], lo), hi). */
  clamp(x: TypedArray, lo: number, hi: number, out: TypedArray): void;
  /** Converts between dtypes (float -> int truncates, nonzero -> true for bool). */
  cast(x: TypedArray, out: TypedArray): void;
  /** Reduces the middle axis of x viewed as [outer, r, inner] into out [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, r: number, inner: number, out: TypedArray): void;
  /** Index of the first max/min along the middle axis of [outer, r, inner]; NaN wins. */
  argReduce(op: "argmax" | "argmin", x: TypedArray, outer: number, r: number, inner: number, out: Int32Array): void;
  /** Inclusive prefix sum (or product) along the middle axis of [outer, r, inner]. */
  cumulative(op: "sum" | "prod", x: TypedArray, outer: number, r: number, inner: number, out: TypedArray): void;
  /**
   * Batched GEMM: out[b] = op(A[b]) @ op(B[b]), op = transpose when the flag is set.
   * A[b] starts at b*aStride and is m x k (or k x m when transA); B likewise k x n
   * (n x k when transB). A stride of 0 broadcasts one matrix over the batch.
   */
  matmul(a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, aStride: number, bStride: number): void;
  /** Gathers a strided view (shape/strides/offset over x; strides may be 0 or negative) into contiguous out. */
  strided(x: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], out: TypedArray): void;
  /** Writes contiguous src into the strided view of out (adding when accumulate is set). */
  stridedAssign(src: TypedArray, out: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], accumulate: boolean): void;
  /**
   * Along the middle axis of [outer, r, inner] (x) / [outer, idxR, inner] (index, out):
   * gather: out[o, j, i] = x[o, index[o, j, i], i].
   */
  gather(x: TypedArray, index: Int32Array, outer: number, r: number, idxR: number, inner: number, out: TypedArray): void;
  /**
   * Scatter src [outer, idxR, inner] into out [outer, r, inner] at index (same shape as src).
   * mode "set" overwrites, "sum" adds, "prod" multiplies, "amax"/"amin" keep the extreme.
   */
  scatter(out: TypedArray, index: Int32Array, src: TypedArray, outer: number, r: number, idxR: number, inner: number,
    mode: "set" | "sum" | "prod" | "amax" | "amin"): void;
  /** x [n, C, H, W] -> out [n, C*kH*kW, oH*oW] (rows ordered c, ki, kj); zeros where a window reads padding. */
  im2col(x: TypedArray, n: number, g: ConvGeom, out: TypedArray): void;
  /** Adjoint of im2col: out [n, C, H, W] (overwritten) = sum of cols [n, C*kH*kW, oH*oW] at the pixels im2col read. */
  col2im(cols: TypedArray, n: number, g: ConvGeom, out: TypedArray): void;
  /** Max over each window of planes x [planes, H, W] -> out [planes, oH, oW], idx = argmax as h*W + w (NaN wins, first max on ties). */
  maxPool2d(x: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows, out: TypedArray, idx: Int32Array): void;
  /** gx [planes, inSize] (overwritten) = sum of g [planes, outSize] scattered to idx (per-plane flat indices); also max-unpooling. */
  maxPool2dBackward(g: TypedArray, idx: Int32Array, planes: number, inSize: number, outSize: number, gx: TypedArray): void;
  /** out[p, i, j] = rowScale[i] * colScale[j] * sum of x over window (i, j). */
  avgPool2d(x: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
    rowScale: Float64Array, colScale: Float64Array, out: TypedArray): void;
  /** Adjoint of avgPool2d: gx [planes, H, W] (overwritten) gets g[p, i, j] * rowScale[i] * colScale[j] on every pixel of window (i, j). */
  avgPool2dBackward(g: TypedArray, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
    rowScale: Float64Array, colScale: Float64Array, gx: TypedArray): void;
  /**
   * LSTM step on n rows: gates [n, 4H] pre-activations (i, f, g, o; overwritten with the
   * activations), cPrev [n, H] -> hOut, cOut [n, H]. With xAdd [n, 4H] the pre-activations
   * are gates + xAdd (h·W_hhᵀ plus the step's input projection, added inside the kernel).
   */
  lstmCell(gates: TypedArray, cPrev: TypedArray, n: number, H: number, hOut: TypedArray, cOut: TypedArray, xAdd?: TypedArray | null): void;
  /**
   * Backward of lstmCell from the saved activations act [n, 4H], cPrev and c [n, H],
   * gradients gh/gc (null = zero) -> dGates [n, 4H], dcPrev [n, H]. With gh2 [n, H] the
   * gradient of h is gh + gh2 (the state's and the output's, summed inside the kernel).
   */
  lstmCellBackward(act: TypedArray, cPrev: TypedArray, c: TypedArray, gh: TypedArray | null, gc: TypedArray | null,
    n: number, H: number, dGates: TypedArray, dcPrev: TypedArray, gh2?: TypedArray | null): void;
  /**
   * Softmax (log-softmax when `log`) of each row of x [rows, cols] after scaling by `scale`.
   * causalL > 0 keeps only the first min(r % causalL + 1, cols) entries of row r (the rest
   * get 0, as attention's causal mask). A row of -inf gives NaN, as PyTorch.
   */
  softmax(x: TypedArray, rows: number, cols: number, scale: number, causalL: number, log: boolean, out: TypedArray): void;
  /**
   * Backward of `softmax` from its output y and gradient g [rows, cols]:
   * out = scale * y ⊙ (g - Σ_row g⊙y) (PyTorch's formula, so an inf/NaN gradient spreads to its row); for log-softmax
   * out = scale * (g - e^y Σ_row g).
   */
  softmaxBackward(y: TypedArray, g: TypedArray, rows: number, cols: number, scale: number, log: boolean, out: TypedArray): void;
  /**
   * Layer norm over the rows of x [rows, D]: per row mean and rstd = 1/sqrt(biased variance + eps)
   * (written to mean/rstd [rows], saved for the backward), out = (x - mean) * rstd * w + b
   * with w, b [D] (null = 1 / 0).
   */
  layerNorm(x: TypedArray, w: TypedArray | null, b: TypedArray | null, rows: number, D: number, eps: number,
    out: TypedArray, mean: TypedArray, rstd: TypedArray): void;
  /**
   * Backward of layerNorm from g [rows, D]: with xhat = (x - mean) * rstd and gw = g ⊙ w,
   * dx = rstd * (gw - mean_D(gw) - xhat * mean_D(gw ⊙ xhat)); dw = Σ_rows g ⊙ xhat; db = Σ_rows g.
   * Each output is overwritten, or skipped when null.
   */
  layerNormBackward(x: TypedArray, w: TypedArray | null, mean: TypedArray, rstd: TypedArray, g: TypedArray, rows: number, D: number,
    dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null): void;
  /**
   * Dropout mask: out[i] = (next xoshiro128** draw) >= threshold ? keepValue : 0, one draw per
   * element in order; `state` (4 words, core/random.ts's generator state) is advanced in place.
   */
  bernoulliMask(state: Uint32Array, threshold: number, keepValue: number, out: TypedArray): void;
  /** In-place Adam/AdamW update of parameter p from gradient g and state m, v (vmax for AMSGrad, else null); all the same dtype and length. */
  adamStep(p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, vmax: TypedArray | null, h: AdamHyper): void;
  /** GRU step on n rows: gx = x W_ihᵀ + b_ih, gh = h W_hhᵀ + b_hh [n, 3H] (r, z, n), hPrev [n, H] -> hOut [n, H]; act [n, 4H] saves r, z, n, gh_n. */
  gruCell(gx: TypedArray, gh: TypedArray, hPrev: TypedArray, n: number, H: number, hOut: TypedArray, act: TypedArray): void;
  /** Backward of gruCell: act [n, 4H], hPrev [n, H], gOut [n, H] -> dGx, dGh [n, 3H] and the direct part dhPrev = gOut * z [n, H]. */
  gruCellBackward(act: TypedArray, hPrev: TypedArray, gOut: TypedArray, n: number, H: number, dGx: TypedArray, dGh: TypedArray, dhPrev: TypedArray): void;
}

import { jsBackend } from "./js/index.js";
import { routeDevices } from "./device-router.js";

/** The CPU kernel set (js, wasm or native), the device backend once one is initialised, and what calls go to. */
let cpu: Backend = jsBackend;
let device: Backend | null = null;
let current: Backend = jsBackend;

/** The JS reference backend: runs every kernel, the base every faster backend layers over. */
export function referenceBackend(): Backend {
  return jsBackend;
}

/** The backend kernels run on now. */
export function currentBackend(): Backend {
  return current;
}


/** Installs a CPU backend (used by setBackend). */
export function installBackend(b: Backend): void {
  cpu = b;
  current = device ? routeDevices(cpu, device) : cpu;
}

/** @internal Installs the device (WebGPU) backend: from now on calls are routed by where their tensors live. */
export function installDeviceBackend(d: Backend): void {
  device = d;
  current = routeDevices(cpu, d);
}

/** The fused conv2d kernels for tensors on `dev` (the device's take any `groups`), or undefined. */
export function fusedConvFor(dev: string): ConvFusedKernels | undefined {
  return dev === "cpu" ? cpu.conv2dFused : device?.conv2dFused;
}
