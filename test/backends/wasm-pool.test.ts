// wasm maxPool2d vs the definition (max over each precomputed window, first max on
// ties, NaN wins, argmax as h*W + w) and the JS kernel, with overlapping, dilated,
// clipped (padding) and 1-D windows, and the SIMD 2x2/stride-2 path (with a scalar tail).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PoolWindows } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { rng } from "./wasm-util.js";

const w = wasmBackend();
setWasmRouting("always");
const skip = w ? false : "wasm unavailable in this runtime";
const r = rng(3);

/** Windows of size k, stride s, dilation d, padding p along one axis of length L, clipped to [0, L). */
function axis(L: number, k: number, s: number, d: number, p: number): { st: Int32Array; en: Int32Array } {
  const o = Math.floor((L + 2 * p - d * (k - 1) - 1) / s) + 1;
  const st = new Int32Array(o), en = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    let a = i * s - p;
    while (a < 0) a += d;
    st[i] = a;
    en[i] = Math.min(L, i * s - p + d * (k - 1) + 1);
  }
  return { st, en };
}

test("wasm maxPool2d: values and argmax per window vs definition and JS (ties, NaN, dilation, padding, 1-D)", { skip }, () => {
  const cases: [number, number, number, number[], number[], number[], number[]][] = [
    // planes, H, W, k, s, d, p (per axis)
    [3, 8, 8, [2, 2], [2, 2], [1, 1], [0, 0]],
    [2, 7, 21, [2, 2], [2, 2], [1, 1], [0, 0]],
    [2, 7, 9, [3, 3], [2, 1], [1, 1], [1, 1]],
    [2, 9, 9, [2, 3], [1, 2], [2, 2], [1, 0]],
    [4, 1, 13, [1, 3], [1, 2], [1, 1], [0, 1]],
  ];
  for (const [planes, H, W, k, s, d, p] of cases) {
    const rows = axis(H, k[0], s[0], d[0], p[0]), cols = axis(W, k[1], s[1], d[1], p[1]);
    const win: PoolWindows = { hs: rows.st, he: rows.en, ws: cols.st, we: cols.en, dH: d[0], dW: d[1] };
    const oH = rows.st.length, oW = cols.st.length;
    // Small integers make ties common; a few NaNs.
    const x = Float32Array.from({ length: planes * H * W }, () => Math.floor(r() * 4));
    x[5] = NaN; x[x.length - 3] = NaN; x[W + 1] = NaN; x[2 * W + 8] = -Infinity;
    const out = new Float32Array(planes * oH * oW).fill(99), idx = new Int32Array(out.length).fill(-7);
    const oj = new Float32Array(out.length), ij = new Int32Array(out.length);
    w!.maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
    jsBackend.maxPool2d(x, planes, H, W, oH, oW, win, oj, ij);
    for (let q = 0; q < planes; q++) for (let i = 0; i < oH; i++) for (let j = 0; j < oW; j++) {
      let best = -Infinity, bi = -1;
      for (let h = rows.st[i]; h < rows.en[i]; h += d[0]) for (let c = cols.st[j]; c < cols.en[j]; c += d[1]) {
        const v = x[q * H * W + h * W + c];
        if (bi < 0 || (Number.isNaN(v) && !Number.isNaN(best)) || (!Number.isNaN(best) && v > best)) { best = v; bi = h * W + c; }
      }
      const o = (q * oH + i) * oW + j, msg = `case ${planes}x${H}x${W} k${k} s${s} d${d} p${p} out ${q},${i},${j}`;
      assert.ok(Object.is(out[o], best) || (Number.isNaN(out[o]) && Number.isNaN(best)), `${msg}: value ${out[o]} vs ${best}`);
      if (!Number.isNaN(best)) assert.equal(idx[o], bi, `${msg}: argmax`);
      assert.equal(idx[o], ij[o], `${msg}: argmax vs JS`);
    }
  }
});
