/**
 * Reference autoencoders for 28×28 grayscale images (MNIST): a plain MLP autoencoder
 * and a variational autoencoder (Kingma & Welling, 2014) with the reparameterisation
 * trick and the closed-form Gaussian KL term. Decoders output logits, so the
 * reconstruction loss is `F.binaryCrossEntropyWithLogits` (numerically stable) and
 * images are `logits.sigmoid()`.
 *
 * Field names follow the PyTorch modules below, so their state dicts load unchanged:
 *
 *     class Autoencoder(nn.Module):          # Autoencoder(hidden, latent)
 *         def __init__(s, hidden=256, latent=32):
 *             super().__init__()
 *             s.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, latent))
 *             s.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Unflatten(1, (1, 28, 28)))
 *     class VAE(nn.Module):                  # VAE(hidden, latent)
 *         def __init__(s, hidden=400, latent=20):
 *             super().__init__()
 *             s.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())
 *             s.fc_mu = nn.Linear(hidden, latent); s.fc_logvar = nn.Linear(hidden, latent)
 *             s.decoder = <same as Autoencoder.decoder>
 */
import * as nn from "../nn/index.js";
import * as F from "../nn/functional/index.js";
import { randn } from "../ops/creation.js";
import type { Generator } from "../core/random.js";
import type { Tensor } from "../core/tensor.js";

/** Options of the MLP autoencoders. */
export interface AutoencoderOptions {
  /** Width of the hidden layer (Autoencoder: 256, VAE: 400). */
  hidden?: number;
  /** Size of the code / latent space (Autoencoder: 32, VAE: 20). */
  latent?: number;
  /** Pixels per image (default 784 = 28×28). */
  inFeatures?: number;
  /** Shape each decoded image is unflattened to (default [1, 28, 28]). */
  imageShape?: number[];
}

function mlpDecoder(latent: number, hidden: number, inFeatures: number, imageShape: number[]): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(latent, hidden), new nn.ReLU(),
    new nn.Linear(hidden, inFeatures),
    new nn.Unflatten(1, imageShape),
  );
}

/**
 * MLP autoencoder 784 → hidden → latent → hidden → 784. `forward(x)` maps images
 * [N, 1, 28, 28] to reconstruction logits of the same shape; `encode` gives codes [N, latent].
 * @example const ae = new Autoencoder(); const loss = F.binaryCrossEntropyWithLogits(ae.forward(x), x);
 */
export class Autoencoder extends nn.Module {
  encoder: nn.Sequential;
  decoder: nn.Sequential;
  readonly latent: number;

  constructor(opts: AutoencoderOptions = {}) {
    super();
    const hidden = opts.hidden ?? 256, latent = opts.latent ?? 32, inF = opts.inFeatures ?? 784;
    this.latent = latent;
    this.encoder = new nn.Sequential(new nn.Flatten(), new nn.Linear(inF, hidden), new nn.ReLU(), new nn.Linear(hidden, latent));
    this.decoder = mlpDecoder(latent, hidden, inF, opts.imageShape ?? [1, 28, 28]);
  }

  /** Codes [N, latent] of images [N, ...imageShape]. */
  encode(x: Tensor): Tensor {
    return this.encoder.forward(x) as Tensor;
  }

  /** Reconstruction logits [N, ...imageShape] of codes [N, latent]. */
  decode(z: Tensor): Tensor {
    return this.decoder.forward(z) as Tensor;
  }

  override forward(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }
}

/**
 * Variational autoencoder: the encoder gives the mean and log-variance of a diagonal
 * Gaussian q(z|x); `forward` samples z = μ + σ·ε with ε ~ N(0, I) (the
 * reparameterisation trick, so gradients flow through μ and σ) and decodes it.
 * @example const [logits, mu, logvar] = vae.forward(x); const { loss } = vaeLoss(logits, x, mu, logvar);
 */
export class VAE extends nn.Module {
  encoder: nn.Sequential;
  fcMu: nn.Linear;
  fcLogvar: nn.Linear;
  decoder: nn.Sequential;
  readonly latent: number;

  constructor(opts: AutoencoderOptions = {}) {
    super();
    const hidden = opts.hidden ?? 400, latent = opts.latent ?? 20, inF = opts.inFeatures ?? 784;
    this.latent = latent;
    this.encoder = new nn.Sequential(new nn.Flatten(), new nn.Linear(inF, hidden), new nn.ReLU());
    this.fcMu = new nn.Linear(hidden, latent);
    this.fcLogvar = new nn.Linear(hidden, latent);
    this.decoder = mlpDecoder(latent, hidden, inF, opts.imageShape ?? [1, 28, 28]);
  }

  /** Mean and log-variance [N, latent] of q(z | x). */
  encode(x: Tensor): [Tensor, Tensor] {
    const h = this.encoder.forward(x) as Tensor;
    return [this.fcMu.forward(h), this.fcLogvar.forward(h)];
  }

  /** z = μ + exp(½·logvar)·ε, ε ~ N(0, I) drawn from `generator` (default: the global one). */
  reparameterize(mu: Tensor, logvar: Tensor, generator?: Generator): Tensor {
    const eps = randn(mu.shape, { generator });
    return mu.add(logvar.mul(0.5).exp().mul(eps));
  }

  /** Image logits [N, ...imageShape] of latent codes [N, latent]. */
  decode(z: Tensor): Tensor {
    return this.decoder.forward(z) as Tensor;
  }

  /**
   * [logits, mu, logvar]. In eval mode z = μ (no sampling), which is what one wants
   * for deterministic reconstructions; the ELBO estimate uses training mode.
   */
  override forward(x: Tensor, generator?: Generator): [Tensor, Tensor, Tensor] {
    const [mu, logvar] = this.encode(x);
    const z = this.training ? this.reparameterize(mu, logvar, generator) : mu;
    return [this.decode(z), mu, logvar];
  }

  /** Decodes `n` draws from the prior N(0, I) into images in [0, 1], [n, ...imageShape]. */
  sample(n: number, generator?: Generator): Tensor {
    return this.decode(randn([n, this.latent], { generator })).sigmoid();
  }
}

/**
 * KL(N(μ, diag(exp(logvar))) ‖ N(0, I)) in closed form, summed over latent dims:
 * −½ Σ (1 + logvar − μ² − exp(logvar)). Returns one value per row, [N].
 */
export function gaussianKl(mu: Tensor, logvar: Tensor): Tensor {
  return logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum(1).mul(-0.5);
}

/** The three parts of the negative ELBO, each averaged over the batch (nats per image). */
export interface VaeLoss {
  /** bce + kl: the negative ELBO, to minimise. */
  loss: Tensor;
  /** Bernoulli reconstruction term −log p(x|z), summed over pixels. */
  bce: Tensor;
  /** KL(q(z|x) ‖ p(z)), summed over latent dims. */
  kl: Tensor;
}

/**
 * Negative ELBO of a Bernoulli-decoder VAE: BCE(logits, x) summed over pixels plus
 * `beta`·KL (β-VAE; default 1), both averaged over the batch.
 */
export function vaeLoss(logits: Tensor, x: Tensor, mu: Tensor, logvar: Tensor, beta = 1): VaeLoss {
  const n = x.shape[0];
  const bce = F.binaryCrossEntropyWithLogits(logits, x, { reduction: "sum" }).div(n);
  const kl = gaussianKl(mu, logvar).mean();
  return { loss: beta === 1 ? bce.add(kl) : bce.add(kl.mul(beta)), bce, kl };
}
