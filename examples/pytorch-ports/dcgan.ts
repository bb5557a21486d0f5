/**
 * Port of PyTorch's examples/dcgan: the 64x64 DCGAN generator (transposed convolutions,
 * BatchNorm, ReLU, Tanh) and discriminator (strided convolutions, LeakyReLU, Sigmoid),
 * initialised by weights_init, trained with BCELoss and Adam (β1 = 0.5) on MNIST
 * resized to 64x64. The metric is Loss_D averaged over the last 10 iterations.
 * dcgan.py beside it runs the original logic on the same settings.
 *
 * Run: npx tsx examples/pytorch-ports/dcgan.ts [--iters 30] [--ngf 8] [--ndf 8] [--seed 0]
 */
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain, mnistFirst } from "./common.js";

const { nn, F, optim } = my;
type Module = InstanceType<typeof nn.Module>;

export const DEFAULTS = { images: 512, iters: 30, batch: 16, nz: 100, ngf: 8, ndf: 8, lr: 2e-4, beta1: 0.5, seed: 0 };
const nc = 1;

/** Conv layers ~ N(0, 0.02); BatchNorm weights ~ N(1, 0.02), biases 0 (the class-name test of the original). */
export function weightsInit(m: Module): void {
  const classname = m.constructor.name;
  const p = m as unknown as { weight: Tensor; bias: Tensor };
  if (classname.includes("Conv")) {
    nn.init.normal_(p.weight, 0.0, 0.02);
  } else if (classname.includes("BatchNorm")) {
    nn.init.normal_(p.weight, 1.0, 0.02);
    nn.init.zeros_(p.bias);
  }
}

export class Generator extends nn.Module {
  main: InstanceType<typeof nn.Sequential>;
  constructor(nz: number, ngf: number) {
    super();
    this.main = new nn.Sequential(
      new nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, { bias: false }), new nn.BatchNorm2d(ngf * 8), new nn.ReLU(true),
      new nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ngf * 4), new nn.ReLU(true),
      new nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ngf * 2), new nn.ReLU(true),
      new nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ngf), new nn.ReLU(true),
      new nn.ConvTranspose2d(ngf, nc, 4, 2, 1, { bias: false }), new nn.Tanh(),
    );
  }
  override forward(input: Tensor): Tensor {
    return this.main.forward(input) as Tensor;
  }
}

export class Discriminator extends nn.Module {
  main: InstanceType<typeof nn.Sequential>;
  constructor(ndf: number) {
    super();
    this.main = new nn.Sequential(
      new nn.Conv2d(nc, ndf, 4, 2, 1, { bias: false }), new nn.LeakyReLU(0.2, true),
      new nn.Conv2d(ndf, ndf * 2, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ndf * 2), new nn.LeakyReLU(0.2, true),
      new nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ndf * 4), new nn.LeakyReLU(0.2, true),
      new nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(ndf * 8), new nn.LeakyReLU(0.2, true),
      new nn.Conv2d(ndf * 8, 1, 4, 1, 0, { bias: false }), new nn.Sigmoid(),
    );
  }
  override forward(input: Tensor): Tensor {
    return (this.main.forward(input) as Tensor).view(-1, 1).squeeze(1);
  }
}

/** Trains `iters` iterations; returns the mean Loss_D of the last 10 and both networks. */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; netG: Generator; netD: Discriminator } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const x = mnistFirst(true, S.images).x;
  const netG = new Generator(S.nz, S.ngf), netD = new Discriminator(S.ndf);
  netG.apply(weightsInit);
  netD.apply(weightsInit);
  const criterion = new nn.BCELoss();
  const realLabel = 1.0, fakeLabel = 0.0;
  const optD = new optim.Adam(netD.parameters(), { lr: S.lr, betas: [S.beta1, 0.999] });
  const optG = new optim.Adam(netG.parameters(), { lr: S.lr, betas: [S.beta1, 0.999] });
  const b = S.batch, losses: number[] = [];
  const perm = my.randperm(S.images);
  for (let i = 0; i < S.iters; i++) {
    const j = (i * b) % S.images;
    // transforms.Resize(64) + ToTensor + Normalize((0.5,), (0.5,)) of the batch, on tensors
    const real = F.interpolate(x.indexSelect(0, perm.slice(0, j, j + b)), { size: 64, mode: "bilinear", alignCorners: false }).sub(0.5).div(0.5);
    netD.zeroGrad();
    const label = my.full([b], realLabel, { dtype: real.dtype });
    let output = netD.forward(real);
    const errDReal = criterion.forward(output, label);
    errDReal.backward();
    const noise = my.randn(b, S.nz, 1, 1);
    const fake = netG.forward(noise);
    label.fill_(fakeLabel);
    output = netD.forward(fake.detach());
    const errDFake = criterion.forward(output, label);
    errDFake.backward();
    const errD = errDReal.add(errDFake);
    optD.step();
    netG.zeroGrad();
    label.fill_(realLabel);
    output = netD.forward(fake);
    const errG = criterion.forward(output, label);
    errG.backward();
    optG.step();
    losses.push(errD.item());
  }
  return { metric: losses.slice(-10).reduce((a, c) => a + c, 0) / 10, netG, netD };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`dcgan seed ${S.seed}: Loss_D (last 10) ${run(S).metric.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
