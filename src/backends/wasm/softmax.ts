/**
 * Float32 row softmax / log-softmax and their backward passes on wasm (vector exp):
 * operands are copied into the arena, results copied out.
 */
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** See Backend.softmax. */
export function wasmSoftmax(rt: Runtime, x: Float32Array, rows: number, cols: number, scale: number, causalL: number, log: boolean, out: Float32Array): void {
  const n = rows * cols;
  const px = dataRegion(rt, 2 * align64(n * 4));
  const po = px + align64(n * 4);
  rt.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  rt.k.softmaxF32(px, rows, cols, scale, causalL, log ? 1 : 0, po);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}

/** See Backend.softmaxBackward. */
export function wasmSoftmaxBackward(rt: Runtime, y: Float32Array, g: Float32Array, rows: number, cols: number, scale: number, log: boolean, out: Float32Array): void {
  const n = rows * cols, bytes = align64(n * 4);
  const py = dataRegion(rt, 3 * bytes);
  const pg = py + bytes, po = pg + bytes;
  rt.f32.set(y.length === n ? y : y.subarray(0, n), py >>> 2);
  rt.f32.set(g.length === n ? g : g.subarray(0, n), pg >>> 2);
  rt.k.softmaxBackwardF32(py, pg, rows, cols, scale, log ? 1 : 0, po);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}
