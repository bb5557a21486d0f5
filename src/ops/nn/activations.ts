/**
 * Activation functions of `F` (PyTorch's torch.nn.functional activations).
 * Pointwise ones are composed from differentiable primitives, taking care that the
 * branch `where` discards never overflows (an inf there turns a zero gradient into
 * NaN). softmax/logSoftmax have their own stable kernel and a backward written in
 * tensor ops, so second derivatives work.
 */
import { Tensor, allocOn, allocUninitOn, make, needsGrad, record } from "../../core/tensor.js";
import { allocArray, isFloating, type DType } from "../../core/dtype.js";
import { fmtShape, normDim } from "../../core/shape.js";
import { where, sigmoid as sigmoidOp, tanh as tanhOp } from "../elementwise.js";
import { assertTensor } from "../util.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";
import { softmaxBackward } from "../fused.js";
import { hardsigmoid as hardsigmoidOp, hardswish as hardswishOp, hardtanh as hardtanhOp, silu as siluOp } from "../activation.js";
import { currentBackend } from "../../backends/backend.js";

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

function floatIn(x: Tensor, op: string): Tensor {
  assertTensor(x, op);
  return isFloating(x.dtype) ? x : x.to("float32");
}

/** max(x, 0). @example F.relu(my.tensor([-1, 2])) // [0, 2] */
export function relu(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.relu.names>): Tensor {
  FS.relu.parse(args);
  assertTensor(x, "relu");
  return x.relu();
}

/** Logistic sigmoid 1 / (1 + e^-x). */
export function sigmoid(x: Tensor, ...args: PyArgs<{}, typeof FS.sigmoid.names>): Tensor {
  FS.sigmoid.parse(args);
  return sigmoidOp(floatIn(x, "sigmoid"));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor, ...args: PyArgs<{}, typeof FS.tanh.names>): Tensor {
  FS.tanh.parse(args);
  return tanhOp(floatIn(x, "tanh"));
}

/** x where x > 0, else negativeSlope * x (default slope 0.01). */
export function leakyRelu(x: Tensor, ...args: PyArgs<{ negativeSlope?: number }, typeof FS.leakyRelu.names>): Tensor {
  const { negativeSlope = 0.01 } = FS.leakyRelu.parse<{ negativeSlope?: number }>(args);
  x = floatIn(x, "leakyRelu");
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/** x where x > 0, else alpha * (e^x - 1). */
export function elu(x: Tensor, ...args: PyArgs<{ alpha?: number }, typeof FS.elu.names>): Tensor {
  const { alpha = 1 } = FS.elu.parse<{ alpha?: number }>(args);
  x = floatIn(x, "elu");
  // The negative branch only sees x <= 0, so exp never overflows.
  return where(x.gt(0), x, x.clamp(null, 0).expm1().mul(alpha));
}

/** Scaled ELU with the self-normalising constants (alpha 1.6733, scale 1.0507). */
export function selu(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.selu.names>): Tensor {
  FS.selu.parse(args);
  return elu(x, SELU_ALPHA).mul(SELU_SCALE);
}

/** max(0, x) + min(0, alpha * (e^(x/alpha) - 1)). */
export function celu(x: Tensor, ...args: PyArgs<{ alpha?: number }, typeof FS.celu.names>): Tensor {
  const { alpha = 1 } = FS.celu.parse<{ alpha?: number }>(args);
  if (alpha === 0) throw new Error("celu: alpha must not be 0 (it divides x)");
  x = floatIn(x, "celu");
  return where(x.gt(0), x, x.clamp(null, 0).div(alpha).expm1().mul(alpha));
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** "none" (exact, with erf; default) or "tanh" (the tanh approximation). */
  approximate?: "none" | "tanh";
}

/** Gaussian error linear unit: x * Phi(x), exact or with the tanh approximation. */
export function gelu(x: Tensor, ...args: PyArgs<GeluOptions, typeof FS.gelu.names>): Tensor {
  const opts = FS.gelu.parse<GeluOptions>(args);
  x = floatIn(x, "gelu");
  const mode = opts.approximate ?? "none";
  if (mode === "tanh") {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  if (mode !== "none") throw new Error(`gelu: approximate must be "none" or "tanh", got "${String(mode)}"`);
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}

/** x * sigmoid(x) (a.k.a. swish). */
export function silu(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.silu.names>): Tensor {
  FS.silu.parse(args);
  return siluOp(floatIn(x, "silu"));
}

/** x * tanh(softplus(x)). */
export function mish(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.mish.names>): Tensor {
  FS.mish.parse(args);
  x = floatIn(x, "mish");
  return x.mul(softplus(x).tanh());
}

/** log(1 + e^(beta x)) / beta, reverting to x where beta x > threshold. */
export function softplus(x: Tensor, ...args: PyArgs<{ beta?: number; threshold?: number }, typeof FS.softplus.names>): Tensor {
  const { beta = 1, threshold = 20 } = FS.softplus.parse<{ beta?: number; threshold?: number }>(args);
  x = floatIn(x, "softplus");
  const bx = x.mul(beta);
  // Clamping keeps exp finite in the branch that where() throws away.
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return where(bx.gt(threshold), x, soft);
}

/** Clamps to [min, max] (defaults -1, 1); gradient 0 outside the open interval, as PyTorch. */
export function hardtanh(x: Tensor, ...args: PyArgs<{ minVal?: number; maxVal?: number }, typeof FS.hardtanh.names>): Tensor {
  const { minVal: min = -1, maxVal: max = 1 } = FS.hardtanh.parse<{ minVal?: number; maxVal?: number }>(args);
  x = floatIn(x, "hardtanh");
  if (min > max) throw new Error(`hardtanh: min (${min}) must not exceed max (${max})`);
  // One clamp pass with its own backward (ReLU6 is hardtanh(0, 6): MobileNetV2's activation).
  return hardtanhOp(x, min, max);
}

/** min(max(0, x), 6). */
export function relu6(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.relu6.names>): Tensor {
  FS.relu6.parse(args);
  return hardtanh(x, 0, 6);
}

/** relu6(x + 3) / 6. */
export function hardsigmoid(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.hardsigmoid.names>): Tensor {
  FS.hardsigmoid.parse(args);
  return hardsigmoidOp(floatIn(x, "hardsigmoid"));
}

/** x * relu6(x + 3) / 6. */
export function hardswish(x: Tensor, ...args: PyArgs<{ inplace?: boolean }, typeof FS.hardswish.names>): Tensor {
  FS.hardswish.parse(args);
  return hardswishOp(floatIn(x, "hardswish"));
}

/** log(sigmoid(x)), computed stably as min(x, 0) - log1p(e^-|x|). */
export function logsigmoid(x: Tensor, ...args: PyArgs<{}, typeof FS.logsigmoid.names>): Tensor {
  FS.logsigmoid.parse(args);
  x = floatIn(x, "logsigmoid");
  // Each branch clamps its exponent to <= 0, so neither overflows (where() would turn
  // 0 * inf into NaN); the boundary x = 0 still gets the gradient 1/2.
  const neg = x.sub(x.clamp(null, 0).exp().log1p());
  const pos = x.clamp(0).neg().exp().log1p().neg();
  return where(x.lt(0), neg, pos);
}

/**
 * Parametric ReLU: x where x > 0, else weight * x, with one weight per channel
 * (dim 1) or a single shared weight.
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  x = floatIn(x, "prelu");
  assertTensor(weight, "prelu", "weight");
  const n = weight.numel();
  let w = weight;
  if (n !== 1) {
    const ch = x.ndim >= 2 ? x.shape[1] : x.ndim === 1 ? x.shape[0] : 1;
    if (n !== ch) {
      throw new Error(`prelu: weight has ${n} elements but the input ${fmtShape(x.shape)} has ${ch} channels (dim 1); use 1 weight or one per channel`);
    }
    const shape = x.shape.map((_, i) => (i === (x.ndim >= 2 ? 1 : 0) ? n : 1));
    w = weight.reshape(shape);
  } else {
    w = weight.reshape([]);
  }
  return where(x.gt(0), x, x.mul(w));
}

/** x / (1 + |x|). */
export function softsign(x: Tensor, ...args: PyArgs<{}, typeof FS.softsign.names>): Tensor {
  FS.softsign.parse(args);
  x = floatIn(x, "softsign");
  return x.div(x.abs().add(1));
}

/** x - tanh(x). */
export function tanhshrink(x: Tensor, ...args: PyArgs<{}, typeof FS.tanhshrink.names>): Tensor {
  FS.tanhshrink.parse(args);
  x = floatIn(x, "tanhshrink");
  return x.sub(x.tanh());
}

/** x where x > threshold, else `value`. */
export function threshold(x: Tensor, thresholdValue: number, value: number): Tensor {
  assertTensor(x, "threshold");
  return where(x.gt(thresholdValue), x, value);
}

/** x - lambd where x > lambd, x + lambd where x < -lambd, else 0 (lambd default 0.5). */
export function softshrink(x: Tensor, ...args: PyArgs<{ lambd?: number }, typeof FS.softshrink.names>): Tensor {
  const { lambd = 0.5 } = FS.softshrink.parse<{ lambd?: number }>(args);
  x = floatIn(x, "softshrink");
  return where(x.gt(lambd), x.sub(lambd), where(x.lt(-lambd), x.add(lambd), 0));
}

/** x where |x| > lambd, else 0 (lambd default 0.5). */
export function hardshrink(x: Tensor, ...args: PyArgs<{ lambd?: number }, typeof FS.hardshrink.names>): Tensor {
  const { lambd = 0.5 } = FS.hardshrink.parse<{ lambd?: number }>(args);
  x = floatIn(x, "hardshrink");
  return where(x.abs().gt(lambd), x, 0);
}

// ---------------------------------------------------------------- softmax family

/** Options of {@link softmax}, {@link logSoftmax} and {@link softmin}. */
export interface SoftmaxOptions {
  /** Cast the input to this dtype first (PyTorch's `dtype` argument). */
  dtype?: DType;
}

function checkDim(x: Tensor, dim: number | undefined, op: string): number {
  if (dim === undefined || dim === null) {
    throw new Error(`${op}: dim is required (PyTorch's implicit dim choice is deprecated), e.g. ${op}(x, -1) for input ${fmtShape(x.shape)}`);
  }
  return x.ndim === 0 ? 0 : normDim(dim, x.ndim, op);
}

/** Stable softmax or log-softmax over dim d with explicit loops (max-subtraction). */
function softmaxKernel(x: Tensor, d: number, log: boolean): Tensor {
  const shape = x.shape;
  const n = x.ndim === 0 ? 1 : shape[d];
  let inner = 1;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  const outer = n * inner === 0 ? 0 : x.numel() / (n * inner);
  if (inner === 1 || x.device !== "cpu") {
    // On a device the rows kernel serves every dim: move dim last, and back.
    const xr = inner === 1 ? x : x.transpose(d, -1).contiguous();
    const out = make(allocUninitOn(x.device, x.dtype, x.numel()), xr.shape.slice(), x.dtype);
    currentBackend().softmax(xr._buf, outer * inner, n, 1, 0, log, out._buf);
    return inner === 1 ? out : out.transpose(d, -1).contiguous();
  }
  const src = x._data;
  const dst = allocArray(x.dtype, src.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let k = 0; k < n; k++) { const v = src[base + k * inner]; if (v > m) m = v; }
      if (m === -Infinity || Number.isNaN(m)) m = Number.isNaN(m) ? m : 0;
      let s = 0;
      for (let k = 0; k < n; k++) {
        const e = Math.exp(src[base + k * inner] - m);
        if (!log) dst[base + k * inner] = e;
        s += e;
      }
      if (log) {
        const ls = Math.log(s) + m;
        for (let k = 0; k < n; k++) dst[base + k * inner] = src[base + k * inner] - ls;
      } else {
        const inv = 1 / s;
        for (let k = 0; k < n; k++) dst[base + k * inner] *= inv;
      }
    }
  }
  return make(dst, shape.slice(), x.dtype);
}

function prepSoftmax(x: Tensor, dim: number | undefined, opts: SoftmaxOptions | undefined, op: string): [Tensor, number] {
  assertTensor(x, op);
  let xin = x;
  if (opts?.dtype) xin = xin.to(opts.dtype);
  else if (!isFloating(xin.dtype)) xin = xin.to("float32");
  return [xin, checkDim(xin, dim, op)];
}

/**
 * softmax along `dim`: e^x / sum(e^x), numerically stable. Backward is
 * y * (g - sum(g * y)), written in tensor ops so it is itself differentiable.
 * @example F.softmax(logits, -1)
 */
export function softmax(x: Tensor, dim: number, ...args: PyArgs<SoftmaxOptions, typeof FS.softmax.names>): Tensor {
  const opts = FS.softmax.parse<SoftmaxOptions>(args);
  const [xin, d] = prepSoftmax(x, dim, opts, "softmax");
  const out = softmaxKernel(xin, d, false);
  if (needsGrad(xin)) {
    record(out, "SoftmaxBackward", [xin], (g) => {
      return [softmaxBackward(out, g, d, false)];
    }, [out]);
  }
  return out;
}

/**
 * log(softmax(x)) along `dim`, computed as x - max - log(sum(e^(x - max))).
 * Backward: g - softmax(x) * sum(g).
 */
export function logSoftmax(x: Tensor, dim: number, ...args: PyArgs<SoftmaxOptions, typeof FS.logSoftmax.names>): Tensor {
  const opts = FS.logSoftmax.parse<SoftmaxOptions>(args);
  const [xin, d] = prepSoftmax(x, dim, opts, "logSoftmax");
  const out = softmaxKernel(xin, d, true);
  if (needsGrad(xin)) {
    record(out, "LogSoftmaxBackward", [xin], (g) =>
      [softmaxBackward(out, g, d, true)], [out]);
  }
  return out;
}

/** softmax(-x) along `dim`. */
export function softmin(x: Tensor, dim: number, ...args: PyArgs<SoftmaxOptions, typeof FS.softmin.names>): Tensor {
  const opts = FS.softmin.parse<SoftmaxOptions>(args);
  assertTensor(x, "softmin");
  return softmax(x.neg(), dim, opts);
}

/** Gated linear unit: splits `dim` (default -1) in halves a, b and returns a * sigmoid(b). */
export function glu(x: Tensor, ...args: PyArgs<{ dim?: number }, typeof FS.glu.names>): Tensor {
  const { dim = -1 } = FS.glu.parse<{ dim?: number }>(args);
  x = floatIn(x, "glu");
  const d = normDim(dim, x.ndim, "glu");
  const n = x.shape[d];
  if (n % 2 !== 0) throw new Error(`glu: dim ${d} of input ${fmtShape(x.shape)} must have an even size to halve, got ${n}`);
  const a = x.narrow(d, 0, n / 2);
  const b = x.narrow(d, n / 2, n / 2);
  return a.mul(b.sigmoid());
}

declare module "../../core/tensor.js" {
  interface Tensor {
    /** softmax along `dim` (same as `F.softmax(this, dim)`). */
    softmax(dim: number, opts?: SoftmaxOptions): Tensor;
    /** log-softmax along `dim` (same as `F.logSoftmax(this, dim)`). */
    logSoftmax(dim: number, opts?: SoftmaxOptions): Tensor;
  }
}

Tensor.prototype.softmax = function (dim: number, opts?: SoftmaxOptions) { return softmax(this, dim, opts); };
Tensor.prototype.logSoftmax = function (dim: number, opts?: SoftmaxOptions) { return logSoftmax(this, dim, opts); };
