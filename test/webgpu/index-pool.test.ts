// Layout/indexing kernels (strided gather and write-back, gather/scatter in every
// mode), pooling forward and backward, and the GPU dropout mask, against the JS
// reference kernels or, for the mask, the binomial distribution it must follow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { gather, scatter, strided, stridedAssign } from "../../src/backends/js/layout.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "../../src/backends/js/pool.js";
import type { PoolWindows } from "../../src/backends/backend.js";
import { close, randn, skip } from "./gpu-test-util.js";

test("webgpu strided: transposed/expanded/offset views gathered and written back (accumulating overlaps)", { skip }, async () => {
  const x = randn(60);
  const views: [number, number[], number[]][] = [[0, [5, 4, 3], [1, 15, 5]], [7, [4, 3], [0, 2]], [3, [2, 2, 2, 2], [20, 5, 1, 30]]];
  for (const [off, shape, st] of views) {
    const n = shape.reduce((a, b) => a * b, 1);
    const want = new Float32Array(n);
    strided(x, off, shape, st, want);
    close(await K.readFloat32(K.strided(K.upload(x), off, shape, st), n), want, 0, 0, `strided ${shape}`);
    for (const acc of [false, true]) {
      if (!acc && st.includes(0)) continue; // a plain write through overlapping elements has no defined winner
      const src = randn(n), base = randn(80), ref = base.slice();
      stridedAssign(src, ref, off, shape, st, acc);
      const ob = K.upload(base);
      K.stridedAssign(K.upload(src), ob, off, shape, st, acc);
      close(await K.readFloat32(ob, 80), ref, 1e-6, 1e-6, `stridedAssign ${shape} accumulate=${acc}`);
    }
  }
});

test("webgpu gather and scatter (set, sum, prod, amax, amin) with repeated indices", { skip }, async () => {
  const [outer, r, idxR, inner] = [3, 5, 7, 2];
  const x = randn(outer * r * inner, 0.5, 1.5);
  const index = Int32Array.from({ length: outer * idxR * inner }, (_, i) => (i * 7 + 3) % r);
  const want = new Float32Array(outer * idxR * inner);
  gather(x, index, outer, r, idxR, inner, want);
  close(await K.readFloat32(K.gather(K.upload(x), K.uploadWords(index), outer, r, idxR, inner), want.length), want, 0, 0, "gather");
  const src = randn(outer * idxR * inner, 0.5, 1.5);
  for (const mode of ["sum", "prod", "amax", "amin"] as const) {
    const ref = x.slice();
    scatter(ref, index, src, outer, r, idxR, inner, mode);
    const ob = K.upload(x);
    K.scatter(ob, K.uploadWords(index), K.upload(src), outer, r, idxR, inner, mode);
    close(await K.readFloat32(ob, x.length), ref, 1e-5, 1e-6, `scatter ${mode}`);
  }
  // "set" with distinct indices (a permutation per row) is deterministic
  const perm = Int32Array.from({ length: outer * r * inner }, (_, i) => (Math.floor(i / inner) * 2 + 1) % r);
  const s2 = randn(perm.length), ref = x.slice();
  scatter(ref, perm, s2, outer, r, r, inner, "set");
  const ob = K.upload(x);
  K.scatter(ob, K.uploadWords(perm), K.upload(s2), outer, r, r, inner, "set");
  close(await K.readFloat32(ob, x.length), ref, 0, 0, "scatter set");
});

/** Windows of a k / stride s / padding p / dilation d pooling over n positions (ceil mode off). */
function axisWindows(n: number, k: number, s: number, p: number, d: number): [Int32Array, Int32Array] {
  const o = Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  const lo = new Int32Array(o), hi = new Int32Array(o);
  for (let i = 0; i < o; i++) {
    let a = i * s - p;
    while (a < 0) a += d;
    lo[i] = a;
    hi[i] = Math.min(n, i * s - p + d * (k - 1) + 1);
  }
  return [lo, hi];
}

test("webgpu max/avg pooling forward and backward equal the CPU kernels (overlapping, padded, dilated windows)", { skip }, async () => {
  const planes = 6, H = 9, W = 8;
  for (const [k, s, p, d] of [[3, 2, 1, 1], [2, 2, 0, 1], [3, 1, 1, 2]]) {
    const [hs, he] = axisWindows(H, k, s, p, d), [ws, we] = axisWindows(W, k, s, p, d);
    const win: PoolWindows = { hs, he, ws, we, dH: d, dW: d };
    const oH = hs.length, oW = ws.length;
    const x = randn(planes * H * W), g = randn(planes * oH * oW);
    const out = new Float32Array(planes * oH * oW), idx = new Int32Array(out.length);
    maxPool2d(x, planes, H, W, oH, oW, win, out, idx);
    const xb = K.upload(x), gb = K.upload(g);
    const m = K.maxPool2d(xb, planes, H, W, oH, oW, win);
    const what = `k ${k} s ${s} p ${p} d ${d}`;
    close(await K.readFloat32(m.out, out.length), out, 0, 0, `maxPool ${what}`);
    const gx = new Float32Array(planes * H * W);
    maxPool2dBackward(g, idx, planes, H * W, oH * oW, gx);
    close(await K.readFloat32(K.maxPool2dBackward(gb, m.idx, planes, H * W, oH * oW), gx.length), gx, 1e-5, 1e-6, `maxPool backward ${what}`);
    const rs = Float64Array.from(hs, (a, i) => 1 / Math.ceil((he[i] - a) / d)), cs = Float64Array.from(ws, (a, j) => 1 / Math.ceil((we[j] - a) / d));
    const avg = new Float32Array(out.length);
    avgPool2d(x, planes, H, W, oH, oW, win, rs, cs, avg);
    close(await K.readFloat32(K.avgPool2d(xb, planes, H, W, oH, oW, win, rs, cs), avg.length), avg, 1e-5, 1e-6, `avgPool ${what}`);
    const gxa = new Float32Array(planes * H * W);
    avgPool2dBackward(g, planes, H, W, oH, oW, win, rs, cs, gxa);
    close(await K.readFloat32(K.avgPool2dBackward(gb, planes, H, W, oH, oW, win, rs, cs), gxa.length), gxa, 1e-5, 1e-6, `avgPool backward ${what}`);
  }
});

test("webgpu dropout mask: keep rate within 5 sigma of 1 - p, fixed by (key, counter), 0 and 1 exact", { skip }, async () => {
  const n = 200_000;
  for (const p of [0.1, 0.5, 0.9]) {
    const mask = await K.readFloat32(K.bernoulliMask([1234, 99], 0, p * 2 ** 32, 1 / (1 - p), n), n);
    const kept = mask.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
    const sigma = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sigma, `p ${p}: kept ${kept} of ${n}`);
    assert.ok(mask.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6), "kept values are scaled by 1/(1-p)");
  }
  const a = await K.readFloat32(K.bernoulliMask([7, 8], 100, 2 ** 31, 2, 1000), 1000);
  const b = await K.readFloat32(K.bernoulliMask([7, 8], 100, 2 ** 31, 2, 1000), 1000);
  const c = await K.readFloat32(K.bernoulliMask([7, 8], 1100, 2 ** 31, 2, 1000), 1000);
  assert.deepEqual(a, b, "same key and counter, same mask");
  assert.notDeepEqual(a, c, "the next counter range gives another mask");
  assert.ok((await K.readFloat32(K.bernoulliMask([1, 2], 0, 0, 1, 1000), 1000)).every((v) => v === 1), "p = 0 keeps all");
  assert.ok((await K.readFloat32(K.bernoulliMask([1, 2], 0, 2 ** 32, 1, 1000), 1000)).every((v) => v === 0), "p = 1 drops all");
});
