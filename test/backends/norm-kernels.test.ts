// Fused layer-norm kernels on every backend that loads, against float64 values from
// the definition computed here: y = (x - mean) / sqrt(var + eps) * w + b (biased var),
// and the gradients of Σ g⊙y by the closed form checked independently against
// central differences of that float64 definition. Widths around the SIMD lanes,
// rows with a large offset (cancellation), absent weight/bias and absent outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { randArray, rng } from "./wasm-util.js";

const addon = await loadNativeAddon();
setWasmRouting("always");
const backends: [string, Backend | null][] = [
  ["js", jsBackend], ["wasm", wasmBackend()], ["native", addon?.layerNorm ? makeNativeBackend(jsBackend, addon) : null],
];
const r = rng(2024);
const EPS = 1e-5;

function ref(x: ArrayLike<number>, w: ArrayLike<number> | null, b: ArrayLike<number> | null, rows: number, D: number): number[] {
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: D }, (_, j) => x[i * D + j]);
    const mu = row.reduce((a, v) => a + v, 0) / D;
    const v = row.reduce((a, t) => a + (t - mu) ** 2, 0) / D;
    row.forEach((t, j) => y.push(((t - mu) / Math.sqrt(v + EPS)) * (w ? w[j] : 1) + (b ? b[j] : 0)));
  }
  return y;
}

/** d/dz of Σ g⊙y by central differences of the float64 definition (z = x, w or b). */
function numGrad(z: Float64Array, f: () => number): number[] {
  const h = 1e-6, out: number[] = [];
  for (let i = 0; i < z.length; i++) {
    const z0 = z[i];
    z[i] = z0 + h; const up = f();
    z[i] = z0 - h; const dn = f();
    z[i] = z0;
    out.push((up - dn) / (2 * h));
  }
  return out;
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

for (const [name, be] of backends) {
  test(`${name} layerNorm forward and backward match the definition`, { skip: be ? false : `${name} unavailable` }, () => {
    for (const D of [1, 3, 4, 5, 8, 13, 32, 100]) {
      for (const affine of [true, false]) {
        const rows = 4;
        const x = randArray(r, rows * D).map((v, i) => v * 3 + (i < D ? 1000 : 0));
        const w = affine ? randArray(r, D) : null, b = affine ? randArray(r, D) : null;
        const g = randArray(r, rows * D);
        const out = new Float32Array(rows * D), mean = new Float32Array(rows), rstd = new Float32Array(rows);
        be!.layerNorm(x, w, b, rows, D, EPS, out, mean, rstd);
        close(out, ref(x, w, b, rows, D), D === 1 ? 1e-3 : 2e-4, `D${D} affine ${affine} y`);
        const dx = new Float32Array(rows * D), dw = affine ? new Float32Array(D) : null, db = affine ? new Float32Array(D) : null;
        be!.layerNormBackward(x, w, mean, rstd, g, rows, D, dx, dw, db);
        const X = Float64Array.from(x), W = w ? Float64Array.from(w) : null, Bv = b ? Float64Array.from(b) : null;
        const loss = () => ref(X, W, Bv, rows, D).reduce((a, v, i) => a + v * g[i], 0);
        close(dx, numGrad(X, loss), 2e-3, `D${D} affine ${affine} dx`);
        if (W) close(dw!, numGrad(W, loss), 2e-3, `D${D} dw`);
        if (Bv) close(db!, numGrad(Bv, loss), 2e-3, `D${D} db`);
        // Absent outputs are skipped, present ones unchanged by that.
        const dx2 = new Float32Array(rows * D);
        be!.layerNormBackward(x, w, mean, rstd, g, rows, D, dx2, null, null);
        assert.deepEqual(dx2, dx, "dx alone equals dx with dw/db");
      }
    }
  });
}
