// The fused Adam/AdamW update kernel on every backend that loads (JS float32/float64,
// wasm, native) against torch.optim.Adam's formula evaluated here in float64, for
// lengths around the SIMD width, the wasm chunk and the native thread split, with
// AMSGrad, L2 and decoupled decay, and maximize. The float32 kernels do the same
// IEEE single-precision operations in the same order, so they must agree bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AdamHyper, Backend } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { randArray, rng } from "./wasm-util.js";

const addon = await loadNativeAddon();
const backends: [string, Backend | null][] = [
  ["wasm", wasmBackend()],
  ["native", addon?.adamStep ? makeNativeBackend(jsBackend, addon) : null],
];
setWasmRouting("always");
const r = rng(77);
const LENGTHS = [1, 3, 4, 7, 8, 9, 255, 256, 4096 + 5, 70001];

interface Case { h: AdamHyper; amsgrad: boolean; label: string }
function hyper(step: number, o: { lr?: number; wd?: number; decoupled?: boolean; maximize?: boolean } = {}): AdamHyper {
  const lr = o.lr ?? 1e-2, b1 = 0.9, b2 = 0.999, wd = o.wd ?? 0;
  return {
    b1, b2, eps: 1e-8, stepSize: lr / (1 - b1 ** step), bc2Sqrt: Math.sqrt(1 - b2 ** step),
    sign: o.maximize ? -1 : 1, l2: o.decoupled ? 0 : wd, decay: o.decoupled ? 1 - lr * wd : 1,
  };
}
const CASES: Case[] = [
  { h: hyper(1), amsgrad: false, label: "plain, step 1" },
  { h: hyper(7), amsgrad: true, label: "amsgrad, step 7" },
  { h: hyper(3, { wd: 0.1 }), amsgrad: false, label: "L2 0.1" },
  { h: hyper(5, { wd: 0.05, decoupled: true }), amsgrad: false, label: "AdamW decay" },
  { h: hyper(2, { maximize: true }), amsgrad: true, label: "maximize + amsgrad" },
];

interface State { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array; vmax: Float32Array | null }
function state(n: number, amsgrad: boolean): State {
  const v = randArray(r, n).map(Math.abs);
  return { p: randArray(r, n), g: randArray(r, n), m: randArray(r, n).map((x) => x * 0.1), v, vmax: amsgrad ? v.map((x, i) => (i % 2 ? x * 2 : x / 2)) : null };
}
const copy = (s: State): State => ({ p: s.p.slice(), g: s.g.slice(), m: s.m.slice(), v: s.v.slice(), vmax: s.vmax ? s.vmax.slice() : null });

/** torch.optim.Adam's single-tensor update, in float64. */
function reference(s: State, h: AdamHyper): { p: number[]; m: number[]; v: number[]; pScale: number[]; mScale: number[] } {
  // pScale/mScale: magnitudes of the terms each result is the difference of (float32 rounding is relative to them).
  const p: number[] = [], m: number[] = [], v: number[] = [], pScale: number[] = [], mScale: number[] = [];
  for (let i = 0; i < s.p.length; i++) {
    const p0 = s.p[i] * h.decay;
    const g = h.sign * s.g[i] + h.l2 * p0;
    const mi = h.b1 * s.m[i] + (1 - h.b1) * g, vi = h.b2 * s.v[i] + (1 - h.b2) * g * g;
    const vv = s.vmax ? Math.max(s.vmax[i], vi) : vi;
    m.push(mi); v.push(vi);
    const den = Math.sqrt(vv) / h.bc2Sqrt + h.eps, upd = h.stepSize * (mi / den);
    p.push(p0 - upd);
    const ms = Math.abs(h.b1 * s.m[i]) + Math.abs((1 - h.b1) * g);
    mScale.push(ms);
    pScale.push(Math.abs(p0) + Math.abs(upd) + Math.abs(h.l2 * p0) + (h.stepSize * ms) / den);
  }
  return { p, m, v, pScale, mScale };
}

/** Relative to the larger of the result and `scale` (p's update cancels against p itself). */
function closeTo(got: ArrayLike<number>, want: number[], rel: number, what: string, scale?: ArrayLike<number>): void {
  for (let i = 0; i < want.length; i++) {
    const mag = Math.max(Math.abs(want[i]), scale ? Math.abs(scale[i]) : 0) + 1e-6;
    assert.ok(Math.abs(got[i] - want[i]) <= rel * mag, `${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

test("JS adamStep (float32 and float64) matches torch.optim.Adam's formula", () => {
  for (const c of CASES) {
    for (const n of [1, 9, 300]) {
      const s = state(n, c.amsgrad), ref = reference(s, c.h);
      const f32 = copy(s);
      jsBackend.adamStep(f32.p, f32.g, f32.m, f32.v, f32.vmax, c.h);
      closeTo(f32.p, ref.p, 1e-6, `${c.label} n${n} f32 p`, ref.pScale);
      closeTo(f32.m, ref.m, 1e-6, `${c.label} n${n} f32 m`, ref.mScale);
      closeTo(f32.v, ref.v, 1e-6, `${c.label} n${n} f32 v`);
      const f64 = { p: Float64Array.from(s.p), g: Float64Array.from(s.g), m: Float64Array.from(s.m), v: Float64Array.from(s.v), vmax: s.vmax ? Float64Array.from(s.vmax) : null };
      jsBackend.adamStep(f64.p, f64.g, f64.m, f64.v, f64.vmax, c.h);
      closeTo(f64.p, ref.p, 1e-14, `${c.label} n${n} f64 p`, ref.pScale);
      if (c.amsgrad) closeTo(f64.vmax!, ref.v.map((x, i) => Math.max(x, s.vmax![i])), 1e-14, `${c.label} n${n} f64 vmax`);
    }
  }
});

for (const [name, be] of backends) {
  test(`${name} adamStep is bitwise equal to the JS float32 kernel (and so to the formula)`, { skip: be ? false : `${name} backend unavailable` }, () => {
    for (const c of CASES) {
      for (const n of LENGTHS) {
        const s = state(n, c.amsgrad), want = copy(s), got = copy(s);
        jsBackend.adamStep(want.p, want.g, want.m, want.v, want.vmax, c.h);
        be!.adamStep(got.p, got.g, got.m, got.v, got.vmax, c.h);
        for (const k of ["p", "m", "v", "vmax"] as const) {
          const a = got[k], b = want[k];
          if (!a || !b) continue;
          for (let i = 0; i < n; i++) {
            if (!Object.is(a[i], b[i])) assert.fail(`${c.label} n${n} ${k}[${i}]: ${name} ${a[i]} vs JS ${b[i]}`);
          }
        }
        assert.deepEqual(got.g, s.g, "gradient left unchanged");
        const ref = reference(s, c.h);
        closeTo(got.p, ref.p, 1e-6, `${c.label} n${n} p vs formula`, ref.pScale);
      }
    }
  });
}
