/**
 * MNIST GAN: trains the zoo's MLP or DCGAN generator/discriminator pair with
 * alternating Adam updates (β1 = 0.5), either the standard non-saturating GAN loss or
 * WGAN-GP (critic loss + gradient penalty through a double backward). Sample quality
 * is scored by an MNIST classifier trained here on real digits: the fraction of
 * generated samples it classifies with confidence > 0.9 and how evenly the samples
 * spread over the 10 classes. Writes a PNG grid of samples.
 *
 * Run: npx tsx examples/gan-mnist/train.ts [--arch mlp|dcgan] [--loss gan|wgan-gp] [--steps 10000] [--out examples/gan-mnist/output]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { F, models, nn } = my;
type Module = InstanceType<typeof nn.Module>;

export interface GanMnistOptions {
  arch?: "mlp" | "dcgan";
  loss?: "gan" | "wgan-gp";
  /** Generator updates (default 3000). */
  steps?: number;
  batchSize?: number;
  /** Adam learning rate (default 2e-4 for the GAN, 1e-4 for WGAN-GP). */
  lr?: number;
  /** Critic updates per generator update for WGAN-GP (default 5; the GAN uses 1). */
  nCritic?: number;
  latent?: number;
  /** Width (see models.GanOptions; default 128 for the MLP, 32 for the DCGAN). */
  width?: number;
  seed?: number;
  /** Training images in [0, 1], [N, 1, 28, 28] (default: all 60k MNIST training digits). */
  images?: Tensor;
  /** Called every `logEvery` generator steps with the last losses and the generator (in eval mode for the call). */
  onLog?: (step: number, dLoss: number, gLoss: number, seconds: number, generator: Module) => void;
  logEvery?: number;
}

/** Trains a generator; returns it (eval mode) with the last losses. */
export function trainGan(opts: GanMnistOptions = {}): { generator: InstanceType<typeof nn.Sequential>; dLoss: number; gLoss: number; seconds: number } {
  const t0 = performance.now();
  const seed = opts.seed ?? 0, latent = opts.latent ?? 64, batch = opts.batchSize ?? 64;
  const wgan = opts.loss === "wgan-gp", dcgan = opts.arch === "dcgan";
  my.manualSeed(seed);
  const width = opts.width ?? (dcgan ? 32 : 128);
  const G = dcgan ? models.dcganGenerator({ latent, width }) : models.mlpGenerator({ latent, width });
  const D = dcgan ? models.dcganDiscriminator({ width }) : models.mlpDiscriminator({ width });
  if (dcgan) { models.dcganInit(G); models.dcganInit(D); }
  const lr = opts.lr ?? (wgan ? 1e-4 : 2e-4);
  const betas: [number, number] = [0.5, wgan ? 0.9 : 0.999];
  const optG = new my.optim.Adam(G.parameters(), { lr, betas });
  const optD = new my.optim.Adam(D.parameters(), { lr, betas });
  // Tanh outputs live in [-1, 1]; so do the real images the discriminator sees.
  const real = (opts.images ?? my.data.mnist(undefined, { train: true }).tensors[0]).mul(2).sub(1);
  const n = real.shape[0], g = new my.Generator(seed + 1);
  const nCritic = wgan ? opts.nCritic ?? 5 : 1;
  let dLoss = NaN, gLoss = NaN;

  const realBatch = () => real.indexSelect(0, my.randint(0, n, [batch], { generator: g }));
  for (let step = 1; step <= (opts.steps ?? 3000); step++) {
    G.train(); D.train();
    for (let k = 0; k < nCritic; k++) {
      const fake = my.noGrad(() => G.forward(my.randn([batch, latent], { generator: g })) as Tensor);
      const xr = realBatch();
      const ld = wgan
        ? models.wganCriticLoss(D, xr, fake, 10, g).loss
        : models.discriminatorLoss(D.forward(xr) as Tensor, D.forward(fake) as Tensor);
      optD.zeroGrad();
      ld.backward();
      optD.step();
      dLoss = ld.item();
    }
    const scores = D.forward(G.forward(my.randn([batch, latent], { generator: g })) as Tensor) as Tensor;
    const lg = wgan ? models.wganGeneratorLoss(scores) : models.generatorLoss(scores);
    optG.zeroGrad();
    lg.backward();
    optG.step(); // D's parameters also got gradients here; optD.zeroGrad() clears them before D's next step
    gLoss = lg.item();
    if (opts.onLog && step % (opts.logEvery ?? 250) === 0) {
      G.eval();
      opts.onLog(step, dLoss, gLoss, (performance.now() - t0) / 1000, G);
    }
  }
  G.eval();
  return { generator: G, dLoss, gLoss, seconds: (performance.now() - t0) / 1000 };
}

/** Generates `n` images in [0, 1] with a seeded noise draw. */
export function generate(generator: Module, n: number, latent = 64, seed = 123): Tensor {
  return my.noGrad(() => (generator.forward(my.randn([n, latent], { generator: new my.Generator(seed) })) as Tensor).add(1).div(2));
}

/** Trains the zoo's mnistMlp classifier (Adam 1e-3, batch 64) on images in [0, 1]. */
export function trainClassifier(x: Tensor, y: Tensor, epochs = 2, seed = 0): Module {
  my.manualSeed(seed);
  const clf = models.mnistMlp();
  const opt = new my.optim.Adam(clf.parameters(), { lr: 1e-3 });
  const g = new my.Generator(seed + 7), n = x.shape[0];
  clf.train();
  for (let e = 0; e < epochs; e++) {
    const perm = my.randperm(n, { generator: g });
    for (let i = 0; i + 64 <= n; i += 64) {
      const idx = perm.narrow(0, i, 64);
      const loss = F.crossEntropy(clf.forward(x.indexSelect(0, idx)) as Tensor, y.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
  }
  return clf.eval();
}

/** How a classifier sees a batch of images in [0, 1]. */
export interface SampleQuality {
  /** Fraction of images whose top softmax probability exceeds 0.9. */
  confident: number;
  /** Predicted-class counts, [10]. */
  histogram: number[];
  /** Entropy of the predicted-class distribution / ln 10: 1 = all classes equally often, 0 = one class. */
  spread: number;
  /** Mean top softmax probability. */
  meanConfidence: number;
}

/** Scores images with `classifier`: confidence and class spread (see SampleQuality). */
export function sampleQuality(classifier: Module, images: Tensor): SampleQuality {
  return my.noGrad(() => {
    const p = F.softmax(classifier.forward(images) as Tensor, 1);
    const [values, indices] = p.max(1);
    const maxP = values.data(), cls = indices.data();
    const histogram = new Array<number>(10).fill(0);
    let confident = 0, sum = 0;
    for (let i = 0; i < maxP.length; i++) {
      histogram[Number(cls[i])]++;
      if (maxP[i] > 0.9) confident++;
      sum += Number(maxP[i]);
    }
    let h = 0;
    for (const c of histogram) if (c > 0) h -= (c / maxP.length) * Math.log(c / maxP.length);
    return { confident: confident / maxP.length, histogram, spread: h / Math.log(10), meanConfidence: sum / maxP.length };
  });
}

function argOf(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arch = argOf("arch", "mlp") as "mlp" | "dcgan", loss = argOf("loss", "gan") as "gan" | "wgan-gp";
  const steps = Number(argOf("steps", "10000")), outDir = argOf("out", join("examples", "gan-mnist", "output"));
  const [trX, trY] = my.data.mnist(undefined, { train: true }).tensors;
  const [teX, teY] = my.data.mnist(undefined, { train: false }).tensors;

  let t0 = performance.now();
  const clf = trainClassifier(trX.narrow(0, 0, 20000), trY.narrow(0, 0, 20000));
  const acc = my.noGrad(() => (clf.forward(teX) as Tensor).argmax(1).eq(teY).float().mean().item());
  const realQ = sampleQuality(clf, teX.narrow(0, 0, 1000));
  console.log(`classifier (mnistMlp, 2 epochs on 20k): test accuracy ${(acc * 100).toFixed(2)}%, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`real test digits: ${(realQ.confident * 100).toFixed(1)}% confident > 0.9, spread ${realQ.spread.toFixed(3)}`);

  t0 = performance.now();
  console.log(`== ${arch} ${loss}, ${steps} generator steps, batch 64`);
  const r = trainGan({
    arch, loss, steps, images: trX,
    onLog: (s, d, g, sec, G) => {
      const q = sampleQuality(clf, generate(G, 500, 64, 999));
      console.log(`step ${String(s).padStart(5)}  D ${d.toFixed(3)}  G ${g.toFixed(3)}  confident ${(q.confident * 100).toFixed(1)}%  spread ${q.spread.toFixed(3)}  ${sec.toFixed(0)} s`);
    },
  });
  const samples = generate(r.generator, 1000);
  const q = sampleQuality(clf, samples);
  console.log(`generated: ${(q.confident * 100).toFixed(1)}% confident > 0.9, mean confidence ${q.meanConfidence.toFixed(3)}, spread ${q.spread.toFixed(3)}, histogram [${q.histogram.join(", ")}]`);
  console.log(`${r.seconds.toFixed(0)} s training`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${arch}-${loss}-samples.png`), models.gridPng(samples.narrow(0, 0, 100), { nrow: 10, deflate: deflateSync }));
  my.io.save(r.generator.stateDict(), join(outDir, `${arch}-${loss}-generator.safetensors`));
}
