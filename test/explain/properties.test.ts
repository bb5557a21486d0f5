// Properties of the explain methods that hold by their mathematics: IG completeness
// (and an honest convergence delta), Shapley efficiency for every sampled permutation and
// convergence to the exact Shapley values, GradientShap's expectation, NoiseTunnel's
// moments, sensitivityMax and ablation against analytic values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { cnn, fx, mlp, ten } from "./models.js";

const { explain } = my;
const P = fx.mlp, C = fx.cnn;
const arr = (t: Tensor): number[] => Array.from(t.data() as Float32Array);
const rowSums = (t: Tensor): number[] => arr(t.reshape([t.shape[0], -1]).sum(1));
const pick = (out: Tensor, target: number[]): number[] => target.map((c, i) => Number(out.select(0, i).select(0, c).item()));

test("IntegratedGradients completeness: attributions sum to f(x) - f(baseline) within the reported delta", () => {
  const m = cnn(), x = ten(C.x), b = ten(C.b);
  const fx0 = pick(my.noGrad(() => m.forward(x)), C.target), fb = pick(my.noGrad(() => m.forward(b)), C.target);
  for (const [method, nSteps] of [["gausslegendre", 50], ["riemann_right", 4]] as const) {
    const [a, d] = new explain.IntegratedGradients(m).attribute(x, { baselines: b, target: C.target, method, nSteps, returnConvergenceDelta: true });
    const sums = rowSums(a);
    sums.forEach((s, i) => {
      const gap = s - (fx0[i] - fb[i]);
      assert.ok(Math.abs(gap - Number(d.select(0, i).item())) < 1e-4, `${method}: the reported delta ${d.select(0, i).item()} is the real gap ${gap}`);
      if (method === "gausslegendre") assert.ok(Math.abs(gap) < 2e-3 * Math.max(1, Math.abs(fx0[i] - fb[i])), `completeness gap ${gap}`);
    });
  }
  // A coarse rule leaves a visible gap on this nonlinear model, so the check above can fail.
  const [, dCoarse] = new explain.IntegratedGradients(m).attribute(x, { baselines: b, target: C.target, method: "riemann_right", nSteps: 2, returnConvergenceDelta: true });
  assert.ok(arr(dCoarse).some((v) => Math.abs(v) > 1e-3), `coarse delta ${arr(dCoarse)}`);
});

test("ShapleyValueSampling: every sampled permutation sums to f(x) - f(baseline); many samples approach the exact values", () => {
  const m = mlp(), x = ten(P.x), b = ten(P.b);
  const out = my.noGrad(() => m.forward(x)), outB = my.noGrad(() => m.forward(b));
  const gap = pick(out, P.target).map((v, i) => v - pick(outB, P.target)[i]);
  const sv = new explain.ShapleyValueSampling(m);
  const mask = ten(P.fmask, "int32");
  for (const seed of [1, 2, 3]) {
    const a = sv.attribute(x, { baselines: b, target: P.target, featureMask: mask, nSamples: 1, generator: new my.Generator(seed) }) as Tensor;
    // Each feature's value is repeated over its elements: count each feature once.
    const perFeature = [0, 2, 4].map((j) => a.select(1, j));
    const sums = perFeature.reduce((s, t) => s.add(t));
    assertClose(sums, gap, { atol: 1e-5, msg: `efficiency, seed ${seed}` });
  }
  const exact = sv.attribute(x, { baselines: b, target: P.target, featureMask: mask, permutations: [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] }) as Tensor;
  assertClose(exact, P.shapleyExact.data, { atol: 2e-5, rtol: 2e-4, msg: "exact Shapley values" });
  const sampled = sv.attribute(x, { baselines: b, target: P.target, featureMask: mask, nSamples: 300, generator: new my.Generator(7) }) as Tensor;
  const spread = Math.max(...arr(exact).map(Math.abs));
  assertClose(sampled, arr(exact), { atol: 0.08 * spread, msg: "300 sampled permutations vs exact" });
});

test("GradientShap with one baseline and no noise is IG in expectation (α ~ U(0, 1))", () => {
  const m = mlp(), x = ten(P.x), b = ten(P.b).narrow(0, 0, 1);
  const ig = new explain.IntegratedGradients(m).attribute(x, { baselines: b.expand([4, 5]), target: P.target, nSteps: 64 }) as Tensor;
  const gs = new explain.GradientShap(m).attribute(x, { baselines: b, target: P.target, nSamples: 2000, generator: new my.Generator(3) }) as Tensor;
  const scale = Math.max(...arr(ig).map(Math.abs));
  assertClose(gs, arr(ig), { atol: 0.05 * scale, msg: "GradientShap mean vs IG" });
});

test("NoiseTunnel: vargrad = smoothgrad_sq - smoothgrad², both from the same noise, and vargrad >= 0", () => {
  const sal = new explain.Saliency(mlp());
  const x = ten(P.x);
  const noise = my.randn([20, 5], { generator: new my.Generator(5) }).mul(0.5);
  const run = (ntType: "smoothgrad" | "smoothgrad_sq" | "vargrad"): Tensor =>
    new explain.NoiseTunnel(sal).attribute(x, { ntType, nSamples: 5, noise, target: P.target, abs: false }) as Tensor;
  const sg = run("smoothgrad"), sq = run("smoothgrad_sq"), vg = run("vargrad");
  assertClose(vg, arr(sq.sub(sg.square())), { atol: 1e-6 });
  assert.ok(arr(vg).every((v) => v >= -1e-7));
  assert.ok(arr(vg).some((v) => v > 1e-4), "the noise changes the gradients");
});

test("sensitivityMax of x -> sum(x²)'s gradient 2x is max ‖δ‖/‖x‖ over the perturbations", () => {
  const f = (x: Tensor): Tensor => x.square().sum(1);
  const x = my.tensor([[1, 2, 2], [0, 3, 4]]);
  const deltas = [my.tensor([[0.01, 0, 0], [0, 0.02, 0]]), my.tensor([[0, 0.03, 0.04], [0.01, 0, 0]])];
  let s = 0;
  const sens = explain.sensitivityMax(new explain.Saliency(f), x, { nPerturbSamples: 2, perturbFunc: (ins) => [ins[0].add(deltas[s++])], abs: false });
  assertClose(sens, [0.05 / 3, 0.02 / 5], { atol: 1e-6 });
});

test("FeatureAblation and Occlusion on a linear model give w · (x - baseline) per element", () => {
  const w = my.tensor([[0.5, -1, 2, 3]]);
  const f = (x: Tensor): Tensor => x.mul(w).sum(1);
  const x = my.tensor([[1, 2, 3, 4], [-1, 0, 1, 2]]);
  const expected = arr(x.mul(w));
  assertClose(new explain.FeatureAblation(f).attribute(x) as Tensor, expected, { atol: 1e-6 });
  assertClose(new explain.Occlusion(f).attribute(x, { slidingWindowShapes: [1] }) as Tensor, expected, { atol: 1e-6 });
  // A window of 2 with stride 1: each inner element is the mean of two windows' drops.
  const occ = new explain.Occlusion(f).attribute(x, { slidingWindowShapes: [2] }) as Tensor;
  const e = arr(x.mul(w));
  const win = (r: number, i: number): number => e[r * 4 + i] + e[r * 4 + i + 1];
  const want = [0, 1].flatMap((r) => [win(r, 0), (win(r, 0) + win(r, 1)) / 2, (win(r, 1) + win(r, 2)) / 2, win(r, 2)]);
  assertClose(occ, want, { atol: 1e-6 });
});

test("spearman: perfect, reversed and tied ranks (average ranks, by hand); modelRandomisation restores the weights", () => {
  assert.equal(explain.spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(explain.spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ranks a: [1.5, 1.5, 3, 4] (0-based 0.5, 0.5, 2, 3); b: [1, 2, 3, 4]. Pearson of the ranks = 0.9486832980505138.
  assertClose([explain.spearman([7, 7, 8, 9], [1, 2, 3, 4])], [0.9486832980505138], { atol: 1e-12 });
  const m = mlp();
  const before = Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.data())] as const);
  const steps = explain.modelRandomisation(m, (mm, v) => new explain.Saliency(mm as never).attribute(v, { target: 0 }) as Tensor, ten(P.x), { generator: new my.Generator(1) });
  assert.deepEqual(steps.map((s) => s.layer), ["4", "2", "0"]);
  assert.ok(steps[2].spearman < 0.9, `randomising every layer changes the saliency map (${steps[2].spearman})`);
  for (const [k, v] of before) assert.deepEqual(Array.from(m.stateDict()[k].data()), v, `${k} restored`);
});

test("several inputs at once: IG of f(a, b) = Σ a·b from zero baselines is a·b/2 for each input (analytic)", () => {
  const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum(1);
  const a = my.tensor([[1, -2, 3], [0.5, 4, -1]]), b = my.tensor([[2, 1, -1], [3, 0.5, 2]]);
  const [ia, ib] = new explain.IntegratedGradients(f).attribute([a, b], { nSteps: 4 });
  const half = arr(a.mul(b).mul(0.5));
  assertClose(ia, half, { atol: 1e-6 });
  assertClose(ib, half, { atol: 1e-6 });
  const [sa, sb] = new explain.Saliency(f).attribute([a, b], { abs: false });
  assertClose(sa, arr(b));
  assertClose(sb, arr(a));
});
