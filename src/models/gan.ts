/**
 * Reference GANs for 28×28 grayscale images (MNIST): an MLP generator/discriminator
 * pair (Goodfellow et al., 2014) and a DCGAN-style pair (Radford et al., 2016:
 * ConvTranspose2d + BatchNorm + ReLU generator ending in Tanh, strided Conv2d +
 * LeakyReLU discriminator), plus the losses: the non-saturating GAN loss and the
 * WGAN-GP critic loss with its gradient penalty (Gulrajani et al., 2017), computed
 * through `grad(..., {createGraph: true})` so the penalty itself is differentiated.
 *
 * Generators map noise to images in [-1, 1] (train on `2x - 1`); discriminators
 * return one logit / critic score per image, [N, 1]. All models are nn.Sequential,
 * so state-dict keys are PyTorch's Sequential numbering ("0.weight", "1.weight", ...):
 *
 *     dcgan_generator(nz=64, ngf=32) = nn.Sequential(
 *         nn.Unflatten(1, (nz, 1, 1)),
 *         nn.ConvTranspose2d(nz, 2*ngf, 7, 1, 0, bias=False), nn.BatchNorm2d(2*ngf), nn.ReLU(),
 *         nn.ConvTranspose2d(2*ngf, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
 *         nn.ConvTranspose2d(ngf, 1, 4, 2, 1), nn.Tanh())
 *     dcgan_discriminator(ndf=32) = nn.Sequential(
 *         nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
 *         nn.Conv2d(ndf, 2*ndf, 4, 2, 1), nn.LeakyReLU(0.2),
 *         nn.Flatten(), nn.Linear(2*ndf*7*7, 1))
 */
import * as nn from "../nn/index.js";
import * as F from "../nn/functional/index.js";
import { grad } from "../core/engine.js";
import { onesLike, rand, zerosLike } from "../ops/creation.js";
import type { Generator } from "../core/random.js";
import type { Tensor } from "../core/tensor.js";

/** Options of the GAN builders. */
export interface GanOptions {
  /** Noise dimension of the generator (default 64). */
  latent?: number;
  /** Width: hidden units of the first MLP layer (default 256), or base channels of the DCGAN (default 32). */
  width?: number;
}

/**
 * MLP generator: z [N, latent] → Linear(latent, w) → LeakyReLU(0.2) → Linear(w, 2w)
 * → LeakyReLU(0.2) → Linear(2w, 784) → Tanh → images [N, 1, 28, 28] in [-1, 1].
 * @example const fake = mlpGenerator().forward(my.randn([16, 64]));
 */
export function mlpGenerator(opts: GanOptions = {}): nn.Sequential {
  const z = opts.latent ?? 64, w = opts.width ?? 256;
  return new nn.Sequential(
    new nn.Linear(z, w), new nn.LeakyReLU(0.2),
    new nn.Linear(w, 2 * w), new nn.LeakyReLU(0.2),
    new nn.Linear(2 * w, 784), new nn.Tanh(),
    new nn.Unflatten(1, [1, 28, 28]),
  );
}

/**
 * MLP discriminator: images [N, 1, 28, 28] → Flatten → Linear(784, 2w) → LeakyReLU(0.2)
 * → Linear(2w, w) → LeakyReLU(0.2) → Linear(w, 1): one logit per image, [N, 1].
 */
export function mlpDiscriminator(opts: GanOptions = {}): nn.Sequential {
  const w = opts.width ?? 256;
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 2 * w), new nn.LeakyReLU(0.2),
    new nn.Linear(2 * w, w), new nn.LeakyReLU(0.2),
    new nn.Linear(w, 1),
  );
}

/**
 * DCGAN generator for 28×28: z [N, latent] → 7×7 (ConvTranspose 7×7) → 14×14 → 28×28
 * (ConvTranspose 4×4, stride 2), BatchNorm + ReLU between, Tanh at the end.
 */
export function dcganGenerator(opts: GanOptions = {}): nn.Sequential {
  const z = opts.latent ?? 64, c = opts.width ?? 32;
  return new nn.Sequential(
    new nn.Unflatten(1, [z, 1, 1]),
    new nn.ConvTranspose2d(z, 2 * c, 7, { bias: false }), new nn.BatchNorm2d(2 * c), new nn.ReLU(),
    new nn.ConvTranspose2d(2 * c, c, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(c), new nn.ReLU(),
    new nn.ConvTranspose2d(c, 1, 4, { stride: 2, padding: 1 }), new nn.Tanh(),
  );
}

/**
 * DCGAN discriminator / WGAN critic for 28×28: two stride-2 4×4 convolutions with
 * LeakyReLU(0.2) (28 → 14 → 7) and a linear score. No BatchNorm, so it is also a valid
 * WGAN-GP critic (the penalty is per sample; batch statistics would couple samples).
 */
export function dcganDiscriminator(opts: GanOptions = {}): nn.Sequential {
  const c = opts.width ?? 32;
  return new nn.Sequential(
    new nn.Conv2d(1, c, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
    new nn.Conv2d(c, 2 * c, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),
    new nn.Flatten(), new nn.Linear(2 * c * 7 * 7, 1),
  );
}

/**
 * DCGAN weight init: conv / conv-transpose / linear weights ~ N(0, 0.02), BatchNorm
 * weights ~ N(1, 0.02) and biases 0 (the DCGAN paper's recipe; PyTorch's DCGAN example).
 */
export function dcganInit(model: nn.Module, generator?: Generator): void {
  model.apply((m) => {
    if (m instanceof nn.Conv2d || m instanceof nn.ConvTranspose2d || m instanceof nn.Linear) {
      nn.init.normal_(m.weight, { mean: 0, std: 0.02, generator });
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d && m.weight && m.bias) {
      nn.init.normal_(m.weight, { mean: 1, std: 0.02, generator });
      nn.init.zeros_(m.bias);
    }
  });
}

/**
 * Discriminator loss of the standard GAN: BCE(D(real), 1) + BCE(D(fake), 0), from
 * logits. Pass `fakeLogits` computed on detached fakes so the generator gets no gradient.
 */
export function discriminatorLoss(realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return F.binaryCrossEntropyWithLogits(realLogits, onesLike(realLogits))
    .add(F.binaryCrossEntropyWithLogits(fakeLogits, zerosLike(fakeLogits)));
}

/** Non-saturating generator loss: BCE(D(G(z)), 1) = −mean log σ(D(G(z))). */
export function generatorLoss(fakeLogits: Tensor): Tensor {
  return F.binaryCrossEntropyWithLogits(fakeLogits, onesLike(fakeLogits));
}

/** Options of `gradientPenalty`. */
export interface GradientPenaltyOptions {
  /** Interpolation weights [N, 1, ..., 1] (default: drawn from U(0, 1)). */
  alpha?: Tensor;
  /** Source of the default α. */
  generator?: Generator;
}

/**
 * WGAN-GP gradient penalty: mean over samples of (‖∇ₓ̂ critic(x̂)‖₂ − 1)², with
 * x̂ = α·real + (1 − α)·fake and α ~ U(0, 1) per sample. The input gradient is taken
 * with `createGraph`, so backpropagating the penalty differentiates through it
 * (a double backward through the critic).
 */
export function gradientPenalty(critic: nn.Module, real: Tensor, fake: Tensor, opts: GradientPenaltyOptions = {}): Tensor {
  const n = real.shape[0];
  const alpha = opts.alpha ?? rand([n, ...real.shape.slice(1).map(() => 1)], { generator: opts.generator, dtype: real.dtype });
  const xhat = real.detach().mul(alpha).add(fake.detach().mul(alpha.neg().add(1))).requiresGrad_();
  const score = critic.forward(xhat) as Tensor;
  const [g] = grad(score.sum(), xhat, { createGraph: true });
  // ε inside the sqrt keeps the norm's gradient finite at g = 0.
  const norms = g!.reshape([n, -1]).square().sum(1).add(1e-12).sqrt();
  return norms.sub(1).square().mean();
}

/**
 * WGAN-GP critic loss: E[critic(fake)] − E[critic(real)] + λ·GP (λ = 10 in the paper).
 * `fake` is detached here. Returns the total and the Wasserstein estimate E[real] − E[fake].
 */
export function wganCriticLoss(critic: nn.Module, real: Tensor, fake: Tensor, lambda = 10, generator?: Generator): { loss: Tensor; wasserstein: Tensor; penalty: Tensor } {
  const fakeD = fake.detach();
  const dReal = (critic.forward(real) as Tensor).mean(), dFake = (critic.forward(fakeD) as Tensor).mean();
  const penalty = gradientPenalty(critic, real, fakeD, { generator });
  return { loss: dFake.sub(dReal).add(penalty.mul(lambda)), wasserstein: dReal.sub(dFake).detach(), penalty };
}

/** WGAN generator loss: −E[critic(G(z))]. */
export function wganGeneratorLoss(fakeScores: Tensor): Tensor {
  return fakeScores.mean().neg();
}
