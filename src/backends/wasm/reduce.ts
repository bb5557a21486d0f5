/**
 * Float32 sum/max/min over the middle axis of [outer, r, inner] on wasm. Row sums
 * accumulate in float64 lanes; column reductions follow the JS reference's order.
 */
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** out[o, i] = reduce_j x[o, j, i] on wasm (code: ops.generated.ts REDUCE_CODE). */
export function wasmReduce(rt: Runtime, code: number, x: Float32Array, outer: number, r: number, inner: number, out: Float32Array): void {
  const nx = outer * r * inner, no = outer * inner;
  const px = dataRegion(rt, align64(nx * 4) + no * 4);
  const po = px + align64(nx * 4);
  rt.f32.set(nx === x.length ? x : x.subarray(0, nx), px >>> 2);
  rt.k.reduceF32(code, px, outer, r, inner, po);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + no));
}
