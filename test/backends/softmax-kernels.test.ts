// Row softmax / log-softmax kernels and their backward on every backend that loads
// (wasm, native) against float64 values computed here from the definitions:
// softmax(s x)_j = e^(s x_j - max) / Σ e^(s x_k - max), causal rows keep their first
// r % L + 1 entries; backward s·y⊙(g - Σ g⊙y) and s·(g - e^y Σ g). Widths around the
// SIMD lanes (1..17, 64, 100), extreme logits, and -inf / NaN rows as PyTorch gives them.
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
  ["js", jsBackend],
  ["wasm", wasmBackend()],
  ["native", addon?.softmax ? makeNativeBackend(jsBackend, addon) : null],
];
const r = rng(31);
const WIDTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 64, 100];

function refSoftmax(x: ArrayLike<number>, rows: number, cols: number, s: number, causalL: number, log: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    const n = causalL ? Math.min((i % causalL) + 1, cols) : cols;
    const z = Array.from({ length: n }, (_, j) => s * x[i * cols + j]);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    for (let j = 0; j < cols; j++) out.push(j >= n ? 0 : log ? z[j] - lse : Math.exp(z[j] - lse));
  }
  return out;
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) { assert.ok(Number.isNaN(got[i]), `${what}[${i}]: expected NaN, got ${got[i]}`); continue; }
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

for (const [name, be] of backends) {
  const skip = be ? false : `${name} backend unavailable`;
  test(`${name} softmax / log-softmax rows (scaled, causal) match the definition`, { skip }, () => {
    for (const cols of WIDTHS) {
      for (const [scale, causalL] of [[1, 0], [0.125, 0], [1, 3]] as const) {
        const rows = 6;
        const x = randArray(r, rows * cols).map((v) => v * 20);
        for (const log of [false, true]) {
          const out = new Float32Array(rows * cols);
          be!.softmax(x, rows, cols, scale, causalL, log, out);
          close(out, refSoftmax(x, rows, cols, scale, causalL, log), 2e-6, `${log ? "log" : ""}softmax ${rows}x${cols} s${scale} causal${causalL}`);
        }
      }
    }
  });

  test(`${name} softmax edge rows: huge logits, all -inf (NaN, as PyTorch), a NaN`, { skip }, () => {
    const cols = 9;
    const x = new Float32Array([
      1e30, 0, -1e30, 5, 5, 5, 5, 5, 5,
      ...Array(cols).fill(-Infinity),
      1, 2, NaN, 4, 5, 6, 7, 8, 9,
      -Infinity, 0, 0, -Infinity, 1, 1, 1, 1, 1,
    ]);
    const out = new Float32Array(x.length), lout = new Float32Array(x.length);
    be!.softmax(x, 4, cols, 1, 0, false, out);
    be!.softmax(x, 4, cols, 1, 0, true, lout);
    close(out.subarray(0, cols), [1, 0, 0, 0, 0, 0, 0, 0, 0], 0, "huge");
    assert.ok(out.subarray(cols, 3 * cols).every(Number.isNaN), "all -inf and NaN rows are NaN");
    assert.ok(lout.subarray(cols, 3 * cols).every(Number.isNaN), "log: all -inf and NaN rows are NaN");
    close(out.subarray(3 * cols), refSoftmax(x.subarray(3 * cols), 1, cols, 1, 0, false), 2e-6, "-inf entries");
    assert.equal(lout[3 * cols], -Infinity);
  });

  test(`${name} softmaxBackward matches s·y⊙(g - Σg⊙y) and s·(g - e^y Σg)`, { skip }, () => {
    for (const cols of WIDTHS) {
      const rows = 5, scale = 0.5;
      const x = randArray(r, rows * cols).map((v) => v * 4), g = randArray(r, rows * cols);
      for (const log of [false, true]) {
        const y = Float32Array.from(refSoftmax(x, rows, cols, 1, 0, log));
        const out = new Float32Array(rows * cols);
        be!.softmaxBackward(y, g, rows, cols, scale, log, out);
        const want: number[] = [];
        for (let i = 0; i < rows; i++) {
          let dot = 0;
          for (let j = 0; j < cols; j++) dot += log ? g[i * cols + j] : g[i * cols + j] * y[i * cols + j];
          for (let j = 0; j < cols; j++) {
            const k = i * cols + j;
            want.push(log ? scale * (g[k] - Math.exp(y[k]) * dot) : scale * y[k] * (g[k] - dot));
          }
        }
        close(out, want, 3e-6, `${log ? "log" : ""}softmaxBackward ${rows}x${cols}`);
      }
    }
  });
}
