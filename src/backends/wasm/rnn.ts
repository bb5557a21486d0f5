/**
 * Float32 fused recurrent cell steps on wasm (LSTM forward/backward, GRU forward):
 * the sigmoid/tanh-heavy gate math of one time step in one SIMD pass. Operands are
 * copied into the arena back to back and results copied out.
 */
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** Lays out arrays of the given float counts in the arena; returns their byte offsets. */
function layout(rt: Runtime, sizes: readonly number[]): number[] {
  let total = 0;
  for (const s of sizes) total += align64(s * 4);
  let p = dataRegion(rt, total);
  return sizes.map((s) => { const q = p; p += align64(s * 4); return q; });
}

function put(rt: Runtime, ptr: number, x: Float32Array, n: number): void {
  rt.f32.set(x.length === n ? x : x.subarray(0, n), ptr >>> 2);
}

function get(rt: Runtime, ptr: number, out: Float32Array, n: number): void {
  out.set(rt.f32.subarray(ptr >>> 2, (ptr >>> 2) + n));
}

/** See Backend.lstmCell. */
export function wasmLstmCell(rt: Runtime, gates: Float32Array, cPrev: Float32Array, n: number, H: number, hOut: Float32Array, cOut: Float32Array,
  xAdd: Float32Array | null): void {
  const G = n * 4 * H, S = n * H;
  const [pg, pc, ph, po, px] = layout(rt, [G, S, S, S, xAdd ? G : 0]);
  put(rt, pg, gates, G); put(rt, pc, cPrev, S);
  if (xAdd) put(rt, px, xAdd, G);
  rt.k.lstmCellF32(pg, pc, n, H, ph, po, xAdd ? px : 0);
  get(rt, pg, gates, G); get(rt, ph, hOut, S); get(rt, po, cOut, S);
}

/** See Backend.lstmCellBackward. */
export function wasmLstmCellBackward(rt: Runtime, act: Float32Array, cPrev: Float32Array, c: Float32Array, gh: Float32Array | null, gc: Float32Array | null,
  n: number, H: number, dGates: Float32Array, dcPrev: Float32Array, gh2: Float32Array | null): void {
  const G = n * 4 * H, S = n * H;
  const [pa, pp, pc, ph, pgc, pd, pdc, ph2] = layout(rt, [G, S, S, gh ? S : 0, gc ? S : 0, G, S, gh2 ? S : 0]);
  put(rt, pa, act, G); put(rt, pp, cPrev, S); put(rt, pc, c, S);
  if (gh) put(rt, ph, gh, S);
  if (gc) put(rt, pgc, gc, S);
  if (gh2) put(rt, ph2, gh2, S);
  rt.k.lstmCellBackwardF32(pa, pp, pc, gh ? ph : 0, gc ? pgc : 0, n, H, pd, pdc, gh2 ? ph2 : 0);
  get(rt, pd, dGates, G); get(rt, pdc, dcPrev, S);
}

/** See Backend.gruCell. */
export function wasmGruCell(rt: Runtime, gx: Float32Array, gh: Float32Array, hPrev: Float32Array, n: number, H: number, hOut: Float32Array, act: Float32Array): void {
  const G = n * 3 * H, S = n * H, A = n * 4 * H;
  const [px, pgh, pp, ph, pa] = layout(rt, [G, G, S, S, A]);
  put(rt, px, gx, G); put(rt, pgh, gh, G); put(rt, pp, hPrev, S);
  rt.k.gruCellF32(px, pgh, pp, n, H, ph, pa);
  get(rt, ph, hOut, S); get(rt, pa, act, A);
}
