// The training kernels the workloads need on the GPU, against the CPU: batch norm
// (forward in both modes, running statistics, backward against CPU autograd of
// F.batchNorm), the fused SGD step against optim.SGD, and NLL / cross-entropy against
// F.nllLoss and its gradient.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { close, randn, skip } from "./gpu-test-util.js";

const f32 = (t: my.Tensor) => Float32Array.from(t.data() as Float32Array);

test("webgpu batchNorm: training stats, running update, eval, and the backward equal CPU F.batchNorm and autograd", { skip }, async () => {
  for (const [N, C, S] of [[4, 3, 25], [16, 5, 1], [2, 2, 700]]) {
    const xv = randn(N * C * S, -2, 4), wv = randn(C, 0.5, 2), bv = randn(C), gv = randn(N * C * S);
    const rmv = randn(C), rvv = randn(C, 0.5, 2);
    for (const training of [true, false]) for (const affine of [true, false]) {
      const what = `[${N},${C},${S}] training=${training} affine=${affine}`;
      const x = my.tensor(xv).reshape([N, C, S]).requiresGrad_();
      const w = affine ? my.tensor(wv).requiresGrad_() : null, b = affine ? my.tensor(bv).requiresGrad_() : null;
      const rm = my.tensor(rmv), rv = my.tensor(rvv);
      const y = my.F.batchNorm(x, rm, rv, w, b, { training, momentum: 0.2, eps: 1e-4 });
      y.mul(my.tensor(gv).reshape([N, C, S])).sum().backward();

      const grm = K.upload(rmv), grv = K.upload(rvv);
      const gw = affine ? K.upload(wv) : null;
      const r = K.batchNorm(K.upload(xv), grm, grv, gw, affine ? K.upload(bv) : null, N, C, S, { training, momentum: 0.2, eps: 1e-4 });
      close(await K.readFloat32(r.out, N * C * S), f32(y), 1e-4, 1e-5, `${what} out`);
      close(await K.readFloat32(grm, C), f32(rm), 1e-5, 1e-6, `${what} running mean`);
      close(await K.readFloat32(grv, C), f32(rv), 1e-5, 1e-6, `${what} running var`);
      const bw = K.batchNormBackward(K.upload(xv), gw, r.stats, K.upload(gv), N, C, S, training);
      close(await K.readFloat32(bw.dx, N * C * S), f32(x.grad!), 1e-3, 1e-4, `${what} dx`);
      if (affine) {
        const dwb = await K.readFloat32(bw.dwb, 2 * C);
        close(dwb.slice(0, C), f32(w!.grad!), 1e-3, 1e-4, `${what} dw`);
        close(dwb.slice(C), f32(b!.grad!), 1e-4, 1e-4, `${what} db`);
      }
    }
  }
  assert.throws(() => K.batchNorm(K.upload(randn(4)), null, null, null, null, 4, 1, 1, { training: false }), /required in evaluation mode/);
  assert.throws(() => K.batchNorm(K.upload(randn(3)), null, null, null, null, 1, 3, 1, { training: true }), /more than 1 value per channel/);
});

test("webgpu sgdStep: 4 steps (plain, momentum+dampening, Nesterov, weight decay, maximize) equal optim.SGD", { skip }, async () => {
  const n = 1000;
  const p0 = randn(n), grads = [randn(n), randn(n), randn(n), randn(n)];
  const configs = [
    { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0, nesterov: false, maximize: false },
    { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: false },
    { lr: 0.02, momentum: 0.5, dampening: 0, weightDecay: 0.1, nesterov: false, maximize: true },
  ];
  for (const h of configs) {
    const p = my.tensor(p0).requiresGrad_();
    const opt = new my.optim.SGD([p], h);
    const gp = K.upload(p0), buf = h.momentum ? K.upload(new Float32Array(n)) : null;
    for (const [k, g] of grads.entries()) {
      p.grad = my.tensor(g);
      opt.step();
      K.sgdStep(gp, K.upload(g), buf, { ...h, first: k === 0 }, n);
    }
    close(await K.readFloat32(gp, n), f32(p.detach()), 1e-5, 1e-6, `SGD ${JSON.stringify(h)}`);
  }
  assert.throws(() => K.sgdStep(K.upload(p0), K.upload(p0), null, { ...configs[1], first: true }, n), /momentum buffer is needed/);
});

test("webgpu nllLoss and cross-entropy (log-softmax + nll): losses, weights, ignoreIndex and gradients equal F.nllLoss", { skip }, async () => {
  const N = 6, C = 7, S = 3;
  const xv = randn(N * C * S, -3, 3), wv = randn(C, 0.2, 2);
  const tv = Int32Array.from({ length: N * S }, (_, i) => (i * 5) % C);
  tv[4] = -100; tv[9] = -100;
  // log-probabilities along the class dim (dim 1 of [N, C, S]) on the CPU, then as GPU input
  const logp = my.tensor(xv).reshape([N, C, S]).logSoftmax(1);
  const lpv = f32(logp);
  for (const weighted of [false, true]) for (const reduction of ["sum", "mean"] as const) {
    const what = `weighted=${weighted} ${reduction}`;
    const x = my.tensor(lpv).reshape([N, C, S]).requiresGrad_();
    const loss = my.F.nllLoss(x, my.tensor(tv, { dtype: "int32" }).reshape([N, S]), { weight: weighted ? my.tensor(wv) : null, reduction });
    loss.backward();
    const gw = weighted ? K.upload(wv) : null, gt = K.uploadWords(tv);
    const r = K.nllLoss(K.upload(lpv), gt, gw, N, C, S);
    const l = await K.readFloat32(r.loss, N * S), lw = await K.readFloat32(r.weight, N * S);
    assert.equal(new Uint32Array((await K.readFloat32(r.bad, 1)).buffer)[0], 0, `${what}: no bad targets`);
    const sum = l.reduce((a, v) => a + v, 0), wsum = lw.reduce((a, v) => a + v, 0);
    close(Float32Array.of(reduction === "sum" ? sum : sum / wsum), [loss.item()], 1e-5, 1e-6, `${what} loss`);
    const gOne = K.upload(Float32Array.of(1));
    const div = reduction === "mean" ? K.reduce("sum", r.weight, 1, N * S, 1) : null;
    const dx = K.nllLossBackward(gt, gw, gOne, true, div, N, C, S);
    close(await K.readFloat32(dx, N * C * S), f32(x.grad!), 1e-5, 1e-6, `${what} grad`);
  }
  // a target out of range is counted and its loss is NaN, never a silent number
  const bad = tv.slice(); bad[2] = C; bad[7] = -1;
  const r = K.nllLoss(K.upload(lpv), K.uploadWords(bad), null, N, C, S);
  assert.equal(new Uint32Array((await K.readFloat32(r.bad, 1)).buffer)[0], 2);
  assert.ok(Number.isNaN((await K.readFloat32(r.loss, N * S))[2]));
  // cross-entropy from logits: the GPU log-softmax rows (classes last) feed the same kernel
  const rows = 9, cls = 11, logits = randn(rows * cls, -4, 4);
  const tgt = Int32Array.from({ length: rows }, (_, i) => (i * 3) % cls);
  const z = my.tensor(logits).reshape([rows, cls]).requiresGrad_();
  const want = my.F.crossEntropy(z, my.tensor(tgt, { dtype: "int32" }), { reduction: "sum" });
  want.backward();
  const lp = K.softmax(K.upload(logits), rows, cls, true);
  const gt = K.uploadWords(tgt);
  const ce = K.nllLoss(lp, gt, null, rows, cls, 1);
  close(await K.readFloat32(K.reduce("sum", ce.loss, 1, rows, 1), 1), [want.item()], 1e-5, 1e-5, "crossEntropy");
  const dlp = K.nllLossBackward(gt, null, K.upload(Float32Array.of(1)), true, null, rows, cls, 1);
  const dz = K.softmaxBackward(lp, dlp, rows, cls, true);
  close(await K.readFloat32(dz, rows * cls), f32(z.grad!), 1e-5, 1e-6, "crossEntropy grad");
});
