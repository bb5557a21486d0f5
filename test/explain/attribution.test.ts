// Every explain method against references computed in plain torch from Captum's
// definitions (test/fixtures/gen_explain.py) on a CNN, an LSTM text model with an
// embedding and a tabular MLP; myelin runs in float32, the references in float64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { cnn, fx, mlp, ten, textModel } from "./models.js";

const { explain } = my;
const tol = { atol: 2e-5, rtol: 2e-4 };
const close = (a: unknown, e: { data: number[]; shape: number[] }, msg: string, t = tol): void => {
  const x = a as Tensor;
  assert.deepEqual(x.shape, e.shape, `${msg}: shape`);
  assertClose(x, e.data, { ...t, msg });
};

const C = fx.cnn, P = fx.mlp, T = fx.text;

test("Saliency, InputXGradient, GuidedBackprop, Deconvolution on the CNN (a target per example)", () => {
  const m = cnn(), x = ten(C.x);
  close(new explain.Saliency(m).attribute(x, { target: C.target }), C.saliency, "saliency");
  close(new explain.InputXGradient(m).attribute(x, { target: my.tensor(C.target, { dtype: "int32" }) }), C.inputXGradient, "inputXGradient");
  close(new explain.GuidedBackprop(m).attribute(x, { target: C.target }), C.guidedBackprop, "guidedBackprop");
  close(new explain.Deconvolution(m).attribute(x, { target: C.target }), C.deconvolution, "deconvolution");
  // The ReLU hooks are gone afterwards: plain saliency again.
  close(new explain.Saliency(m).attribute(x, { target: C.target }), C.saliency, "saliency after");
});

test("IntegratedGradients on the CNN (Gauss-Legendre, 50 steps) with its convergence delta, batched or not", () => {
  const m = cnn(), x = ten(C.x), b = ten(C.b);
  const ig = new explain.IntegratedGradients(m);
  const [a, d] = ig.attribute(x, { baselines: b, target: C.target, returnConvergenceDelta: true });
  close(a, C.ig, "ig");
  close(d, C.igDelta, "delta", { atol: 1e-4, rtol: 0 });
  close(ig.attribute(x, { baselines: b, target: C.target, internalBatchSize: 7 }), C.ig, "ig internalBatchSize 7");
  close(ig.attribute(x, { baselines: b, target: C.target, internalBatchSize: 1 }), C.ig, "ig internalBatchSize 1 (one step per batch, as Captum)");
  assert.throws(() => ig.attribute(x, { internalBatchSize: 0.5 }), /internalBatchSize must be a positive integer, got 0.5/);
});

test("IntegratedGradients on the MLP: every Riemann rule and Gauss-Legendre, and a target given as a function", () => {
  const m = mlp(), x = ten(P.x), b = ten(P.b);
  for (const method of ["gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"] as const) {
    const [a, d] = new explain.IntegratedGradients(m).attribute(x, { baselines: b, target: P.target, nSteps: 16, method, returnConvergenceDelta: true });
    close(a, P[`ig_${method}`], method);
    close(d, P[`igDelta_${method}`], `${method} delta`, { atol: 1e-5, rtol: 1e-3 });
  }
  const soft = new explain.IntegratedGradients(m).attribute(x, { baselines: b, nSteps: 16, target: (o: Tensor) => o.softmax(1).select(1, 1) });
  close(soft, P.igSoftmaxTarget, "softmax target");
});

test("Gauss-Legendre nodes and weights match numpy's leggauss", () => {
  const [xs, ws] = explain.leggauss(5);
  // numpy.polynomial.legendre.leggauss(5)
  assertClose(xs, [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664], { atol: 1e-14 });
  assertClose(ws, [0.2369268850561891, 0.47862867049936647, 0.5688888888888889, 0.47862867049936647, 0.2369268850561891], { atol: 1e-14 });
});

test("DeepLift (rescale rule; Captum's max-pool rule) on the CNN and on the tanh/relu MLP", () => {
  close(new explain.DeepLift(cnn()).attribute(ten(C.x), { baselines: ten(C.b), target: C.target }), C.deeplift, "cnn deeplift");
  const m = mlp();
  const [a, d] = new explain.DeepLift(m).attribute(ten(P.x), { baselines: ten(P.b), target: P.target, returnConvergenceDelta: true });
  close(a, P.deeplift, "mlp deeplift");
  // DeepLift's summation-to-delta: on this network the multipliers make it exact.
  assertClose(d, [0, 0, 0, 0], { atol: 1e-5 });
});

test("LayerGradCam, GuidedGradCam, LayerActivation, LayerConductance on the CNN and the MLP", () => {
  const m = cnn(), x = ten(C.x);
  const layer = [...m.children()][3];
  close(new explain.LayerGradCam(m, layer).attribute(x, { target: C.target }), C.gradCam, "gradCam");
  close(new explain.GuidedGradCam(m, layer).attribute(x, { target: C.target }), C.guidedGradCam, "guidedGradCam");
  close(new explain.LayerActivation(m, [...m.children()][0]).attribute(x), C.layerActivation, "layerActivation");
  close(new explain.LayerConductance(m, layer).attribute(x, { baselines: ten(C.b), target: C.target, nSteps: 20 }), C.conductance, "cnn conductance");
  const p = mlp();
  close(new explain.LayerConductance(p, [...p.children()][0]).attribute(ten(P.x), { baselines: ten(P.b), target: P.target, nSteps: 16 }), P.conductance, "mlp conductance");
});

test("LayerIntegratedGradients on the LSTM's embedding layer (text), both rules, with completeness", () => {
  const m = textModel();
  const ids = ten(T.ids, "int32");
  for (const method of ["gausslegendre", "riemann_trapezoid"] as const) {
    const [a, d] = new explain.LayerIntegratedGradients(m, m.emb).attribute(ids, { baselines: 0, target: T.target, nSteps: 30, method, returnConvergenceDelta: true });
    close(a, T[`lig_${method}`], method);
    close(d, T[`ligDelta_${method}`], `${method} delta`, { atol: 1e-5, rtol: 1e-3 });
  }
});

test("Occlusion (windows cut at the border), FeatureAblation with masks, on the CNN and the MLP", () => {
  const m = cnn(), x = ten(C.x);
  close(new explain.Occlusion(m).attribute(x, { slidingWindowShapes: [1, 3, 3], strides: [1, 2, 2], target: C.target }), C.occlusion, "occlusion");
  close(new explain.FeatureAblation(m).attribute(x, { baselines: ten(C.b), target: C.target, featureMask: ten(C.blockMask, "int32") }), C.ablation, "cnn ablation");
  close(new explain.FeatureAblation(mlp()).attribute(ten(P.x), { baselines: ten(P.b), target: P.target, featureMask: ten(P.fmask, "int32") }), P.ablation, "mlp ablation");
});

test("perturbation methods on token ids (sequences): each token, and a 2-token window, set to the pad id", () => {
  const m = textModel(), ids = ten(T.ids, "int32");
  const fa = new explain.FeatureAblation(m).attribute(ids, { baselines: 0, target: T.target, featureMask: my.arange(6).reshape([1, 6]).int() });
  assert.equal(fa.dtype, "float32", "attributions of integer inputs are in the output's dtype");
  close(fa, T.ablation, "token ablation");
  close(new explain.Occlusion(m).attribute(ids, { slidingWindowShapes: [2], baselines: 0, target: T.target }), T.occlusion, "token occlusion");
});

test("NoiseTunnel around Saliency (smoothgrad, smoothgrad_sq, vargrad) with the reference's noise", () => {
  const sal = new explain.Saliency(mlp());
  for (const ntType of ["smoothgrad", "smoothgrad_sq", "vargrad"] as const) {
    const a = new explain.NoiseTunnel(sal).attribute(ten(P.x), { ntType, nSamples: 3, noise: ten(P.ntNoise), target: P.target });
    close(a, P[`nt_${ntType}`], ntType);
  }
  // Drawn noise: the mean of many SmoothGrad samples with tiny noise is the plain saliency.
  const plain = sal.attribute(ten(P.x), { target: P.target }) as Tensor;
  const smooth = new explain.NoiseTunnel(sal).attribute(ten(P.x), { nSamples: 4, stdevs: 1e-4, target: P.target, generator: new my.Generator(0) }) as Tensor;
  assertClose(smooth, Array.from(plain.data()), { atol: 1e-3, rtol: 1e-2 });
});

test("GradientShap with the reference's draws; ShapleyValueSampling with given permutations", () => {
  const m = mlp();
  const gs = new explain.GradientShap(m).attribute(ten(P.x), {
    baselines: ten(P.gsDist), nSamples: 4, target: P.target, noise: ten(P.gsNoise), baselineIndices: P.gsIdx, alphas: P.gsAlpha,
  });
  close(gs, P.gradientShap, "gradientShap");
  const sv = new explain.ShapleyValueSampling(m);
  close(sv.attribute(ten(P.x), { baselines: ten(P.b), target: P.target, featureMask: ten(P.fmask, "int32"), permutations: P.perms }), P.shapley, "shapley");
});

test("infidelity (plain and normalised) with the reference's perturbations", () => {
  const m = mlp(), x = ten(P.x);
  const attr = new explain.InputXGradient(m).attribute(x, { target: P.target }) as Tensor;
  const pert = ten(P.infPert);
  const perturb = (ins: Tensor[]): [Tensor[], Tensor[]] => [[pert], [ins[0].sub(pert)]];
  close(explain.infidelity(m, perturb, x, attr, { target: P.target, nPerturbSamples: 5 }), P.infidelity, "infidelity", { atol: 1e-6, rtol: 1e-3 });
  close(explain.infidelity(m, perturb, x, attr, { target: P.target, nPerturbSamples: 5, normalize: true }), P.infidelityNorm, "infidelity normalised", { atol: 1e-6, rtol: 1e-3 });
});

test("unknown options, bad targets and bad masks throw, naming the method and the rule", () => {
  const m = mlp(), x = ten(P.x);
  assert.throws(() => new explain.Saliency(m).attribute(x, { target: 0, absolute: true } as never), /Saliency.attribute: unknown option "absolute"/);
  assert.throws(() => new explain.Saliency(m).attribute(x), /Saliency.attribute: the output has shape \[4, 3\], more than one value per example; pass a target/);
  assert.throws(() => new explain.Saliency(m).attribute(x, { target: [0, 1] }), /got 2 targets for a batch of 4/);
  assert.throws(() => new explain.Saliency(m).attribute(x, { target: 3 }), /target 3 is out of range for 3 outputs/);
  assert.throws(() => new explain.IntegratedGradients(m).attribute(x, { target: 0, method: "simpson" as never }), /unknown method "simpson"/);
  assert.throws(() => new explain.FeatureAblation(m).attribute(x, { target: 0, featureMask: my.zeros([1, 4], { dtype: "int32" }) }), /does not broadcast to the input's shape \[4, 5\]/);
  assert.throws(() => new explain.ShapleyValueSampling(m).attribute(x, { target: 0, featureMask: ten(P.fmask, "int32"), permutations: [[0, 1]] }), /each permutation must order the feature ids \[0, 1, 2\] exactly once/);
  assert.throws(() => new explain.GuidedBackprop(((z: Tensor) => z) as never), /must be an nn.Module/);
});
