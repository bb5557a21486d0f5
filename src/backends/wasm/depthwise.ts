/**
 * Depthwise conv2d (forward, input and weight gradients; assembly/depthwise.ts), clamp
 * and hardtanh's gradient on wasm: operands copied into wasm memory, one kernel call, the result copied out.
 */
import type { ConvGeom } from "../backend.js";
import { CONV_FORWARD, CONV_INPUT_GRAD } from "../ops.generated.js";
import { align64, dataRegion, type Runtime } from "./runtime.js";
import { placer } from "./conv.js";

/** Operands of one depthwise call (which ones depend on the mode; see Backend.depthwiseConv2d). */
export interface DepthwiseOperands { x?: Float32Array; w?: Float32Array; bias?: Float32Array | null; gy?: Float32Array }

/** Runs one depthwise mode (the op table's CONV_*) into `out`. */
export function wasmDepthwise(rt: Runtime, mode: number, ops: DepthwiseOperands, n: number, g: ConvGeom, out: Float32Array): void {
  const kk = g.kH * g.kW, image = g.C * g.H * g.W, L = g.oH * g.oW;
  const sizes = {
    x: mode === CONV_INPUT_GRAD ? 0 : n * image, w: mode === CONV_FORWARD || mode === CONV_INPUT_GRAD ? g.C * kk : 0,
    bias: ops.bias ? g.C : 0, gy: mode === CONV_FORWARD ? 0 : n * g.C * L,
    out: mode === CONV_FORWARD ? n * g.C * L : mode === CONV_INPUT_GRAD ? n * image : g.C * kk,
  };
  const geomBytes = 64, accBytes = align64(kk * 8);
  const pGeom = dataRegion(rt, geomBytes + accBytes + align64(sizes.x * 4) + align64(sizes.w * 4) + align64(sizes.bias * 4) +
    align64(sizes.gy * 4) + sizes.out * 4);
  const pAcc = pGeom + geomBytes, place = placer(rt, pAcc + accBytes);
  const px = place(sizes.x, ops.x), pw = place(sizes.w, ops.w), pb = place(sizes.bias, ops.bias), pg = place(sizes.gy, ops.gy);
  const po = place.next();
  new Int32Array(rt.f32.buffer, pGeom, 13).set([g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW]);
  rt.k.depthwiseF32(mode, px, pw, pb, pg, po, n, pGeom, pAcc);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + sizes.out));
}

/** out = lo < x < hi ? g : 0 on wasm (see Backend.hardtanhBackward). */
export function wasmHardtanhBackward(rt: Runtime, x: Float32Array, g: Float32Array, lo: number, hi: number, out: Float32Array): void {
  const n = out.length, bytes = align64(n * 4);
  const px = dataRegion(rt, 3 * bytes), pg = px + bytes, po = pg + bytes;
  rt.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  rt.f32.set(g.length === n ? g : g.subarray(0, n), pg >>> 2);
  rt.k.hardtanhBackwardF32(px, pg, lo, hi, po, n);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}

/** out = clamp(x, lo, hi) on wasm (see Backend.clamp). */
export function wasmClamp(rt: Runtime, x: Float32Array, lo: number, hi: number, out: Float32Array): void {
  const n = out.length;
  const px = dataRegion(rt, align64(n * 4) + n * 4);
  const po = px + align64(n * 4);
  rt.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  rt.k.clampF32(px, lo, hi, po, n);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}
