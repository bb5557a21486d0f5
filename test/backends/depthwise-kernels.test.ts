// The depthwise conv2d kernels of the wasm backend and the native addon
// (Backend.depthwiseConv2d: groups = in = out channels) against float64 references
// written from the definitions (y[c] = sum over the window of w[c] * x[c] + bias[c];
// dx = the windows' adjoint applied to gy; dw[c] = sum over images and positions of
// gy * the window's x), within the float32 error bound, over strides, dilations,
// paddings (asymmetric), kernel sizes up to 7x7 and odd planes; and the clamp kernel
// and hardtanh's gradient against the JS reference, NaN, infinities and lo > hi included.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, ConvGeom } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { loadNativeAddon, makeNativeBackend, nativeLoadError } from "../../src/backends/native/index.js";
import { setRouting } from "../../src/backends/layer.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { randArray, rng } from "./wasm-util.js";

const addon = await loadNativeAddon();
const IMPLS: [string, Backend | null, string | false][] = [
  ["wasm", wasmBackend(), wasmBackend() ? false : "wasm unavailable in this runtime"],
  ["native", addon ? makeNativeBackend(jsBackend, addon) : null,
    addon?.depthwiseConv2d ? false : `native depthwise kernel unavailable (${nativeLoadError() || "not built or no AVX2"})`],
];
const r = rng(31);

function geom(C: number, H: number, W: number, kH: number, kW: number, pad: [number, number], s: [number, number], d: [number, number]): ConvGeom {
  const oH = Math.floor((H + 2 * pad[0] - d[0] * (kH - 1) - 1) / s[0]) + 1;
  const oW = Math.floor((W + 2 * pad[1] - d[1] * (kW - 1) - 1) / s[1]) + 1;
  return { C, H, W, kH, kW, padT: pad[0], padL: pad[1], sH: s[0], sW: s[1], dH: d[0], dW: d[1], oH, oW };
}

/** [n, geometry]: edge cases, MobileNet/EfficientNet/ConvNeXt shapes (3x3 s1/s2, 5x5, 7x7 pad 3), rows longer than a vector. */
const CASES: [number, ConvGeom][] = [
  [1, geom(1, 1, 1, 1, 1, [0, 0], [1, 1], [1, 1])],
  [2, geom(3, 5, 5, 3, 3, [1, 1], [1, 1], [1, 1])],
  [1, geom(4, 9, 11, 3, 3, [1, 1], [2, 2], [1, 1])],
  [2, geom(3, 12, 10, 5, 5, [2, 2], [2, 2], [1, 1])],
  [1, geom(2, 14, 21, 7, 7, [3, 3], [1, 1], [1, 1])],
  [3, geom(5, 9, 9, 3, 3, [2, 2], [1, 1], [2, 2])],
  [1, geom(2, 1, 19, 1, 4, [0, 1], [1, 3], [1, 1])],
  [2, geom(3, 8, 13, 3, 2, [0, 1], [1, 1], [1, 2])],
  [1, geom(6, 20, 20, 3, 3, [1, 1], [1, 1], [1, 1])],
];

/** x at (b, c, oh*sH + kh*dH - padT, ow*sW + kw*dW - padL); 0 in the padding; -1 index there. */
function at(g: ConvGeom, b: number, c: number, kh: number, kw: number, oh: number, ow: number): number {
  const ih = oh * g.sH + kh * g.dH - g.padT, iw = ow * g.sW + kw * g.dW - g.padL;
  return ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? ((b * g.C + c) * g.H + ih) * g.W + iw : -1;
}

/** Calls fn(outIndex, xIndex, wIndex) for every window read inside the image. */
function eachRead(n: number, g: ConvGeom, fn: (o: number, xi: number, wi: number) => void): void {
  for (let b = 0; b < n; b++) for (let c = 0; c < g.C; c++) for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) {
    const o = ((b * g.C + c) * g.oH + oh) * g.oW + ow;
    for (let kh = 0; kh < g.kH; kh++) for (let kw = 0; kw < g.kW; kw++) {
      const xi = at(g, b, c, kh, kw, oh, ow);
      if (xi >= 0) fn(o, xi, (c * g.kH + kh) * g.kW + kw);
    }
  }
}

/** got within the float32 error of a sum whose |terms| add up to mag. */
function close(got: Float32Array, want: Float64Array, mag: Float64Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 2e-6 * mag[i] + 1e-7, `${what}[${i}]: got ${got[i]}, reference ${want[i]}`);
  }
}

for (const [name, be, skip] of IMPLS) {
  test(`${name} depthwise conv2d forward, input and weight gradients match float64 references`, { skip }, () => {
    const k = be!.depthwiseConv2d!;
    assert.ok(k, `${name} has no depthwiseConv2d`);
    for (const [n, g] of CASES) {
      const kk = g.kH * g.kW, L = g.oH * g.oW, tag = `${name} n=${n} ${JSON.stringify(g)}`;
      const x = randArray(r, n * g.C * g.H * g.W), w = randArray(r, g.C * kk), bias = randArray(r, g.C), gy = randArray(r, n * g.C * L);
      // forward, with and without bias
      for (const bb of [bias, null]) {
        const want = new Float64Array(n * g.C * L), mag = new Float64Array(want.length);
        for (let i = 0; i < want.length; i++) { const c = Math.floor(i / L) % g.C; want[i] = bb ? bb[c] : 0; mag[i] = Math.abs(want[i]); }
        eachRead(n, g, (o, xi, wi) => { want[o] += w[wi] * x[xi]; mag[o] += Math.abs(w[wi] * x[xi]); });
        const got = new Float32Array(want.length).fill(NaN);
        k.forward(x, w, bb, n, g, got);
        close(got, want, mag, `${tag} forward${bb ? "" : " (no bias)"}`);
      }
      // input gradient: every x gets w * gy of each window that read it; 0 where none did
      const dx = new Float64Array(x.length), dxm = new Float64Array(x.length);
      eachRead(n, g, (o, xi, wi) => { dx[xi] += w[wi] * gy[o]; dxm[xi] += Math.abs(w[wi] * gy[o]); });
      const gotDx = new Float32Array(x.length).fill(NaN);
      k.inputGrad(w, gy, n, g, gotDx);
      close(gotDx, dx, dxm, `${tag} inputGrad`);
      // weight gradient
      const dw = new Float64Array(w.length), dwm = new Float64Array(w.length);
      eachRead(n, g, (o, xi, wi) => { dw[wi] += gy[o] * x[xi]; dwm[wi] += Math.abs(gy[o] * x[xi]); });
      const gotDw = new Float32Array(w.length).fill(NaN);
      k.weightGrad(x, gy, n, g, gotDw);
      close(gotDw, dw, dwm, `${tag} weightGrad`);
    }
  });

  test(`${name} hardtanhBackward kernel agrees with the JS reference (open interval, NaN x, NaN g outside)`, { skip }, () => {
    setRouting("always");
    try {
      const x = randArray(r, 45).map((v) => 8 * v), g = randArray(r, 45);
      x[0] = NaN; x[1] = 0; x[2] = 6; x[3] = -0; x[4] = Infinity; x[5] = 5.999999;
      g[6] = NaN; x[6] = -3; g[7] = NaN; x[7] = 3; g[8] = Infinity; x[8] = 9;
      for (const [lo, hi] of [[0, 6], [-1, 1], [Math.fround(-0.3), Math.fround(0.7)], [2, -1]]) {
        const got = new Float32Array(x.length), want = new Float32Array(x.length);
        be!.hardtanhBackward(x, g, lo, hi, got);
        jsBackend.hardtanhBackward(x, g, lo, hi, want);
        for (let i = 0; i < x.length; i++) assert.ok(Object.is(got[i], want[i]), `${name} hardtanhBackward(${lo}, ${hi})[${i}] at x ${x[i]}, g ${g[i]}: got ${got[i]}, JS ${want[i]}`);
      }
    } finally {
      setRouting("auto");
    }
  });

  test(`${name} clamp kernel agrees with the JS reference (NaN, infinities, one-sided, lo > hi)`, { skip }, () => {
    setRouting("always");
    try {
      const x = randArray(r, 45).map((v) => 8 * v);
      x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; x[3] = -0; x[4] = 6; x[5] = 0;
      for (const [lo, hi] of [[0, 6], [-Infinity, 0.1], [-0.5, Infinity], [2, -1], [-1, -1]]) {
        const got = new Float32Array(x.length), want = new Float32Array(x.length);
        be!.clamp(x, lo, hi, got);
        jsBackend.clamp(x, lo, hi, want);
        for (let i = 0; i < x.length; i++) assert.ok(Object.is(got[i], want[i]), `${name} clamp(${lo}, ${hi})[${i}] of ${x[i]}: got ${got[i]}, JS ${want[i]}`);
      }
    } finally {
      setRouting("auto");
    }
  });
}
