/**
 * The Backend contract on the GPU: every kernel call whose tensors live on "webgpu"
 * arrives here (src/backends/device-router.ts) with DeviceArray windows of GpuStorage
 * where the CPU backends get TypedArrays. Each method unwraps them, runs the WGSL
 * kernel and hands the fresh result buffer to the output storage (no copy when the
 * output is a whole new storage, the usual case). Kernels compute in f32; int32 and
 * bool tensors (i32 / u32 words) are converted on load and store, exact for integers
 * below 2^24. A kernel without a WGSL version throws, naming it: a GPU read cannot be
 * synchronous, so a silent CPU fallback is impossible inside a synchronous op.
 */
import type { AdamHyper, Backend, ConvFusedKernels, ConvGeom, PoolWindows } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";
import { DeviceArray } from "../../core/storage.js";
import type { GpuStorage } from "./storage.js";
import { allocBuffer, releaseBuffer } from "./pool.js";
import { gpuDevice } from "./runtime.js";
import type { GPUBufferLike } from "./gpu-types.js";
import { binaryGPU, unaryGPU, wordType, type WordType } from "./kernels/elementwise.js";
import { matmulGPU, type MatmulOperand } from "./kernels/matmul.js";
import { reduceGPU } from "./kernels/reduce.js";
import { layerNormBackwardGPU, layerNormGPU, softmaxBackwardGPU, softmaxGPU } from "./kernels/rows.js";
import { bernoulliMaskGPU } from "./kernels/random.js";
import { gruCellBackwardGPU, gruCellGPU, lstmCellBackwardGPU, lstmCellGPU } from "./kernels/rnn.js";
import { gatherGPU, scatterGPU, stridedAssignGPU, stridedGPU } from "./kernels/index-ops.js";
import { avgPool2dBackwardGPU, avgPool2dGPU, maxPool2dBackwardGPU, maxPool2dGPU } from "./kernels/pool.js";
import { adamStepGPU, clampGPU, hardtanhBackwardGPU, reluBackwardGPU, whereGPU } from "./kernels/update.js";
import { conv2dForwardGPU, conv2dInputGradGPU, conv2dWeightGradGPU } from "./kernels/conv.js";
import { contiguousStrides, type GPUView } from "./kernels/layout.js";
import { argReduceGPU, cumulativeGPU } from "./kernels/scan.js";
import { castGPU, type GPUDType } from "./kernels/cast.js";

type A = TypedArray;

/** The device array behind a kernel argument; a CPU array here is a device mix-up. */
function da(method: string, a: A): DeviceArray {
  if (a instanceof DeviceArray) return a;
  throw new Error(`${method}: expected all tensors on the same device, got "webgpu" and "cpu"; move them first (t.to("webgpu"), or await t.toAsync("cpu"))`);
}

const storageOf = (d: DeviceArray) => d.storage as GpuStorage;
const wt = (d: DeviceArray): WordType => wordType(d.dtype);

/** Buffers made for the kernel call running now, released to the pool when it returns. */
const temps: GPUBufferLike[] = [];
const temp = (b: GPUBufferLike) => (temps.push(b), b);

/** A buffer holding `a`'s elements from element 0 (the storage's own buffer when the window starts there). */
function whole(m: string, a: A): GPUBufferLike {
  const d = da(m, a);
  const buf = storageOf(d).buffer;
  return d.offset === 0 ? buf : temp(stridedGPU(buf, d.offset, [d.length], [1]));
}

/** `a`'s elements as f32 words from element 0 (int32 / bool converted). */
function f32Of(m: string, a: A): GPUBufferLike {
  const d = da(m, a);
  if (d.dtype === "float32") return whole(m, a);
  return temp(unaryGPU("identity", view(m, a, [d.length]), { inputs: [wt(d)], out: "f32" }));
}

/** `a` read as a contiguous tensor of `shape`, in place (no copy). */
function view(m: string, a: A, shape: readonly number[]): GPUView {
  const d = da(m, a);
  return { buffer: storageOf(d).buffer, shape: shape.slice(), strides: contiguousStrides(shape), offset: d.offset };
}

/** Stores kernel result `buf` (words of type `from`) as the elements of `out`. */
function put(m: string, out: A, buf: GPUBufferLike, from: WordType = "f32"): void {
  const d = da(m, out);
  if (wt(d) !== from) {
    const conv = unaryGPU("identity", { buffer: buf, shape: [d.length], strides: [1], offset: 0 }, { inputs: [from], out: wt(d) });
    releaseBuffer(buf);
    buf = conv;
  }
  const s = storageOf(d);
  if (d.offset === 0 && d.length === s.length) return s.adopt(buf);
  stridedAssignGPU(buf, s.buffer, d.offset, [d.length], [1], false);
  releaseBuffer(buf);
}

/** Runs `f` on a buffer holding `a` from element 0 and writes it back when that was a copy (in-place kernels). */
function inPlace(m: string, a: A, f: (buf: GPUBufferLike) => void): void {
  const d = da(m, a);
  const s = storageOf(d);
  if (d.offset === 0) return f(s.buffer);
  const tmp = whole(m, a);
  f(tmp);
  stridedAssignGPU(tmp, s.buffer, d.offset, [d.length], [1], false);
}

const opt = (m: string, a: A | null | undefined) => (a ? f32Of(m, a) : null);

/** The Error of a kernel with no WGSL version yet. */
export function noKernel(method: string): Error {
  return new Error(
    `webgpu: ${method} has no WGSL kernel yet; run this op on the CPU (await t.toAsync("cpu")) — see the README's list of ops without GPU kernels`,
  );
}

function matOperand(m: string, a: A, rows: number, cols: number, trans: boolean, batchStride: number): MatmulOperand {
  const d = da(m, a);
  // op(A) is rows x cols; stored rows x cols, or cols x rows when transposed.
  return trans
    ? { buffer: storageOf(d).buffer, batchStride, rowStride: 1, colStride: rows, offset: d.offset }
    : { buffer: storageOf(d).buffer, batchStride, rowStride: cols, colStride: 1, offset: d.offset };
}

const conv: ConvFusedKernels = {
  forward(x, w, bias, n, O, g, out, groups = 1) {
    put("conv2d", out, conv2dForwardGPU(f32Of("conv2d", x), f32Of("conv2d", w), opt("conv2d", bias), n, O, g, groups));
  },
  inputGrad(w, gy, n, O, g, dx, groups = 1) {
    put("conv2d backward", dx, conv2dInputGradGPU(f32Of("conv2d backward", w), f32Of("conv2d backward", gy), n, O, g, groups));
  },
  weightGrad(x, gy, n, O, g, dw, groups = 1) {
    put("conv2d backward", dw, conv2dWeightGradGPU(f32Of("conv2d backward", x), f32Of("conv2d backward", gy), n, O, g, groups));
  },
};

const kernels: Backend = {
  name: "webgpu",
  conv2dFused: conv,
  unary(op, x, out) {
    const dx = da(op, x), dOut = da(op, out);
    put(op, out, unaryGPU(op, view(op, x, [dx.length]), { inputs: [wt(dx)], out: wt(dOut) }), wt(dOut));
  },
  binary(op, a, aShape, b, bShape, out, outShape) {
    const dOut = da(op, out);
    const types = { inputs: [wt(da(op, a)), wt(da(op, b))], out: wt(dOut) };
    put(op, out, binaryGPU(op, view(op, a, aShape), view(op, b, bShape), outShape.slice(), types), wt(dOut));
  },
  reluBackward(x, g, out) {
    put("relu backward", out, reluBackwardGPU(f32Of("relu backward", x), f32Of("relu backward", g), da("relu backward", out).length));
  },
  hardtanhBackward(x, g, lo, hi, out) {
    const m = "hardtanh backward";
    put(m, out, hardtanhBackwardGPU(f32Of(m, x), f32Of(m, g), lo, hi, da(m, out).length));
  },
  where(cond, a, b, out) {
    const c = da("where", cond as unknown as A);
    const cw = c.dtype === "bool" ? whole("where", cond as unknown as A) : null;
    if (!cw) throw new Error(`where: the condition must be a bool tensor, got ${c.dtype}`);
    put("where", out, whereGPU(cw, f32Of("where", a), f32Of("where", b), da("where", out).length));
  },
  clamp(x, lo, hi, out) {
    put("clamp", out, clampGPU(f32Of("clamp", x), lo, hi, da("clamp", out).length));
  },
  cast(x, out) {
    const dx = da("cast", x), dOut = da("cast", out);
    if (dx.dtype === dOut.dtype) return put("cast", out, stridedGPU(storageOf(dx).buffer, dx.offset, [dx.length], [1]), wt(dOut));
    // The cast kernel converts word to word exactly (int32 beyond 2^24 included).
    put("cast", out, castGPU(whole("cast", x), dx.dtype as GPUDType, dOut.dtype as GPUDType, dx.length), wt(dOut));
  },
  reduce(op, x, outer, r, inner, out) {
    put(op, out, reduceGPU(op, f32Of(op, x), outer, r, inner));
  },
  argReduce(op, x, outer, r, inner, out) {
    put(op, out as unknown as A, argReduceGPU(op, f32Of(op, x), outer, r, inner), "i32");
  },
  cumulative(op, x, outer, r, inner, out) {
    const name = op === "sum" ? "cumsum" : "cumprod";
    put(name, out, cumulativeGPU(op, f32Of(name, x), outer, r, inner));
  },
  matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride) {
    const A = matOperand("matmul", a, m, k, transA, aStride), B = matOperand("matmul", b, k, n, transB, bStride);
    put("matmul", out, matmulGPU(A, B, batch, m, n, k));
  },
  strided(x, offset, shape, strides, out) {
    const d = da("contiguous", x);
    put("contiguous", out, stridedGPU(storageOf(d).buffer, d.offset + offset, shape, strides), wt(da("contiguous", out)));
  },
  stridedAssign(src, out, offset, shape, strides, accumulate) {
    const d = da("stridedAssign", out);
    if (accumulate && d.dtype !== "float32") throw new Error(`stridedAssign: accumulating writes on webgpu take float32, got ${d.dtype}`);
    stridedAssignGPU(whole("stridedAssign", src), storageOf(d).buffer, d.offset + offset, shape, strides, accumulate);
  },
  gather(x, index, outer, r, idxR, inner, out) {
    put("gather", out, gatherGPU(whole("gather", x), whole("gather", index as unknown as A), outer, r, idxR, inner), wt(da("gather", out)));
  },
  scatter(out, index, src, outer, r, idxR, inner, mode) {
    if (da("scatter", out).dtype !== "float32" && mode !== "set") throw new Error(`scatter: reducing scatters on webgpu take float32, got ${da("scatter", out).dtype}`);
    const i = whole("scatter", index as unknown as A), s = whole("scatter", src);
    inPlace("scatter", out, (buf) => scatterGPU(buf, i, s, outer, r, idxR, inner, mode));
  },
  im2col() {
    throw noKernel("im2col (unfold)");
  },
  col2im() {
    throw noKernel("col2im (fold)");
  },
  maxPool2d(x, planes, H, W, oH, oW, win: PoolWindows, out, idx) {
    const r = maxPool2dGPU(f32Of("maxPool2d", x), planes, H, W, oH, oW, win);
    put("maxPool2d", out, r.out);
    put("maxPool2d", idx as unknown as A, r.idx, "i32");
  },
  maxPool2dBackward(g, idx, planes, inSize, outSize, gx) {
    put("maxPool2d backward", gx, maxPool2dBackwardGPU(f32Of("maxPool2d backward", g), whole("maxPool2d backward", idx as unknown as A), planes, inSize, outSize));
  },
  avgPool2d(x, planes, H, W, oH, oW, win, rowScale, colScale, out) {
    put("avgPool2d", out, avgPool2dGPU(f32Of("avgPool2d", x), planes, H, W, oH, oW, win, rowScale, colScale));
  },
  avgPool2dBackward(g, planes, H, W, oH, oW, win, rowScale, colScale, gx) {
    put("avgPool2d backward", gx, avgPool2dBackwardGPU(f32Of("avgPool2d backward", g), planes, H, W, oH, oW, win, rowScale, colScale));
  },
  lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd) {
    const m = "lstmCell";
    let r: { h: GPUBufferLike; c: GPUBufferLike } | undefined;
    // The kernel overwrites the gates with their activations, as the CPU kernels do.
    inPlace(m, gates, (gb) => { r = lstmCellGPU(gb, f32Of(m, cPrev), n, H, opt(m, xAdd)); });
    put(m, hOut, r!.h);
    put(m, cOut, r!.c);
  },
  lstmCellBackward(act, cPrev, c, gh, gc, n, H, dGates, dcPrev, gh2) {
    const m = "lstmCell backward";
    const r = lstmCellBackwardGPU(f32Of(m, act), f32Of(m, cPrev), f32Of(m, c), opt(m, gh), opt(m, gc), n, H, opt(m, gh2));
    put(m, dGates, r.dGates);
    put(m, dcPrev, r.dcPrev);
  },
  softmax(x, rows, cols, scale, causalL, log, out) {
    put("softmax", out, softmaxGPU(f32Of("softmax", x), rows, cols, log, scale, causalL));
  },
  softmaxBackward(y, g, rows, cols, scale, log, out) {
    put("softmax backward", out, softmaxBackwardGPU(f32Of("softmax backward", y), f32Of("softmax backward", g), rows, cols, log, scale));
  },
  layerNorm(x, w, b, rows, D, eps, out, mean, rstd) {
    const m = "layerNorm";
    const r = layerNormGPU(f32Of(m, x), opt(m, w), opt(m, b), rows, D, eps);
    put(m, out, r.out);
    // The kernel keeps (mean, rstd) interleaved per row; the contract has them apart.
    temp(r.stats);
    put(m, mean, stridedGPU(r.stats, 0, [rows], [2]));
    put(m, rstd, stridedGPU(r.stats, 1, [rows], [2]));
  },
  layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db) {
    const m = "layerNorm backward";
    const stats = temp(allocBuffer(gpuDevice(m), 8 * Math.max(1, rows)));
    stridedAssignGPU(f32Of(m, mean), stats, 0, [rows], [2], false);
    stridedAssignGPU(f32Of(m, rstd), stats, 1, [rows], [2], false);
    const r = layerNormBackwardGPU(f32Of(m, x), opt(m, w), stats, f32Of(m, g), rows, D, dw !== null || db !== null);
    if (dx) put(m, dx, r.dx); else temp(r.dx);
    if (r.dwb) {
      temp(r.dwb);
      if (dw) put(m, dw, stridedGPU(r.dwb, 0, [D], [1]));
      if (db) put(m, db, stridedGPU(r.dwb, D, [D], [1]));
    }
  },
  bernoulliMask(state, threshold, keepValue, out) {
    // One key per call from the CPU generator's state, then advance it: masks differ
    // from the CPU backend's draws (as CUDA's differ from the CPU's) but follow the seed.
    const key: [number, number] = [state[0] ^ state[2], state[1] ^ state[3]];
    const counter = state[2];
    for (let i = 0; i < 4; i++) state[i] = (Math.imul(state[i] ^ (state[i] >>> 15), 0x2c1b3c6d) + 0x9e3779b9 + i) >>> 0;
    put("dropout", out, bernoulliMaskGPU(key, counter, threshold, keepValue, da("dropout", out).length));
  },
  adamStep(p, g, m, v, vmax, h: AdamHyper) {
    const n = da("adam", p).length;
    for (const x of [m, v, vmax]) if (x && da("adam", x).offset !== 0) throw new Error("adam: optimizer state on webgpu must start its storage");
    const gb = f32Of("adam", g), mb = whole("adam", m), vb = whole("adam", v), vm = vmax ? whole("adam", vmax) : null;
    inPlace("adam", p, (pb) => adamStepGPU(pb, gb, mb, vb, vm, h, n));
  },
  gruCell(gx, gh, hPrev, n, H, hOut, act) {
    const m = "gruCell";
    const r = gruCellGPU(f32Of(m, gx), f32Of(m, gh), f32Of(m, hPrev), n, H);
    put(m, hOut, r.h);
    put(m, act, r.act);
  },
  gruCellBackward(act, hPrev, gOut, n, H, dGx, dGh, dhPrev) {
    const m = "gruCell backward";
    const r = gruCellBackwardGPU(f32Of(m, act), f32Of(m, hPrev), f32Of(m, gOut), n, H);
    put(m, dGx, r.dGx);
    put(m, dGh, r.dGh);
    put(m, dhPrev, r.dhPrev);
  },
};

/** Wraps every kernel so the temporaries it made go back to the pool when it returns. */
function releasingTemps<T extends object>(impl: T): T {
  const out = { ...impl } as Record<string, unknown>;
  for (const [k, f] of Object.entries(impl)) {
    if (typeof f !== "function") continue;
    out[k] = (...args: unknown[]) => {
      try {
        return (f as (...a: unknown[]) => unknown)(...args);
      } finally {
        for (const b of temps) releaseBuffer(b);
        temps.length = 0;
      }
    };
  }
  return out as T;
}

/** The GPU's Backend: see the file header. */
export const webgpuBackend: Backend = { ...releasingTemps(kernels), conv2dFused: releasingTemps(conv) };

export type { ConvGeom };
