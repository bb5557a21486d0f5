// The zoo's GANs (src/models/gan.ts) and the gan-mnist example. References: PyTorch
// (test/fixtures/models_zoo.json from gen_models_zoo.py: outputs with loaded weights, and
// the WGAN-GP penalty with its weight gradient, a double backward through conv), the
// closed form of the penalty for a linear critic, hand-computed sample-quality numbers,
// and an MNIST classifier trained here on real digits recognising generated ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { generate, sampleQuality, trainClassifier, trainGan } from "../../examples/gan-mnist/train.js";

const { models, nn } = my;
interface T { shape: number[]; data: number[] }
const ten = (t: T): Tensor => my.tensor(t.data, { shape: t.shape });
const stateDict = (sd: Record<string, T>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, ten(v)]));
const fx = loadFixture<Record<string, Record<string, any>>>("models_zoo");
/** sin(f·i + phase) over the flat index: the deterministic images gen_models_zoo.py also builds. */
const pattern = (n: number, f: number, phase: number) =>
  my.tensor(Float64Array.from({ length: n * 784 }, (_, i) => Math.sin(i * f + phase)), { shape: [n, 1, 28, 28] }).float();

test("dcganGenerator (eval, BatchNorm running stats) loads PyTorch weights by key and reproduces its images", () => {
  const f = fx.dcganGenerator;
  const g = models.dcganGenerator({ latent: 4, width: 2 });
  assert.deepEqual(Object.keys(g.stateDict()), Object.keys(f.stateDict));
  g.loadStateDict(stateDict(f.stateDict));
  g.eval();
  const img = g.forward(ten(f.z)) as Tensor;
  assert.deepEqual(img.shape, [2, 1, 28, 28]);
  assertClose(img.flatten().narrow(0, 0, 40), f.head.data, { atol: 1e-5 });
  assertClose(img.sum([1, 2, 3]), f.sums.data, { atol: 1e-4, rtol: 1e-5 });
  assertClose(img.square().sum([1, 2, 3]), f.sumSquares.data, { atol: 1e-4, rtol: 1e-5 });
});

test("mlpGenerator / mlpDiscriminator load PyTorch weights and reproduce D(G(z))", () => {
  const f = fx.mlpGan;
  const g = models.mlpGenerator({ latent: 4, width: 1 }), d = models.mlpDiscriminator({ width: 1 });
  assert.deepEqual(Object.keys(g.stateDict()), Object.keys(f.generator));
  assert.deepEqual(Object.keys(d.stateDict()), Object.keys(f.discriminator));
  g.loadStateDict(stateDict(f.generator));
  d.loadStateDict(stateDict(f.discriminator));
  const img = g.forward(ten(f.z)) as Tensor;
  assertClose(img.sum([1, 2, 3]), f.imageSums.data, { atol: 1e-4, rtol: 1e-5 });
  assertClose(d.forward(img) as Tensor, f.scores.data, { atol: 1e-5 });
});

test("gradientPenalty through a conv critic matches PyTorch: value and d(penalty)/d(conv weights) (double backward)", () => {
  const f = fx.dcganDiscriminator;
  const d = models.dcganDiscriminator({ width: 2 });
  assert.deepEqual(Object.keys(d.stateDict()), Object.keys(f.stateDict));
  d.loadStateDict(stateDict(f.stateDict));
  const real = pattern(3, 0.1, 0), fake = pattern(3, 0.07, 1);
  assertClose(d.forward(real) as Tensor, f.scores.data, { atol: 1e-5 });
  const gp = models.gradientPenalty(d, real, fake, { alpha: ten(f.alpha) });
  assertClose(gp.item(), f.penalty, { rtol: 1e-4, atol: 1e-6 });
  const params = d.parameters();
  const [g0, g2] = my.grad(gp, [params[0], params[2]]);
  assertClose(g0!, f.penaltyGrad0.data, { rtol: 1e-3, atol: 1e-5 });
  assertClose(g2!, f.penaltyGrad2.data, { rtol: 1e-3, atol: 1e-5 });
});

test("gradientPenalty of a linear critic w·x + b is (|w| - 1)^2 for any interpolation, with gradient 2(|w| - 1) w/|w|", () => {
  const critic = new nn.Linear(4, 1).double();
  const w = [0.5, -1, 2, 0.25];
  my.noGrad(() => critic.weight.copy_(my.tensor([w], { dtype: "float64" })));
  const norm = Math.hypot(...w);
  const real = my.randn([5, 4], { dtype: "float64", generator: new my.Generator(1) });
  const fake = my.randn([5, 4], { dtype: "float64", generator: new my.Generator(2) });
  const gp = models.gradientPenalty(critic, real, fake, { generator: new my.Generator(3) });
  assertClose(gp.item(), (norm - 1) ** 2, { rtol: 1e-9 });
  gp.backward();
  assertClose(critic.weight.grad!, [w.map((v) => (2 * (norm - 1) * v) / norm)], { rtol: 1e-6 });
  assertClose(critic.bias!.grad ?? my.zeros([1], { dtype: "float64" }), [0], { atol: 1e-12 });
  // the WGAN critic loss adds it to E[D(fake)] − E[D(real)] = w·(mean fake − mean real)
  const l = models.wganCriticLoss(critic, real, fake, 10, new my.Generator(4));
  const diff = fake.mean(0).sub(real.mean(0)).data();
  const expectedGap = w.reduce((s, v, i) => s + v * Number(diff[i]), 0);
  assertClose(l.loss.item(), expectedGap + 10 * (norm - 1) ** 2, { rtol: 1e-9 });
  assertClose(l.wasserstein.item(), -expectedGap, { rtol: 1e-9, atol: 1e-12 });
});

test("GAN losses: discriminator BCE is ln 2 + ln 2 at logits 0; non-saturating generator loss is -mean log sigmoid", () => {
  const zero = my.zeros([4, 1]);
  assertClose(models.discriminatorLoss(zero, zero).item(), 2 * Math.LN2, { rtol: 1e-6 });
  const logits = my.tensor([[2], [-1], [0.5]]);
  const expected = -[2, -1, 0.5].map((v) => Math.log(1 / (1 + Math.exp(-v)))).reduce((a, b) => a + b) / 3;
  assertClose(models.generatorLoss(logits).item(), expected, { rtol: 1e-6 });
  assertClose(models.wganGeneratorLoss(logits).item(), -0.5, { rtol: 1e-6 });
});

test("sampleQuality: confident fraction, class histogram and normalised entropy, by hand", () => {
  // A fake classifier returning fixed logits: softmax rows put 0.97, 0.5, 0.999, 0.92 on classes 3, 3, 7, 1.
  const rows: [number, number][] = [[3, Math.log(0.97 / (0.03 / 9))], [3, Math.log(0.5 / (0.5 / 9))], [7, Math.log(0.999 / (0.001 / 9))], [1, Math.log(0.92 / (0.08 / 9))]];
  const buf = new Float32Array(40);
  rows.forEach(([c, v], i) => (buf[i * 10 + c] = v));
  const logits = my.tensor(buf, { shape: [4, 10] });
  const clf = new (class extends nn.Module { override forward() { return logits; } })();
  const q = sampleQuality(clf, my.zeros([4, 1, 28, 28]));
  assert.deepEqual(q.histogram, [0, 1, 0, 2, 0, 0, 0, 1, 0, 0]);
  assert.equal(q.confident, 0.75);
  assertClose(q.meanConfidence, (0.97 + 0.5 + 0.999 + 0.92) / 4, { rtol: 1e-5 });
  assertClose(q.spread, -(0.25 * Math.log(0.25) * 2 + 0.5 * Math.log(0.5)) / Math.log(10), { rtol: 1e-9 });
});

test("gan-mnist: an MLP GAN trained 600 steps on real zeros makes digits a real-digit classifier reads as 0", () => {
  const [x, y] = my.data.mnist(undefined, { train: true }).tensors;
  const [tx, ty] = my.data.mnist(undefined, { train: false }).tensors;
  const clf = trainClassifier(x.narrow(0, 0, 3000), y.narrow(0, 0, 3000), 2);
  const acc = my.noGrad(() => (clf.forward(tx.narrow(0, 0, 1000)) as Tensor).argmax(1).eq(ty.narrow(0, 0, 1000)).float().mean().item());
  assert.ok(acc > 0.85, `classifier accuracy on 1000 real test digits ${acc}`);

  const ys = y.narrow(0, 0, 6000);
  const zeros = x.narrow(0, 0, 6000).indexSelect(0, ys.eq(0).nonzero().squeeze(1));
  const untrained = trainGan({ arch: "mlp", steps: 0, width: 64, images: zeros });
  const before = sampleQuality(clf, generate(untrained.generator, 200, 64, 5));
  const r = trainGan({ arch: "mlp", steps: 600, batchSize: 64, width: 64, images: zeros });
  const after = sampleQuality(clf, generate(r.generator, 200, 64, 5));
  assert.ok(before.histogram[0] < 40, `untrained generator: ${before.histogram}`);
  // GAN dynamics amplify float rounding, so a run's outcome moves with the backend and the
  // seed. The earlier 300 steps at lr 1e-3, batch 32 failed this on 5 of 10 (backend, seed)
  // pairs; these settings (the example's default lr 2e-4, Adam betas 0.5/0.999) gave, over
  // seeds 0-4 on native and wasm, 187-200 zeros of 200 and 64.5-98% confident.
  assert.ok(after.histogram[0] >= 160 && after.histogram[0] >= 3 * before.histogram[0], `trained generator: class histogram ${after.histogram}`);
  assert.ok(after.confident > 0.5, `confident fraction ${after.confident}`);
});
