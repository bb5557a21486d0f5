// The fused conv2d kernels of the wasm backend and the native addon (Backend.conv2dFused:
// im2col image by image into a per-thread buffer, then GEMM) against float64 references written from the
// definitions (y = w * window(x) + bias; dx = the windows' adjoint applied to w^T gy;
// dw = sum over images and positions of gy * window(x)), within the float32 dot-product
// error bound, over strides, dilations, paddings, odd sizes and a batch of one; and
// bitwise the same on two threads as on one.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ConvFusedKernels, ConvGeom } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { loadNativeAddon, makeNativeBackend, nativeLoadError } from "../../src/backends/native/index.js";
import { setWasmRouting, setWasmThreads, wasmBackend, wasmThreadsReady } from "../../src/backends/wasm/index.js";
import { convStats } from "../../src/backends/wasm/conv.js";
import { randArray, rng } from "./wasm-util.js";

/** One implementation under test: its kernels, how to set its thread count, and whether it is absent. */
interface Impl { name: string; kern: ConvFusedKernels | undefined; threads(n: number): Promise<void>; skip: string | false }
const addon = await loadNativeAddon();
const IMPLS: Impl[] = [
  { name: "wasm", kern: wasmBackend()?.conv2dFused, skip: wasmBackend() ? false : "wasm unavailable in this runtime",
    threads: async (n) => { setWasmThreads(n); await wasmThreadsReady(); } },
  { name: "native", kern: addon ? makeNativeBackend(jsBackend, addon).conv2dFused : undefined,
    skip: addon?.convFused ? false : `native addon unavailable (${nativeLoadError() || "not built"})`,
    threads: async (n) => { addon!.setNumThreads(n); } },
];
const r = rng(23);

function geom(C: number, H: number, W: number, kH: number, kW: number, pad: [number, number], s: [number, number], d: [number, number]): ConvGeom {
  const oH = Math.floor((H + 2 * pad[0] - d[0] * (kH - 1) - 1) / s[0]) + 1;
  const oW = Math.floor((W + 2 * pad[1] - d[1] * (kW - 1) - 1) / s[1]) + 1;
  return { C, H, W, kH, kW, padT: pad[0], padL: pad[1], sH: s[0], sW: s[1], dH: d[0], dW: d[1], oH, oW };
}

/** [n, O, geometry]: small edge cases, then layers deep enough for several GEMM depth blocks and thread tasks. */
const CASES: [number, number, ConvGeom][] = [
  [1, 1, geom(1, 1, 1, 1, 1, [0, 0], [1, 1], [1, 1])],
  [3, 5, geom(3, 5, 7, 3, 3, [1, 1], [1, 1], [1, 1])],
  [2, 4, geom(2, 8, 9, 3, 2, [0, 1], [2, 2], [1, 1])],
  [3, 3, geom(2, 9, 9, 3, 3, [2, 2], [1, 1], [2, 2])],
  [2, 6, geom(4, 1, 13, 1, 5, [0, 2], [1, 3], [1, 1])],
  [5, 7, geom(1, 11, 10, 3, 3, [1, 1], [1, 1], [1, 1])],
  [4, 9, geom(33, 7, 6, 3, 3, [1, 1], [1, 1], [1, 1])],
  [3, 17, geom(13, 12, 11, 5, 5, [2, 2], [1, 2], [1, 1])],
  [9, 8, geom(6, 10, 10, 3, 3, [1, 1], [1, 1], [1, 1])],
];

/** Value and sum of |term| of one window read: x at (b, c, oh*sH + ki*dH - padT, ...), 0 in the padding. */
function tap(x: Float32Array, b: number, c: number, ki: number, kj: number, oh: number, ow: number, g: ConvGeom): number {
  const ih = oh * g.sH + ki * g.dH - g.padT, iw = ow * g.sW + kj * g.dW - g.padL;
  return ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? x[((b * g.C + c) * g.H + ih) * g.W + iw] : 0;
}

interface Ref { out: Float64Array; mag: Float64Array }

function refForward(x: Float32Array, wt: Float32Array, bias: Float32Array | null, n: number, O: number, g: ConvGeom): Ref {
  const K = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const out = new Float64Array(n * O * L), mag = new Float64Array(n * O * L);
  for (let b = 0; b < n; b++) for (let o = 0; o < O; o++) for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) {
    let s = bias ? bias[o] : 0, m = Math.abs(s);
    for (let k = 0; k < K; k++) {
      const c = Math.floor(k / (g.kH * g.kW)), ki = Math.floor(k / g.kW) % g.kH, kj = k % g.kW;
      const t = wt[o * K + k] * tap(x, b, c, ki, kj, oh, ow, g);
      s += t; m += Math.abs(t);
    }
    out[(b * O + o) * L + oh * g.oW + ow] = s;
    mag[(b * O + o) * L + oh * g.oW + ow] = m;
  }
  return { out, mag };
}

function refGrads(x: Float32Array, wt: Float32Array, gy: Float32Array, n: number, O: number, g: ConvGeom): { dx: Ref; dw: Ref } {
  const K = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const dx = { out: new Float64Array(x.length), mag: new Float64Array(x.length) };
  const dw = { out: new Float64Array(O * K), mag: new Float64Array(O * K) };
  for (let b = 0; b < n; b++) for (let o = 0; o < O; o++) for (let oh = 0; oh < g.oH; oh++) for (let ow = 0; ow < g.oW; ow++) {
    const gv = gy[(b * O + o) * L + oh * g.oW + ow];
    for (let k = 0; k < K; k++) {
      const c = Math.floor(k / (g.kH * g.kW)), ki = Math.floor(k / g.kW) % g.kH, kj = k % g.kW;
      const ih = oh * g.sH + ki * g.dH - g.padT, iw = ow * g.sW + kj * g.dW - g.padL;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
      const xi = ((b * g.C + c) * g.H + ih) * g.W + iw;
      dx.out[xi] += wt[o * K + k] * gv; dx.mag[xi] += Math.abs(wt[o * K + k] * gv);
      dw.out[o * K + k] += gv * x[xi]; dw.mag[o * K + k] += Math.abs(gv * x[xi]);
    }
  }
  return { dx, dw };
}

/** |got - ref| <= 2 (depth + 2) u sum|terms| (u = 2^-24), the float32 summation bound. */
function assertClose(got: Float32Array, ref: Ref, depth: number, msg: string): void {
  const u = 2 ** -24;
  for (let i = 0; i < got.length; i++) {
    const tol = 2 * (depth + 2) * u * ref.mag[i] + 1e-30;
    const d = Math.abs(got[i] - ref.out[i]);
    if (!(d <= tol)) assert.fail(`${msg} [${i}]: got ${got[i]}, expected ${ref.out[i]} (|diff| ${d} > ${tol})`);
  }
}

/** Runs the three kernels; outputs start as NaN so an element left unwritten fails. */
function runAll(k: ConvFusedKernels, n: number, O: number, g: ConvGeom, x: Float32Array, wt: Float32Array, bias: Float32Array | null, gy: Float32Array) {
  const K = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const y = new Float32Array(n * O * L).fill(NaN), dx = new Float32Array(x.length).fill(NaN), dw = new Float32Array(O * K).fill(NaN);
  k.forward(x, wt, bias, n, O, g, y);
  k.inputGrad(wt, gy, n, O, g, dx);
  k.weightGrad(x, gy, n, O, g, dw);
  return { y, dx, dw };
}

for (const impl of IMPLS) {
test(`${impl.name} fused conv2d forward, input and weight gradients match the float64 definitions`, { skip: impl.skip }, async () => {
  await impl.threads(1);
  for (const [n, O, g] of CASES) {
    const K = g.C * g.kH * g.kW, L = g.oH * g.oW;
    const x = randArray(r, n * g.C * g.H * g.W), wt = randArray(r, O * K), gy = randArray(r, n * O * L);
    for (const bias of [randArray(r, O), null]) {
      const msg = `n${n} O${O} ${JSON.stringify(g)} bias ${!!bias}`;
      const got = runAll(impl.kern!, n, O, g, x, wt, bias, gy);
      assertClose(got.y, refForward(x, wt, bias, n, O, g), K + 1, `forward ${msg}`);
      const ref = refGrads(x, wt, gy, n, O, g);
      assertClose(got.dx, ref.dx, O * K, `input grad ${msg}`);
      assertClose(got.dw, ref.dw, n * L, `weight grad ${msg}`);
    }
  }
});

test(`${impl.name} fused conv2d gives bitwise the same results on two threads as on one`, { skip: impl.skip }, async () => {
  // Routing "always" drops the thread threshold to 0, so even these small layers are split.
  setWasmRouting("always");
  try {
    for (const [n, O, g] of CASES) {
      const K = g.C * g.kH * g.kW, L = g.oH * g.oW;
      const x = randArray(r, n * g.C * g.H * g.W), wt = randArray(r, O * K), gy = randArray(r, n * O * L), bias = randArray(r, O);
      await impl.threads(1);
      const one = runAll(impl.kern!, n, O, g, x, wt, bias, gy);
      await impl.threads(2);
      const before = convStats.parallel;
      const two = runAll(impl.kern!, n, O, g, x, wt, bias, gy);
      if (impl.name === "wasm") assert.equal(convStats.parallel - before, 3, `all three kernels ran on the pool (n${n} O${O})`);
      for (const key of ["y", "dx", "dw"] as const) {
        for (let i = 0; i < one[key].length; i++) {
          if (!Object.is(one[key][i], two[key][i])) assert.fail(`${key} n${n} O${O} ${JSON.stringify(g)} [${i}]: 1 thread ${one[key][i]}, 2 threads ${two[key][i]}`);
        }
      }
    }
  } finally {
    setWasmRouting("auto");
    await impl.threads(1);
  }
});
}
