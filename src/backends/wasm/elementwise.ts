/**
 * Float32 elementwise kernels on wasm: unary maps and binary ops whose broadcast
 * coalesces to a 2-D [rows, cols] grid with inner stride 0 or 1 (same shape, scalar,
 * row and column broadcasts). Anything else returns false so the caller falls back
 * to the JS reference. Op codes: src/backends/ops.generated.ts (the op table).
 */
import { broadcastPlan } from "../broadcast.js";
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** out = op(x) on wasm; x and out of equal length. */
export function wasmUnary(rt: Runtime, code: number, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  const px = dataRegion(rt, align64(n * 4) + n * 4);
  const po = px + align64(n * 4);
  rt.f32.set(x, px >>> 2);
  rt.k.unaryF32(code, px, po, n);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}

/** out = op(a, b) with broadcasting on wasm; false when the layout is not 2-D-coalescible. */
export function wasmBinary(rt: Runtime, code: number, a: Float32Array, aShape: readonly number[], b: Float32Array, bShape: readonly number[],
  out: Float32Array, outShape: readonly number[]): boolean {
  const total = out.length;
  const p = broadcastPlan(a.length, b.length, aShape, bShape, total, outShape);
  if (!p) return false;
  const ab = align64(a.length * 4), bb = align64(b.length * 4);
  const pa = dataRegion(rt, ab + bb + total * 4);
  const pb = pa + ab, po = pb + bb;
  const heap = rt.f32;
  heap.set(a, pa >>> 2);
  heap.set(b, pb >>> 2);
  rt.k.binaryF32(code, pa, p[2], p[3], pb, p[4], p[5], po, p[0], p[1]);
  out.set(heap.subarray(po >>> 2, (po >>> 2) + total));
  return true;
}

/** out = g * (x > 0) on wasm (see Backend.reluBackward); all of length n. */
export function wasmReluBackward(rt: Runtime, x: Float32Array, g: Float32Array, out: Float32Array): void {
  const n = out.length, bytes = align64(n * 4);
  const px = dataRegion(rt, 3 * bytes);
  const pg = px + bytes, po = pg + bytes;
  rt.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  rt.f32.set(g.length === n ? g : g.subarray(0, n), pg >>> 2);
  rt.k.reluBackwardF32(px, pg, po, n);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}
