/**
 * Float32 im2col / col2im on wasm (see Backend.im2col/col2im): the input is copied in
 * once, the window unfold (or the overlapping fold-back sums) runs on bulk memory
 * copies and SIMD adds, and the result is copied out.
 */
import type { ConvGeom } from "../backend.js";
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** See Backend.im2col. */
export function wasmIm2col(rt: Runtime, x: Float32Array, n: number, g: ConvGeom, out: Float32Array, batchInner = false): void {
  const nx = n * g.C * g.H * g.W, no = n * g.C * g.kH * g.kW * g.oH * g.oW;
  const px = dataRegion(rt, align64(nx * 4) + no * 4), po = px + align64(nx * 4);
  rt.f32.set(x.length === nx ? x : x.subarray(0, nx), px >>> 2);
  rt.k.im2colF32(px, n, g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW, po, batchInner);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + no));
}

/** See Backend.col2im. */
export function wasmCol2im(rt: Runtime, cols: Float32Array, n: number, g: ConvGeom, out: Float32Array, batchInner = false): void {
  const nc = n * g.C * g.kH * g.kW * g.oH * g.oW, no = n * g.C * g.H * g.W;
  const pc = dataRegion(rt, align64(nc * 4) + no * 4), po = pc + align64(nc * 4);
  rt.f32.set(cols.length === nc ? cols : cols.subarray(0, nc), pc >>> 2);
  rt.k.col2imF32(pc, n, g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW, po, batchInner);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + no));
}
