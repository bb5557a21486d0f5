/**
 * Fused float32 optimizer updates on wasm. The arrays are streamed through the arena
 * in cache-sized chunks (copy in, update, copy out), so a large parameter never needs
 * an arena of its own size and the copies stay in L2.
 */
import type { AdamHyper } from "../backend.js";
import { dataRegion, type Runtime } from "./runtime.js";

/** Elements per chunk: 5 arrays x 16 KiB = 80 KiB in flight. */
const CHUNK = 4096;

/** See Backend.adamStep (float32). */
export function wasmAdamStep(rt: Runtime, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, h: AdamHyper): void {
  const n = p.length;
  const base = dataRegion(rt, 5 * CHUNK * 4);
  const pp = base, pg = base + CHUNK * 4, pm = base + 2 * CHUNK * 4, pv = base + 3 * CHUNK * 4, px = vmax ? base + 4 * CHUNK * 4 : 0;
  const mem = rt.f32;
  for (let i0 = 0; i0 < n; i0 += CHUNK) {
    const i1 = Math.min(n, i0 + CHUNK), len = i1 - i0;
    mem.set(p.subarray(i0, i1), pp >>> 2);
    mem.set(g.subarray(i0, i1), pg >>> 2);
    mem.set(m.subarray(i0, i1), pm >>> 2);
    mem.set(v.subarray(i0, i1), pv >>> 2);
    if (vmax) mem.set(vmax.subarray(i0, i1), px >>> 2);
    rt.k.adamF32(pp, pg, pm, pv, px, len, h.b1, h.b2, 1 - h.b1, 1 - h.b2, h.stepSize, h.bc2Sqrt, h.eps, h.sign, h.l2, h.decay);
    p.set(mem.subarray(pp >>> 2, (pp >>> 2) + len), i0);
    m.set(mem.subarray(pm >>> 2, (pm >>> 2) + len), i0);
    v.set(mem.subarray(pv >>> 2, (pv >>> 2) + len), i0);
    if (vmax) vmax.set(mem.subarray(px >>> 2, (px >>> 2) + len), i0);
  }
}
