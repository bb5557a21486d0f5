/**
 * Convolutions: F.conv1d/conv2d and F.convTranspose1d/convTranspose2d (plus F.unfold /
 * F.fold), PyTorch's semantics. Everything is lowered to 2-D (1-D is H = 1) and built
 * from two mutually-adjoint primitives, unfold (im2col) and fold (col2im), plus the
 * GEMM with transpose flags. Each primitive's backward is the other one, so the input
 * gradient is a transposed convolution of the output gradient, the weight gradient a
 * correlation of input and gradient, and double backward (WGAN-GP) works unchanged.
 */
import { allocUninit, isFloating } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
import { currentBackend, fusedConvFor, type ConvGeom } from "../../backends/backend.js";
import { gemm } from "../linalg.js";
import { assertTensor, sumToShape } from "../util.js";
import { foldOp, unfoldOp } from "./unfold-op.js";
import { convFused } from "./conv-fused.js";
import { depthwiseConv2d } from "./depthwise-conv.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";

/** Options of conv1d / conv2d. A number applies to every spatial dim. */
export interface ConvOptions {
  stride?: number | number[];
  /** Zero padding per side, or "valid" (none) or "same" (output size = input size; stride 1 only). */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
}

/** Options of convTranspose1d / convTranspose2d. */
export interface ConvTransposeOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  groups?: number;
  dilation?: number | number[];
}

/** Expands an int-or-list argument to `nd` positive/non-negative ints. */
export function tupleArg(v: number | number[] | undefined, nd: number, def: number, op: string, name: string, min: number): number[] {
  const arr = v === undefined ? new Array<number>(nd).fill(def) : typeof v === "number" ? new Array<number>(nd).fill(v) : v.slice();
  if (arr.length === 1 && nd > 1) arr.push(...new Array<number>(nd - 1).fill(arr[0]));
  if (arr.length !== nd || arr.some((a) => !Number.isInteger(a) || a < min)) {
    // String(), not JSON.stringify: NaN and Infinity must print as themselves, not as null.
    const shown = Array.isArray(v) ? `[${v.map(String).join(", ")}]` : String(v);
    throw new Error(`${op}: ${name} must be an integer >= ${min} or a list of ${nd} such integers, got ${shown}`);
  }
  return arr;
}

function checkFloat(op: string, x: Tensor, w: Tensor, b: Tensor | undefined | null): void {
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: expected a floating-point input, got dtype ${x.dtype}`);
  if (w.dtype !== x.dtype) throw new TypeError(`${op}: input (${x.dtype}) and weight (${w.dtype}) must have the same dtype`);
  if (b && b.dtype !== x.dtype) throw new TypeError(`${op}: input (${x.dtype}) and bias (${b.dtype}) must have the same dtype`);
}

const DIMS = ["[N, C, L]", "[N, C, H, W]"];
const WDIMS = ["[outChannels, inChannels/groups, kL]", "[outChannels, inChannels/groups, kH, kW]"];
const TWDIMS = ["[inChannels, outChannels/groups, kL]", "[inChannels, outChannels/groups, kH, kW]"];

/** Validates ranks and lifts input/weight to 4-D: returns [x4, w4, batched]. */
function lift(op: string, x: Tensor, w: Tensor, nd: number, wdims: string): [Tensor, Tensor, boolean] {
  assertTensor(x, op);
  assertTensor(w, op, "weight");
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2) {
    throw new Error(`${op}: expected input of ${nd + 1} or ${nd + 2} dims ${DIMS[nd - 1]}, got ${fmtShape(x.shape)}`);
  }
  if (w.ndim !== nd + 2) throw new Error(`${op}: expected weight of ${nd + 2} dims ${wdims}, got ${fmtShape(w.shape)}`);
  const batched = x.ndim === nd + 2;
  let x4 = batched ? x : x.unsqueeze(0);
  let w4 = w;
  if (nd === 1) {
    x4 = x4.unsqueeze(2);
    w4 = w4.unsqueeze(2);
  }
  return [x4, w4, batched];
}

function lower(y: Tensor, nd: number, batched: boolean): Tensor {
  let r = nd === 1 ? y.squeeze(2) : y;
  if (!batched) r = r.squeeze(0);
  return r;
}

function checkBias(op: string, b: Tensor | undefined | null, ch: number): void {
  if (!b) return;
  assertTensor(b, op, "bias");
  if (b.ndim !== 1 || b.shape[0] !== ch) throw new Error(`${op}: expected bias of shape [${ch}] (one per output channel), got ${fmtShape(b.shape)}`);
}

function convNd(op: string, nd: number, x: Tensor, w: Tensor, b: Tensor | undefined | null, opts: ConvOptions): Tensor {
  const [x4, w4, batched] = lift(op, x, w, nd, WDIMS[nd - 1]);
  checkFloat(op, x, w, b);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  const [N, C, H, W] = x4.shape;
  const [O, Cg, kH, kW] = w4.shape;
  if (C !== Cg * groups) {
    throw new Error(`${op}: input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} with groups=${groups} expects ${Cg * groups} (weight.shape[1] * groups)`);
  }
  if (O % groups !== 0) throw new Error(`${op}: out channels ${O} (weight.shape[0]) must be divisible by groups=${groups}`);
  checkBias(op, b, O);
  const pre = nd === 1 ? [1] : [];
  const stride = [...pre, ...tupleArg(opts.stride, nd, 1, op, "stride", 1)];
  const dil = [...pre, ...tupleArg(opts.dilation, nd, 1, op, "dilation", 1)];
  const k = [kH, kW];
  let padLo: number[], padHi: number[];
  const p = opts.padding ?? 0;
  if (p === "valid") {
    padLo = [0, 0];
    padHi = [0, 0];
  } else if (p === "same") {
    if (stride.some((s) => s !== 1)) throw new Error(`${op}: padding="same" is not supported for strided convolutions (stride ${JSON.stringify(opts.stride)})`);
    // PyTorch puts the odd unit of total padding d*(k-1) at the end (bottom/right).
    const total = k.map((kk, i) => dil[i] * (kk - 1));
    padLo = total.map((t) => Math.floor(t / 2));
    padHi = total.map((t, i) => t - padLo[i]);
  } else if (typeof p === "string") {
    throw new Error(`${op}: padding must be a number, a list, "same" or "valid", got "${p}"`);
  } else {
    padLo = [...pre.map(() => 0), ...tupleArg(p, nd, 0, op, "padding", 0)];
    padHi = padLo;
  }
  const inSz = [H, W];
  const outSz = [0, 1].map((i) => Math.floor((inSz[i] + padLo[i] + padHi[i] - dil[i] * (k[i] - 1) - 1) / stride[i]) + 1);
  if (outSz.some((o) => o < 1)) {
    const padded = [0, 1].map((i) => inSz[i] + padLo[i] + padHi[i]).slice(2 - nd);
    const eff = [0, 1].map((i) => dil[i] * (k[i] - 1) + 1).slice(2 - nd);
    throw new Error(`${op}: kernel size ${fmtShape(eff)} (after dilation) is larger than the padded input ${fmtShape(padded)} (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)})`);
  }
  const [oH, oW] = outSz;
  const L = oH * oW;
  const g: ConvGeom = { C, H, W, kH, kW, padT: padLo[0], padL: padLo[1], sH: stride[0], sW: stride[1], dH: dil[0], dW: dil[1], oH, oW };
  // A 1x1 kernel with stride 1 and no padding reads every pixel once, in order: no im2col.
  const pointwise = kH === 1 && kW === 1 && stride[0] === 1 && stride[1] === 1 && padLo.every((v) => v === 0) && padHi.every((v) => v === 0);
  const K = Cg * kH * kW;
  // On a device every conv (grouped, 1x1 included) runs on its fused kernels.
  if (x4.device !== "cpu") return lower(convFused(fusedConvFor(x4.device)!, x4.contiguous(), w4.reshape(O, K), b, N, g, groups), nd, batched);
  const be = currentBackend(), fused = be.conv2dFused, dw = be.depthwiseConv2d;
  if (groups === 1 && !pointwise && fused && x4.dtype === "float32") return lower(convFused(fused, x4, w4.reshape(O, K), b, N, g), nd, batched);
  const viaColumns = (xx: Tensor, ww: Tensor, bb: Tensor | null | undefined) => convColumns(xx, ww, bb, N, O, groups, g, pointwise);
  // Depthwise (MobileNet, EfficientNet, ConvNeXt): a direct sliding-window kernel where the backend has one.
  if (dw && groups === C && O === C && x4.dtype === "float32") return lower(depthwiseConv2d(dw, x4, w4, b ?? null, N, g, viaColumns), nd, batched);
  return lower(viaColumns(x4, w4, b), nd, batched);
}

/** conv2d as im2col (none for a pointwise kernel) + GEMM, one GEMM row block per group -> [N, O, oH, oW]. */
function convColumns(x4: Tensor, w4: Tensor, b: Tensor | null | undefined, N: number, O: number, groups: number, g: ConvGeom,
  pointwise: boolean): Tensor {
  const { C, H, W, oH, oW } = g, L = oH * oW, K = (C / groups) * g.kH * g.kW;
  const cols = pointwise ? x4.reshape(N, C, H * W) : unfoldOp(x4, N, g);
  let y: Tensor;
  if (groups === 1 && b) {
    return gemmChannelBias(w4.reshape(O, K), cols, b, N, O, K, oH, oW);
  } else if (groups === 1) {
    y = gemm(w4.reshape(O, K), cols, false, false);
  } else {
    const Og = O / groups;
    const wg = w4.reshape(1, groups, Og, K).expand(N, groups, Og, K);
    y = gemm(wg, cols.reshape(N, groups, K, L), false, false);
  }
  y = y.reshape(N, O, oH, oW);
  if (b) y = y.add(b.reshape(1, O, 1, 1));
  return y;
}

/**
 * w [O, K] @ cols [N, K, oH*oW] + bias [O] per channel, as one op -> [N, O, oH, oW]:
 * the bias goes into the GEMM's fresh output in place instead of through a broadcast
 * add (which allocated and wrote a second output-sized tensor). The backward is the
 * GEMM's and the broadcast add's, written with the same tensor ops (same sums, same
 * order), so gradients and double backward are unchanged.
 */
function gemmChannelBias(w: Tensor, cols: Tensor, b: Tensor, N: number, O: number, K: number, oH: number, oW: number): Tensor {
  const L = oH * oW;
  // K >= 1, so the GEMM writes every element.
  const out = make(allocUninit(w.dtype, N * O * L), [N, O, oH, oW], w.dtype);
  const od = out._data, bd = b._data;
  currentBackend().matmul(w._data, cols._data, od, N, O, L, K, false, false, 0, K * L);
  // Per image, in place: [O, L] += bias [O, 1] (a 2-D broadcast every backend runs natively).
  const be = currentBackend(), plane = [O, L], col = [O, 1];
  for (let n = 0; n < N; n++) {
    const img = od.subarray(n * O * L, (n + 1) * O * L);
    be.binary("add", img, plane, bd, col, img, plane);
  }
  if (needsGrad(w, cols, b)) {
    record(out, "ConvolutionBackward", [w, cols, b], (g) => {
      const g3 = g.reshape(N, O, L);
      return [
        w.requiresGrad ? gemm(g3, cols, false, true).sum([0]) : null,
        cols.requiresGrad ? gemm(w, g3, true, false) : null,
        b.requiresGrad ? sumToShape(g, [1, O, 1, 1]).reshape(O) : null,
      ];
    }, [w, cols]);
  }
  return out;
}

function convTransposeNd(op: string, nd: number, x: Tensor, w: Tensor, b: Tensor | undefined | null, opts: ConvTransposeOptions): Tensor {
  const [x4, w4, batched] = lift(op, x, w, nd, TWDIMS[nd - 1]);
  checkFloat(op, x, w, b);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
  const [N, C, H, W] = x4.shape;
  const [Cw, Og, kH, kW] = w4.shape;
  if (C !== Cw) throw new Error(`${op}: input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} expects ${Cw} (weight.shape[0])`);
  if (C % groups !== 0) throw new Error(`${op}: in channels ${C} must be divisible by groups=${groups}`);
  const O = Og * groups;
  checkBias(op, b, O);
  if (typeof opts.padding === "string") throw new Error(`${op}: padding must be a number or a list of numbers, got "${opts.padding}"`);
  const pre = nd === 1 ? [1] : [];
  const stride = [...pre, ...tupleArg(opts.stride, nd, 1, op, "stride", 1)];
  const dil = [...pre, ...tupleArg(opts.dilation, nd, 1, op, "dilation", 1)];
  const pad = [...pre.map(() => 0), ...tupleArg(opts.padding, nd, 0, op, "padding", 0)];
  const outPad = [...pre.map(() => 0), ...tupleArg(opts.outputPadding, nd, 0, op, "outputPadding", 0)];
  for (let i = 0; i < 2; i++) {
    if (outPad[i] >= stride[i] && outPad[i] >= dil[i]) {
      throw new Error(`${op}: outputPadding ${JSON.stringify(opts.outputPadding)} must be smaller than either stride ${JSON.stringify(opts.stride ?? 1)} or dilation ${JSON.stringify(opts.dilation ?? 1)}`);
    }
  }
  const k = [kH, kW], inSz = [H, W];
  const outSz = [0, 1].map((i) => (inSz[i] - 1) * stride[i] - 2 * pad[i] + dil[i] * (k[i] - 1) + outPad[i] + 1);
  if (outSz.some((o) => o < 1)) {
    throw new Error(`${op}: output size ${fmtShape(outSz.slice(2 - nd))} is too small (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}, padding ${JSON.stringify(opts.padding ?? 0)})`);
  }
  const [Ho, Wo] = outSz;
  const HW = H * W;
  const Kg = Og * kH * kW;
  let cols: Tensor;
  if (groups === 1) {
    cols = gemm(w4.reshape(C, Kg), x4.reshape(N, C, HW), true, false);
  } else {
    const Cig = C / groups;
    const wg = w4.reshape(1, groups, Cig, Kg).expand(N, groups, Cig, Kg);
    cols = gemm(wg, x4.reshape(N, groups, Cig, HW), true, false).reshape(N, O * kH * kW, HW);
  }
  let y: Tensor;
  if (kH === 1 && kW === 1 && stride[0] === 1 && stride[1] === 1 && pad[0] === 0 && pad[1] === 0 && Ho === H && Wo === W) {
    y = cols.reshape(N, O, H, W);
  } else {
    const g: ConvGeom = { C: O, H: Ho, W: Wo, kH, kW, padT: pad[0], padL: pad[1], sH: stride[0], sW: stride[1], dH: dil[0], dW: dil[1], oH: H, oW: W };
    y = foldOp(cols, N, g);
  }
  if (b) y = y.add(b.reshape(1, O, 1, 1));
  return lower(y, nd, batched);
}

/**
 * 1-D convolution (cross-correlation, as PyTorch). x [N, C, L] or [C, L],
 * weight [outC, C/groups, k], bias [outC].
 * @example F.conv1d(x, w, b, {padding: "same"})
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PyArgs<ConvOptions, typeof FS.conv1d.names>): Tensor {
  const opts = FS.conv1d.parse<ConvOptions>(args);
  return convNd("conv1d", 1, x, weight, bias, opts);
}

/**
 * 2-D convolution (cross-correlation, as PyTorch). x [N, C, H, W] or [C, H, W],
 * weight [outC, C/groups, kH, kW], bias [outC]. padding: number, [pH, pW], "same" or "valid".
 * @example F.conv2d(x, w, undefined, {stride: 2, padding: 1})
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PyArgs<ConvOptions, typeof FS.conv2d.names>): Tensor {
  const opts = FS.conv2d.parse<ConvOptions>(args);
  return convNd("conv2d", 2, x, weight, bias, opts);
}

/**
 * 1-D transposed convolution. x [N, C, L] or [C, L], weight [C, outC/groups, k].
 * Output length (L-1)*stride - 2*padding + dilation*(k-1) + outputPadding + 1.
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PyArgs<ConvTransposeOptions, typeof FS.convTranspose1d.names>): Tensor {
  const opts = FS.convTranspose1d.parse<ConvTransposeOptions>(args);
  return convTransposeNd("convTranspose1d", 1, x, weight, bias, opts);
}

/**
 * 2-D transposed convolution (the gradient of conv2d w.r.t. its input).
 * x [N, C, H, W] or [C, H, W], weight [C, outC/groups, kH, kW].
 * @example F.convTranspose2d(z, w, b, {stride: 2, padding: 1, outputPadding: 1})
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...args: PyArgs<ConvTransposeOptions, typeof FS.convTranspose2d.names>): Tensor {
  const opts = FS.convTranspose2d.parse<ConvTransposeOptions>(args);
  return convTransposeNd("convTranspose2d", 2, x, weight, bias, opts);
}

/** Options of unfold / fold (PyTorch's F.unfold / F.fold). */
export interface UnfoldOptions {
  dilation?: number | number[];
  padding?: number | number[];
  stride?: number | number[];
}

function foldGeom(op: string, C: number, H: number, W: number, kernelSize: number | number[], opts: UnfoldOptions): ConvGeom {
  const [kH, kW] = tupleArg(kernelSize, 2, 1, op, "kernelSize", 1);
  const [dH, dW] = tupleArg(opts.dilation, 2, 1, op, "dilation", 1);
  const [pH, pW] = tupleArg(opts.padding, 2, 0, op, "padding", 0);
  const [sH, sW] = tupleArg(opts.stride, 2, 1, op, "stride", 1);
  const oH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1;
  const oW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  if (oH < 1 || oW < 1) throw new Error(`${op}: kernel [${kH}, ${kW}] (dilation [${dH}, ${dW}]) does not fit the padded input [${H + 2 * pH}, ${W + 2 * pW}]`);
  return { C, H, W, kH, kW, padT: pH, padL: pW, sH, sW, dH, dW, oH, oW };
}

/**
 * Extracts sliding blocks (im2col): x [N, C, H, W] -> [N, C*kH*kW, L]. Differentiable.
 * @example F.unfold(x, 3, {padding: 1})
 */
export function unfold(x: Tensor, kernelSize: number | number[], ...args: PyArgs<UnfoldOptions, typeof FS.unfold.names>): Tensor {
  const opts = FS.unfold.parse<UnfoldOptions>(args);
  assertTensor(x, "unfold");
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`unfold: expected input of 3 or 4 dims [N, C, H, W], got ${fmtShape(x.shape)}`);
  const x4 = x.ndim === 4 ? x : x.unsqueeze(0);
  const [N, C, H, W] = x4.shape;
  const r = unfoldOp(x4, N, foldGeom("unfold", C, H, W, kernelSize, opts));
  return x.ndim === 4 ? r : r.squeeze(0);
}

/**
 * Sums sliding blocks back into an image (col2im), the adjoint of unfold:
 * cols [N, C*kH*kW, L] -> [N, C, outputSize[0], outputSize[1]]. Differentiable.
 */
export function fold(cols: Tensor, outputSize: number | number[], kernelSize: number | number[], ...args: PyArgs<UnfoldOptions, typeof FS.fold.names>): Tensor {
  const opts = FS.fold.parse<UnfoldOptions>(args);
  assertTensor(cols, "fold");
  if (cols.ndim !== 2 && cols.ndim !== 3) throw new Error(`fold: expected input of 2 or 3 dims [N, C*kH*kW, L], got ${fmtShape(cols.shape)}`);
  const c3 = cols.ndim === 3 ? cols : cols.unsqueeze(0);
  const [H, W] = tupleArg(outputSize, 2, 1, "fold", "outputSize", 1);
  const [kH, kW] = tupleArg(kernelSize, 2, 1, "fold", "kernelSize", 1);
  if (c3.shape[1] % (kH * kW) !== 0) throw new Error(`fold: input dim 1 (${c3.shape[1]}) must be divisible by the kernel size product ${kH * kW}`);
  const g = foldGeom("fold", c3.shape[1] / (kH * kW), H, W, kernelSize, opts);
  if (g.oH * g.oW !== c3.shape[2]) throw new Error(`fold: input ${fmtShape(cols.shape)} has ${c3.shape[2]} blocks but outputSize [${H}, ${W}] with these options gives ${g.oH * g.oW}`);
  const r = foldOp(c3, c3.shape[0], g);
  return cols.ndim === 3 ? r : r.squeeze(0);
}
