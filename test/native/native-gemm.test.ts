// The native addon's GEMM against the JS reference backend: every transposition,
// batched and broadcast (stride 0) forms, edge sizes, and bitwise-identical results
// for 1 and 2 threads. Skipped (with the reason) where the addon was not built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, makeNativeBackend, nativeLoadError } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { Generator } from "../../src/index.js";

const addon = await loadNativeAddon();
const skip = addon ? false : `native addon unavailable (${nativeLoadError() || "not built"})`;
const gen = new Generator(7);
const rnd = (n: number) => Float32Array.from({ length: n }, () => gen.random() * 2 - 1);

const shapes: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 7, 13, 31], [1, 6, 16, 256], [1, 37, 53, 300], [1, 100, 1, 17], [1, 1, 100, 5],
  [1, 0, 3, 4], [1, 3, 4, 0], [3, 5, 7, 9], [4, 64, 64, 32], [1, 130, 260, 520],
];

test("native sgemm matches the JS backend in every transposition and batch form", { skip }, () => {
  for (const [batch, m, n, k] of shapes) {
    for (const ta of [false, true]) for (const tb of [false, true]) for (const bcast of [0, 1, 2]) {
      const sa = bcast === 1 ? 0 : m * k, sb = bcast === 2 ? 0 : k * n;
      const a = rnd(Math.max(1, sa ? batch * m * k : m * k)), b = rnd(Math.max(1, sb ? batch * k * n : k * n));
      const want = new Float32Array(batch * m * n);
      jsBackend.matmul(a, b, want, batch, m, n, k, ta, tb, sa, sb);
      const got = new Float32Array(batch * m * n).fill(NaN);
      addon!.sgemm(a, b, got, batch, m, n, k, ta, tb, sa, sb);
      for (let i = 0; i < got.length; i++) {
        const tol = 1e-5 * Math.max(1, k);
        assert.ok(Math.abs(got[i] - want[i]) <= tol, `[${batch},${m},${n},${k}] ta=${ta} tb=${tb} bcast=${bcast} at ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test("native sgemm gives bitwise-identical results on 1 and 2 threads", { skip }, () => {
  const prev = addon!.getNumThreads();
  for (const [batch, m, n, k] of [[1, 300, 500, 700], [1, 500, 10, 400], [8, 128, 128, 64]] as const) {
    const a = rnd(batch * m * k), b = rnd(batch * k * n);
    const one = new Float32Array(batch * m * n), two = new Float32Array(batch * m * n);
    addon!.setNumThreads(1);
    addon!.sgemm(a, b, one, batch, m, n, k, false, true, m * k, k * n);
    addon!.setNumThreads(2);
    addon!.sgemm(a, b, two, batch, m, n, k, false, true, m * k, k * n);
    assert.deepEqual(Buffer.from(one.buffer), Buffer.from(two.buffer), `[${batch},${m},${n},${k}]`);
  }
  addon!.setNumThreads(prev);
});

test("native sgemm rejects arrays too small for the sizes", { skip }, () => {
  assert.throws(() => addon!.sgemm(new Float32Array(3), new Float32Array(4), new Float32Array(4), 1, 2, 2, 2, false, false, 0, 0), /too small/);
});

test("native im2col/col2im match the JS kernels on strided, padded, dilated geometries", { skip }, () => {
  const geoms = [
    { C: 3, H: 7, W: 9, kH: 3, kW: 3, padT: 1, padL: 1, sH: 1, sW: 1, dH: 1, dW: 1 },
    { C: 2, H: 11, W: 6, kH: 3, kW: 2, padT: 2, padL: 0, sH: 2, sW: 3, dH: 2, dW: 1 },
    { C: 1, H: 1, W: 13, kH: 1, kW: 5, padT: 0, padL: 3, sH: 1, sW: 2, dH: 1, dW: 2 },
    // n * C*kH*kW * L = 3 * 72 * 289 >= 2^16: split over images on the addon's threads.
    { C: 8, H: 17, W: 17, kH: 3, kW: 3, padT: 1, padL: 1, sH: 1, sW: 1, dH: 1, dW: 1 },
  ];
  for (const g0 of geoms) {
    const oH = Math.floor((g0.H + 2 * g0.padT - g0.dH * (g0.kH - 1) - 1) / g0.sH) + 1;
    const oW = Math.floor((g0.W + 2 * g0.padL - g0.dW * (g0.kW - 1) - 1) / g0.sW) + 1;
    const g = { ...g0, oH, oW };
    const n = 3;
    const x = rnd(n * g.C * g.H * g.W);
    const colsLen = n * g.C * g.kH * g.kW * oH * oW;
    const want = new Float32Array(colsLen), got = new Float32Array(colsLen).fill(NaN);
    jsBackend.im2col(x, n, g, want);
    const nb = makeNativeBackend(jsBackend, addon!);
    nb.im2col(x, n, g, got);
    assert.deepEqual(got, want, `im2col ${JSON.stringify(g)}`);
    const cols = rnd(colsLen);
    const w2 = new Float32Array(x.length), g2 = new Float32Array(x.length).fill(NaN);
    jsBackend.col2im(cols, n, g, w2);
    nb.col2im(cols, n, g, g2);
    for (let i = 0; i < w2.length; i++) assert.ok(Math.abs(w2[i] - g2[i]) <= 1e-6, `col2im at ${i}`);
  }
});

test("native max pooling matches the JS kernels, NaN and ties included", { skip }, () => {
  const planes = 5, H = 9, W = 8, k = 3, s = 2;
  const oH = Math.floor((H - k) / s) + 1, oW = Math.floor((W - k) / s) + 1;
  const win = {
    hs: Int32Array.from({ length: oH }, (_, i) => i * s), he: Int32Array.from({ length: oH }, (_, i) => i * s + k),
    ws: Int32Array.from({ length: oW }, (_, j) => j * s), we: Int32Array.from({ length: oW }, (_, j) => j * s + k), dH: 1, dW: 1,
  };
  const x = Float32Array.from(rnd(planes * H * W), (v) => Math.round(v * 4) / 4); // many ties
  x[10] = NaN;
  x[12] = NaN;
  const nb = makeNativeBackend(jsBackend, addon!);
  const L = planes * oH * oW;
  const [o1, o2] = [new Float32Array(L), new Float32Array(L)];
  const [i1, i2] = [new Int32Array(L), new Int32Array(L)];
  jsBackend.maxPool2d(x, planes, H, W, oH, oW, win, o1, i1);
  nb.maxPool2d(x, planes, H, W, oH, oW, win, o2, i2);
  assert.deepEqual(o2, o1);
  assert.deepEqual(i2, i1);
  const g = rnd(L);
  const [gx1, gx2] = [new Float32Array(planes * H * W), new Float32Array(planes * H * W).fill(NaN)];
  jsBackend.maxPool2dBackward(g, i1, planes, H * W, oH * oW, gx1);
  nb.maxPool2dBackward(g, i1, planes, H * W, oH * oW, gx2);
  assert.deepEqual(gx2, gx1);
  assert.throws(() => addon!.maxPool2dBackward(g, Int32Array.from(i1, () => 9999), planes, H * W, oH * oW, gx2), /index outside/);
});

test("native thread pool survives resizing between calls (no stale job after setNumThreads)", { skip }, () => {
  const prev = addon!.getNumThreads();
  const m = 256, n = 256, k = 256;
  const a = rnd(m * k), b = rnd(k * n);
  const want = new Float32Array(m * n);
  addon!.setNumThreads(1);
  addon!.sgemm(a, b, want, 1, m, n, k, false, false, 0, 0);
  for (const t of [2, 1, 2, 3, 2]) {
    addon!.setNumThreads(t);
    const got = new Float32Array(m * n);
    addon!.sgemm(a, b, got, 1, m, n, k, false, false, 0, 0);
    assert.deepEqual(got, want, `threads ${t}`);
  }
  addon!.setNumThreads(prev);
});

test("native sgemm: the small-A A@Bᵀ path (computed as Cᵀ) and shared-weight batches equal JS and give the same bits on 1, 2 and 3 threads", { skip }, () => {
  const prev = addon!.getNumThreads();
  // [batch, m, n, k, transA, transB, aStride=0 (shared A), bStride=0 (shared B)]
  const cases: [number, number, number, number, boolean, boolean, boolean, boolean][] = [
    [1, 37, 530, 300, false, true, false, false], [1, 128, 512, 784, false, true, false, false], [1, 5, 1000, 64, false, true, false, false],
    [16, 32, 196, 288, false, false, true, false], [8, 64, 49, 300, false, true, false, true], [6, 40, 300, 70, true, false, true, false],
  ];
  for (const [batch, m, n, k, ta, tb, shareA, shareB] of cases) {
    const sa = shareA ? 0 : m * k, sb = shareB ? 0 : k * n;
    const a = rnd(shareA ? m * k : batch * m * k), b = rnd(shareB ? k * n : batch * k * n);
    const want = new Float32Array(batch * m * n);
    jsBackend.matmul(a, b, want, batch, m, n, k, ta, tb, sa, sb);
    const outs: Float32Array[] = [];
    for (const t of [1, 2, 3]) {
      addon!.setNumThreads(t);
      const got = new Float32Array(batch * m * n).fill(NaN);
      addon!.sgemm(a, b, got, batch, m, n, k, ta, tb, sa, sb);
      outs.push(got);
    }
    const what = `[${batch},${m},${n},${k}] ta=${ta} tb=${tb} shareA=${shareA} shareB=${shareB}`;
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(outs[0][i] - want[i]) <= 1e-5 * k, `${what} at ${i}: ${outs[0][i]} vs JS ${want[i]}`);
    }
    assert.deepEqual(Buffer.from(outs[1].buffer), Buffer.from(outs[0].buffer), `${what}: 2 threads`);
    assert.deepEqual(Buffer.from(outs[2].buffer), Buffer.from(outs[0].buffer), `${what}: 3 threads`);
  }
  addon!.setNumThreads(prev);
});
