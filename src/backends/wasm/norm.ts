/**
 * Fused float32 layer norm on wasm: operands are laid out back to back in the arena,
 * results copied out.
 */
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** Lays out arrays of the given float counts (0 = absent) in the arena; returns byte offsets (0 for absent). */
function layout(rt: Runtime, sizes: readonly number[]): number[] {
  let total = 0;
  for (const s of sizes) total += align64(s * 4);
  let p = dataRegion(rt, total);
  return sizes.map((s) => { if (s === 0) return 0; const q = p; p += align64(s * 4); return q; });
}

const put = (rt: Runtime, ptr: number, x: Float32Array | null, n: number) => { if (x) rt.f32.set(x.length === n ? x : x.subarray(0, n), ptr >>> 2); };
const get = (rt: Runtime, ptr: number, out: Float32Array | null, n: number) => { if (out) out.set(rt.f32.subarray(ptr >>> 2, (ptr >>> 2) + n)); };

/** See Backend.layerNorm (float32, D > 0). */
export function wasmLayerNorm(rt: Runtime, x: Float32Array, w: Float32Array | null, b: Float32Array | null, rows: number, D: number, eps: number,
  out: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  const n = rows * D;
  const [px, pw, pb, po, pm, pr] = layout(rt, [n, w ? D : 0, b ? D : 0, n, rows, rows]);
  put(rt, px, x, n); put(rt, pw, w, D); put(rt, pb, b, D);
  rt.k.layerNormF32(px, pw, pb, rows, D, eps, po, pm, pr);
  get(rt, po, out, n); get(rt, pm, mean, rows); get(rt, pr, rstd, rows);
}

/** See Backend.layerNormBackward (float32, D > 0). */
export function wasmLayerNormBackward(rt: Runtime, x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, g: Float32Array,
  rows: number, D: number, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void {
  const n = rows * D;
  const [px, pw, pm, pr, pg, pdx, pdw, pdb] = layout(rt, [n, w ? D : 0, rows, rows, n, dx ? n : 0, dw ? D : 0, db ? D : 0]);
  put(rt, px, x, n); put(rt, pw, w, D); put(rt, pm, mean, rows); put(rt, pr, rstd, rows); put(rt, pg, g, n);
  rt.k.layerNormBackwardF32(px, pw, pm, pr, pg, rows, D, pdx, pdw, pdb);
  get(rt, pdx, dx, n); get(rt, pdw, dw, D); get(rt, pdb, db, D);
}
