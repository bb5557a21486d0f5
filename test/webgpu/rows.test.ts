// Row kernels (softmax with scale and causal mask, layer norm), their backward passes,
// the fused Adam step and where/clamp/relu-backward on the GPU, against the JS
// reference backend's kernels (themselves checked against PyTorch fixtures).
import { test } from "node:test";
import assert from "node:assert/strict";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { softmax, softmaxBackward } from "../../src/backends/js/softmax.js";
import { layerNorm, layerNormBackward } from "../../src/backends/js/norm.js";
import { adamStep } from "../../src/backends/js/optim.js";
import { close, randn, skip } from "./gpu-test-util.js";

test("webgpu softmax/logSoftmax: scaled, causal, and their backward equal the CPU kernels", { skip }, async () => {
  const rows = 7, cols = 300;
  const x = randn(rows * cols, -5, 5), g = randn(rows * cols);
  for (const log of [false, true]) for (const [scale, causal] of [[1, 0], [0.5, 3]]) {
    const want = new Float32Array(rows * cols);
    softmax(x, rows, cols, scale, causal, log, want);
    const y = K.softmax(K.upload(x), rows, cols, log, scale, causal);
    const what = `${log ? "log" : ""}softmax scale ${scale} causal ${causal}`;
    close(await K.readFloat32(y, rows * cols), want, 1e-5, 1e-6, what);
    const wantG = new Float32Array(rows * cols);
    softmaxBackward(want, g, rows, cols, scale, log, wantG);
    close(await K.readFloat32(K.softmaxBackward(K.upload(want), K.upload(g), rows, cols, log, scale), rows * cols), wantG, 1e-4, 1e-5, `${what} backward`);
  }
});

test("webgpu layerNorm: output, saved statistics and gradients (dx, dw, db) equal the CPU kernels", { skip }, async () => {
  const rows = 6, D = 333;
  const x = randn(rows * D, -2, 3), w = randn(D), b = randn(D), g = randn(rows * D);
  for (const affine of [true, false]) {
    const out = new Float32Array(rows * D), mean = new Float32Array(rows), rstd = new Float32Array(rows);
    layerNorm(x, affine ? w : null, affine ? b : null, rows, D, 1e-5, out, mean, rstd);
    const ln = K.layerNorm(K.upload(x), affine ? K.upload(w) : null, affine ? K.upload(b) : null, rows, D, 1e-5);
    close(await K.readFloat32(ln.out, rows * D), out, 1e-4, 1e-5, `layerNorm affine=${affine}`);
    const stats = await K.readFloat32(ln.stats, 2 * rows);
    close(stats.filter((_, i) => i % 2 === 0), mean, 1e-5, 1e-6, "mean");
    close(stats.filter((_, i) => i % 2 === 1), rstd, 1e-4, 1e-6, "rstd");
    const dx = new Float32Array(rows * D), dw = new Float32Array(D), db = new Float32Array(D);
    layerNormBackward(x, affine ? w : null, mean, rstd, g, rows, D, dx, dw, db);
    const bw = K.layerNormBackward(K.upload(x), affine ? K.upload(w) : null, ln.stats, K.upload(g), rows, D, true);
    close(await K.readFloat32(bw.dx, rows * D), dx, 1e-3, 1e-4, "dx");
    const dwb = await K.readFloat32(bw.dwb!, 2 * D);
    close(dwb.subarray(0, D), dw, 1e-4, 1e-4, "dw");
    close(dwb.subarray(D), db, 1e-4, 1e-4, "db");
  }
});

test("webgpu adamStep: 5 in-place steps (Adam, AdamW decay, AMSGrad, maximize) equal the CPU kernel", { skip }, async () => {
  const n = 1000;
  const hypers = [
    { b1: 0.9, b2: 0.999, stepSize: 1e-3, bc2Sqrt: 1, eps: 1e-8, sign: 1, l2: 0, decay: 1 },
    { b1: 0.8, b2: 0.99, stepSize: 1e-2, bc2Sqrt: 0.5, eps: 1e-6, sign: -1, l2: 0.01, decay: 0.999 },
  ];
  for (const h of hypers) for (const ams of [false, true]) {
    const p = randn(n), m = new Float32Array(n), v = new Float32Array(n), vmax = ams ? new Float32Array(n) : null;
    const [pb, mb, vb] = [p, m, v].map((a) => K.upload(a));
    const vmb = ams ? K.upload(new Float32Array(n)) : null;
    for (let step = 0; step < 5; step++) {
      const g = randn(n);
      adamStep(p, g, m, v, vmax, h);
      K.adamStep(pb, K.upload(g), mb, vb, vmb, h, n);
    }
    const what = `adam ${JSON.stringify(h)} amsgrad=${ams}`;
    close(await K.readFloat32(pb, n), p, 1e-5, 1e-6, `${what} p`);
    close(await K.readFloat32(mb, n), m, 1e-5, 1e-6, `${what} m`);
    close(await K.readFloat32(vb, n), v, 1e-5, 1e-7, `${what} v`);
  }
});

test("webgpu where, clamp and relu's gradient, NaN included", { skip }, async () => {
  const a = Float32Array.of(1, -2, NaN, 4, 0, -0.5), b = Float32Array.of(10, 20, 30, NaN, 50, 60);
  const cond = Uint32Array.of(1, 0, 1, 0, 0, 1);
  const n = a.length;
  assert.deepEqual([...(await K.readFloat32(K.where(K.uploadWords(cond), K.upload(a), K.upload(b), n), n))], [1, 20, NaN, NaN, 50, -0.5]);
  assert.deepEqual([...(await K.readFloat32(K.clamp(K.upload(a), -1, 2, n), n))], [1, -1, NaN, 2, 0, -0.5]);
  assert.deepEqual([...(await K.readFloat32(K.clamp(K.upload(a), -Infinity, 0.5, n), n))], [0.5, -2, NaN, 0.5, 0, -0.5]);
  const g = Float32Array.of(1, 2, 3, 4, Infinity, 6);
  assert.deepEqual([...(await K.readFloat32(K.reluBackward(K.upload(a), K.upload(g), n), n))], [1, 0, 0, 4, NaN, 0]);
});
