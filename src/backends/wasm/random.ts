/**
 * Dropout masks on wasm: the xoshiro128** draws run in the kernel and the mask is
 * copied out (nothing to copy in but the 4-word generator state).
 */
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** See Backend.bernoulliMask (float32 out). */
export function wasmBernoulliMask(rt: Runtime, state: Uint32Array, threshold: number, keepValue: number, out: Float32Array): void {
  const n = out.length;
  const ps = dataRegion(rt, 64 + align64(n * 4));
  const po = ps + 64;
  const words = new Uint32Array(rt.memory.buffer, ps, 4);
  words.set(state);
  rt.k.bernoulliMaskF32(ps, threshold, keepValue, po, n);
  state.set(words);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + n));
}
