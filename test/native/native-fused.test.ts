// The fused ReLU-gradient kernel (JS and native) and the native 2x2/stride-2 max
// pooling kernel, against values computed here from their definitions: g * (x > 0)
// element by element (NaN, ±0, ±inf, subnormals), and a brute-force window scan where
// the first maximum wins ties and the last NaN wins. Native cases skip without the addon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, makeNativeBackend, nativeLoadError } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { Generator } from "../../src/index.js";

const addon = await loadNativeAddon();
const skip = addon?.reluBackward ? false : `native addon unavailable or built before reluBackward (${nativeLoadError() || "not built"})`;
const gen = new Generator(11);
const rnd = (n: number) => Float32Array.from({ length: n }, () => gen.random() * 2 - 1);
const SPECIAL = [0, -0, 1e-45, -1e-45, 1.5e-39, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1, -1];

function reluCase(n: number): { x: Float32Array; g: Float32Array; want: Float32Array } {
  const x = rnd(n), g = rnd(n);
  SPECIAL.forEach((v, i) => { if (i < n) x[i] = v; });
  if (n > 20) { g[13] = NaN; g[14] = Infinity; x[13] = -2; x[14] = 0; g[15] = -Infinity; x[15] = 3; }
  const want = new Float32Array(n);
  for (let i = 0; i < n; i++) want[i] = x[i] > 0 ? g[i] : g[i] * 0;
  return { x, g, want };
}

test("JS reluBackward is g * (x > 0) for float32 (bit-pattern mask) and float64", () => {
  for (const n of [1, 12, 1000]) {
    const { x, g, want } = reluCase(n);
    const out = new Float32Array(n);
    jsBackend.reluBackward(x, g, out);
    out.forEach((v, i) => assert.ok(Object.is(v, want[i]), `float32 i=${i}: x=${x[i]} g=${g[i]} got ${v} want ${want[i]}`));
    const out64 = new Float64Array(n);
    jsBackend.reluBackward(Float64Array.from(x), Float64Array.from(g), out64);
    out64.forEach((v, i) => assert.ok(Object.is(v, want[i]), `float64 i=${i}`));
  }
});

test("native reluBackward is g * (x > 0), across the threaded chunking", { skip }, () => {
  const nb = makeNativeBackend(jsBackend, addon!);
  for (const n of [1, 12, 4097, 300001]) {
    const { x, g, want } = reluCase(n);
    const out = new Float32Array(n).fill(7);
    nb.reluBackward(x, g, out);
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (!Object.is(out[i], want[i])) bad = i;
    assert.equal(bad, -1, `n=${n} first mismatch at ${bad}`);
  }
  assert.throws(() => addon!.reluBackward!(new Float32Array(3), new Float32Array(5), new Float32Array(5)), /at least as long/);
});

test("native 2x2 stride-2 max pooling equals a brute-force scan (ties, NaN, odd sizes)", { skip }, () => {
  const nb = makeNativeBackend(jsBackend, addon!);
  for (const [planes, H, W] of [[3, 8, 6], [2, 7, 9], [64, 28, 28]]) {
    const oH = H >> 1, oW = W >> 1;
    const win = {
      hs: Int32Array.from({ length: oH }, (_, i) => 2 * i), he: Int32Array.from({ length: oH }, (_, i) => 2 * i + 2),
      ws: Int32Array.from({ length: oW }, (_, j) => 2 * j), we: Int32Array.from({ length: oW }, (_, j) => 2 * j + 2), dH: 1, dW: 1,
    };
    const x = Float32Array.from(rnd(planes * H * W), (v) => Math.round(v * 2) / 2); // many ties
    x[1] = NaN; x[W] = NaN; x[2 * W + 3] = -Infinity; x[2 * W + 2] = -Infinity; x[3 * W + 2] = -Infinity; x[3 * W + 3] = -Infinity;
    const L = planes * oH * oW;
    const out = new Float32Array(L), idx = new Int32Array(L);
    nb.maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
    // The backend must route this grid to the 2x2 kernel: the direct call gives the same.
    const out2 = new Float32Array(L).fill(5), idx2 = new Int32Array(L).fill(-1);
    addon!.maxPool2d2x2!(x, planes, H, W, out2, idx2);
    assert.deepEqual(out2, out);
    assert.deepEqual(idx2, idx);
    for (let p = 0; p < planes; p++) {
      for (let i = 0; i < oH; i++) {
        for (let j = 0; j < oW; j++) {
          let best = -Infinity, bi = -1;
          for (const [h, w] of [[2 * i, 2 * j], [2 * i, 2 * j + 1], [2 * i + 1, 2 * j], [2 * i + 1, 2 * j + 1]]) {
            const v = x[p * H * W + h * W + w];
            if (bi < 0 || Number.isNaN(v) || (!Number.isNaN(best) && v > best)) { best = v; bi = h * W + w; }
          }
          const o = p * oH * oW + i * oW + j;
          assert.ok(Object.is(out[o], best) && idx[o] === bi, `plane ${p} (${i}, ${j}): got ${out[o]}@${idx[o]}, want ${best}@${bi}`);
        }
      }
    }
  }
});
