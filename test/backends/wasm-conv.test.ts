// wasm im2col/col2im vs the definition of the window unfold (index arithmetic written
// here), the adjoint identity <im2col(x), y> = <x, col2im(y)>, and bitwise agreement
// with the JS reference (same summation order), over strides, dilations, paddings,
// 1-D (H = 1) and output grids larger than the formula (transposed conv).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConvGeom } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { randArray, rng } from "./wasm-util.js";

const w = wasmBackend();
setWasmRouting("always");
const skip = w ? false : "wasm unavailable in this runtime";
const r = rng(11);

function geom(C: number, H: number, W: number, kH: number, kW: number, pad: [number, number], s: [number, number], d: [number, number], extra = 0): ConvGeom {
  const oH = Math.floor((H + 2 * pad[0] - d[0] * (kH - 1) - 1) / s[0]) + 1 + extra;
  const oW = Math.floor((W + 2 * pad[1] - d[1] * (kW - 1) - 1) / s[1]) + 1 + extra;
  return { C, H, W, kH, kW, padT: pad[0], padL: pad[1], sH: s[0], sW: s[1], dH: d[0], dW: d[1], oH, oW };
}

const GEOMS: ConvGeom[] = [
  geom(1, 1, 1, 1, 1, [0, 0], [1, 1], [1, 1]),
  geom(3, 5, 7, 3, 3, [1, 1], [1, 1], [1, 1]),
  geom(2, 8, 9, 3, 2, [0, 1], [2, 2], [1, 1]),
  geom(2, 9, 9, 3, 3, [2, 2], [1, 1], [2, 2]),
  geom(4, 1, 13, 1, 5, [0, 2], [1, 3], [1, 1]),
  geom(1, 4, 4, 5, 5, [2, 2], [1, 1], [1, 1]),
  geom(2, 5, 6, 3, 3, [1, 1], [2, 2], [1, 1], 1),
];

function refIm2col(x: Float32Array, n: number, g: ConvGeom): Float32Array {
  const out = new Float32Array(n * g.C * g.kH * g.kW * g.oH * g.oW);
  let o = 0;
  for (let b = 0; b < n; b++) for (let c = 0; c < g.C; c++) for (let ki = 0; ki < g.kH; ki++) for (let kj = 0; kj < g.kW; kj++) {
    for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++, o++) {
      const ih = oh * g.sH + ki * g.dH - g.padT, iw = ow * g.sW + kj * g.dW - g.padL;
      out[o] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((b * g.C + c) * g.H + ih) * g.W + iw] : 0;
    }
  }
  return out;
}

test("wasm im2col equals the window-unfold definition and the JS kernel", { skip }, () => {
  for (const g of GEOMS) {
    for (const n of [1, 2]) {
      const x = randArray(r, n * g.C * g.H * g.W);
      const got = new Float32Array(n * g.C * g.kH * g.kW * g.oH * g.oW).fill(NaN), js = new Float32Array(got.length);
      w!.im2col(x, n, g, got);
      jsBackend.im2col(x, n, g, js);
      assert.deepEqual(Array.from(got), Array.from(refIm2col(x, n, g)), `im2col ${JSON.stringify(g)} n${n}`);
      assert.deepEqual(Array.from(got), Array.from(js));
    }
  }
});

test("wasm col2im is the adjoint of im2col (<im2col x, y> = <x, col2im y>) and matches JS bitwise", { skip }, () => {
  for (const g of GEOMS) {
    const n = 2;
    const x = randArray(r, n * g.C * g.H * g.W), y = randArray(r, n * g.C * g.kH * g.kW * g.oH * g.oW);
    const back = new Float32Array(x.length).fill(NaN), js = new Float32Array(x.length);
    w!.col2im(y, n, g, back);
    jsBackend.col2im(y, n, g, js);
    const cols = refIm2col(x, n, g);
    let lhs = 0, rhs = 0, mag = 0;
    for (let i = 0; i < y.length; i++) { lhs += cols[i] * y[i]; mag += Math.abs(cols[i] * y[i]); }
    for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
    assert.ok(Math.abs(lhs - rhs) <= 1e-6 * (mag + 1), `adjoint ${JSON.stringify(g)}: ${lhs} vs ${rhs}`);
    for (let i = 0; i < x.length; i++) assert.ok(Object.is(back[i], js[i]), `col2im ${JSON.stringify(g)} [${i}]: ${back[i]} vs JS ${js[i]}`);
  }
});

