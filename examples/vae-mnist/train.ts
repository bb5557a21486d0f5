/**
 * MNIST autoencoders: trains the zoo's plain MLP Autoencoder and the VAE on MNIST
 * digits with Adam, reports reconstruction quality on the 10k test images (BCE per
 * pixel, and for the VAE the negative ELBO split into reconstruction and KL), and
 * writes PNG grids of test reconstructions and of samples decoded from the prior.
 *
 * Run: npx tsx examples/vae-mnist/train.ts [--epochs 10] [--train-size 60000] [--out examples/vae-mnist/output]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import * as my from "myelin";
import type { Tensor } from "myelin";

const { F, models } = my;

export interface VaeMnistOptions {
  /** "vae" (default) or the plain "ae". */
  model?: "vae" | "ae";
  epochs?: number;
  batchSize?: number;
  lr?: number;
  hidden?: number;
  latent?: number;
  /** Training images used (the first n of a seeded shuffle of the 60k). */
  trainSize?: number;
  /** Test images scored (the first n of the 10k). */
  testSize?: number;
  seed?: number;
  /** Folder for reconstructions.png / samples.png (nothing is written without one). */
  outDir?: string;
  /** Pre-loaded data (tests pass small subsets); defaults to my.data.mnist(). */
  data?: { trainX: Tensor; testX: Tensor };
  onEpoch?: (epoch: number, trainLoss: number, seconds: number) => void;
}

export interface VaeMnistResult {
  model: Autoencoders;
  /** Mean training loss of each epoch (per image: VAE negative ELBO, AE BCE summed over pixels). */
  trainLoss: number[];
  /** Test reconstruction BCE per pixel (VAE: decoding z = μ, deterministic). */
  testBcePerPixel: number;
  /** Test mean squared error per pixel of the same reconstructions. */
  testMse: number;
  /** VAE only: test negative ELBO per image (one z sample) and its two parts, in nats. */
  testElbo?: { loss: number; bce: number; kl: number };
  seconds: number;
}

type Autoencoders = InstanceType<typeof models.Autoencoder> | InstanceType<typeof models.VAE>;

/** MNIST images as float32 [N, 1, 28, 28] in [0, 1]: `trainSize` seeded-random training images and the first `testSize` test images. */
export function loadMnistImages(trainSize = 60000, testSize = 10000, seed = 0): { trainX: Tensor; testX: Tensor; trainY: Tensor; testY: Tensor } {
  const [trX, trY] = my.data.mnist(undefined, { train: true }).tensors;
  const [teX, teY] = my.data.mnist(undefined, { train: false }).tensors;
  const idx = my.randperm(trX.shape[0], { generator: new my.Generator(seed) }).narrow(0, 0, trainSize);
  return { trainX: trX.indexSelect(0, idx), trainY: trY.indexSelect(0, idx), testX: teX.narrow(0, 0, testSize), testY: teY.narrow(0, 0, testSize) };
}

/** Trains one model and scores it; see VaeMnistOptions for the knobs. */
export function trainVaeMnist(opts: VaeMnistOptions = {}): VaeMnistResult {
  const t0 = performance.now();
  const seed = opts.seed ?? 0;
  my.manualSeed(seed);
  const { trainX, testX } = opts.data ?? loadMnistImages(opts.trainSize ?? 60000, opts.testSize ?? 10000, seed);
  const isVae = (opts.model ?? "vae") === "vae";
  const model: Autoencoders = isVae
    ? new models.VAE({ hidden: opts.hidden, latent: opts.latent })
    : new models.Autoencoder({ hidden: opts.hidden, latent: opts.latent });
  const opt = new my.optim.Adam(model.parameters(), { lr: opts.lr ?? 1e-3 });
  const batch = opts.batchSize ?? 128, n = trainX.shape[0];
  const shuffle = new my.Generator(seed + 1), noise = new my.Generator(seed + 2);

  // Per-image loss: the VAE's negative ELBO, or the AE's BCE summed over pixels, so both are in nats per image.
  const lossOf = (x: Tensor): Tensor => {
    if (model instanceof models.VAE) {
      const [logits, mu, logvar] = model.forward(x, noise);
      return models.vaeLoss(logits, x, mu, logvar).loss;
    }
    return F.binaryCrossEntropyWithLogits(model.forward(x), x, { reduction: "sum" }).div(x.shape[0]);
  };

  const trainLoss: number[] = [];
  for (let epoch = 1; epoch <= (opts.epochs ?? 10); epoch++) {
    model.train();
    const perm = my.randperm(n, { generator: shuffle });
    let sum = 0, seen = 0;
    for (let i = 0; i + batch <= n; i += batch) {
      const x = trainX.indexSelect(0, perm.narrow(0, i, batch));
      const loss = lossOf(x);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sum += loss.item() * batch;
      seen += batch;
    }
    trainLoss.push(sum / seen);
    opts.onEpoch?.(epoch, sum / seen, (performance.now() - t0) / 1000);
  }

  // Test metrics, in chunks of 1000 images.
  let bce = 0, mse = 0, elbo = 0, elboBce = 0, elboKl = 0;
  const nt = testX.shape[0];
  my.noGrad(() => {
    for (let i = 0; i < nt; i += 1000) {
      const x = testX.narrow(0, i, Math.min(1000, nt - i));
      model.eval();
      const logits = model instanceof models.VAE ? model.forward(x)[0] : model.forward(x);
      bce += F.binaryCrossEntropyWithLogits(logits, x, { reduction: "sum" }).item();
      mse += F.mseLoss(logits.sigmoid(), x, { reduction: "sum" }).item();
      if (model instanceof models.VAE) {
        model.train(); // one sampled z per image: the usual single-sample ELBO estimate
        const [l, mu, logvar] = model.forward(x, noise);
        const parts = models.vaeLoss(l, x, mu, logvar);
        elbo += parts.loss.item() * x.shape[0]; elboBce += parts.bce.item() * x.shape[0]; elboKl += parts.kl.item() * x.shape[0];
      }
    }
  });
  model.eval();
  if (opts.outDir) writeGrids(model, testX, opts.outDir, isVae ? "vae" : "ae", seed);
  return {
    model, trainLoss,
    testBcePerPixel: bce / (nt * 784),
    testMse: mse / (nt * 784),
    testElbo: isVae ? { loss: elbo / nt, bce: elboBce / nt, kl: elboKl / nt } : undefined,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** <prefix>-reconstructions.png (rows alternate 10 test digits / their reconstructions) and, for the VAE, vae-samples.png (64 prior samples). */
function writeGrids(model: Autoencoders, testX: Tensor, outDir: string, prefix: string, seed: number): void {
  mkdirSync(outDir, { recursive: true });
  my.noGrad(() => {
    const rows: Tensor[] = [];
    for (let r = 0; r < 4; r++) {
      const x = testX.narrow(0, 10 * r, 10);
      const rec = model instanceof models.VAE ? model.forward(x)[0] : model.forward(x);
      rows.push(x, rec.sigmoid());
    }
    writeFileSync(join(outDir, `${prefix}-reconstructions.png`), models.gridPng(my.cat(rows, 0), { nrow: 10, deflate: deflateSync }));
    if (model instanceof models.VAE) {
      writeFileSync(join(outDir, "vae-samples.png"), models.gridPng(model.sample(64, new my.Generator(seed + 3)), { nrow: 8, deflate: deflateSync }));
    }
  });
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outI = process.argv.indexOf("--out");
  const outDir = outI > 0 ? process.argv[outI + 1] : join("examples", "vae-mnist", "output");
  const epochs = arg("epochs", 10), trainSize = arg("train-size", 60000);
  const data = loadMnistImages(trainSize, 10000, 0);
  for (const model of ["ae", "vae"] as const) {
    console.log(`== ${model === "vae" ? "VAE (784-400-20, Bernoulli decoder)" : "Autoencoder (784-256-32)"}, ${epochs} epochs on ${trainSize} images`);
    const r = trainVaeMnist({
      model, epochs, data, outDir,
      onEpoch: (e, l, s) => console.log(`epoch ${String(e).padStart(2)}  train loss ${l.toFixed(2)} nats/image  ${s.toFixed(0)} s`),
    });
    console.log(`test: BCE ${r.testBcePerPixel.toFixed(4)} nats/pixel (${(r.testBcePerPixel * 784).toFixed(1)} per image), MSE ${r.testMse.toFixed(4)}`);
    if (r.testElbo) console.log(`test negative ELBO ${r.testElbo.loss.toFixed(2)} nats/image = BCE ${r.testElbo.bce.toFixed(2)} + KL ${r.testElbo.kl.toFixed(2)}`);
    console.log(`${r.seconds.toFixed(0)} s; grids in ${outDir}`);
    my.io.save(r.model.stateDict(), join(outDir, `${model}.safetensors`));
  }
}
