/**
 * Float32 elementwise kernels on wasm: unary maps and binary ops whose broadcast
 * coalesces to a 2-D [rows, cols] grid with inner stride 0 or 1 (same shape, scalar,
 * row and column broadcasts). Anything else returns false so the caller falls back
 * to the JS reference.
 */
import type { BinaryOp, UnaryOp } from "../backend.js";
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** Unary op codes of assembly/elementwise.ts (ops not listed stay in JS). */
export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, sqrt: 2, rsqrt: 3, square: 4, reciprocal: 5, relu: 6, exp: 7, log: 8, tanh: 9, sigmoid: 10, step: 11,
};
/** Binary op codes of assembly/elementwise.ts (ops not listed stay in JS). */
export const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };

/** out = op(x) on wasm; x and out of equal length. */
export function wasmUnary(rt: Runtime, code: number, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  const px = dataRegion(rt, align64(n * 4) + n * 4);
  const po = px + align64(n * 4);
  rt.f32.set(x, px >>> 2);
  rt.k.unaryF32(code, px, po, n);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}

/**
 * Coalesces the broadcast of aShape/bShape to outShape into at most 2 dims; returns
 * [n0, n1, sa0, sa1, sb0, sb1] or null when it needs more dims or a strided inner run.
 */
export function plan2d(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): number[] | null {
  const nd = outShape.length;
  const shape: number[] = [], stA: number[] = [], stB: number[] = [];
  let accA = 1, accB = 1;
  const sa: number[] = new Array(nd), sb: number[] = new Array(nd);
  for (let i = nd - 1; i >= 0; i--) {
    const da = i - (nd - aShape.length) >= 0 ? aShape[i - (nd - aShape.length)] : 1;
    const db = i - (nd - bShape.length) >= 0 ? bShape[i - (nd - bShape.length)] : 1;
    sa[i] = da === 1 ? 0 : accA;
    sb[i] = db === 1 ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  for (let i = 0; i < nd; i++) {
    const size = outShape[i];
    if (size === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && stA[last] === sa[i] * size && stB[last] === sb[i] * size) {
      shape[last] *= size; stA[last] = sa[i]; stB[last] = sb[i];
    } else {
      shape.push(size); stA.push(sa[i]); stB.push(sb[i]);
    }
  }
  if (shape.length === 0) return [1, 1, 0, 0, 0, 0];
  if (shape.length === 1) return [1, shape[0], 0, stA[0], 0, stB[0]];
  if (shape.length > 2 || stA[1] > 1 || stB[1] > 1) return null;
  return [shape[0], shape[1], stA[0], stA[1], stB[0], stB[1]];
}

/** out = op(a, b) with broadcasting on wasm; false when the layout is not 2-D-coalescible. */
export function wasmBinary(rt: Runtime, code: number, a: Float32Array, aShape: readonly number[], b: Float32Array, bShape: readonly number[],
  out: Float32Array, outShape: readonly number[]): boolean {
  const total = out.length;
  let p: number[] | null;
  if (a.length === total && b.length === total) p = [1, total, 0, 1, 0, 1];
  else if (b.length === 1 && a.length === total) p = [1, total, 0, 1, 0, 0];
  else if (a.length === 1 && b.length === total) p = [1, total, 0, 0, 0, 1];
  else p = plan2d(aShape, bShape, outShape);
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
