/**
 * Port of PyTorch's examples/vae: a fully connected variational autoencoder on MNIST
 * (784-400-20 encoder, reparameterised sample, 20-400-784 decoder), loss = summed BCE
 * + KL divergence, Adam. The metric is the average test loss per image (the test pass
 * samples z as the original does). vae.py beside it runs the original logic.
 *
 * Run: npx tsx examples/pytorch-ports/vae.ts [--train 5000] [--test 1000] [--epochs 2] [--seed 0]
 */
import * as my from "myelin";
import type { Tensor } from "myelin";
import { flags, isMain, mnistFirst } from "./common.js";

const { nn, F, optim } = my;

export const DEFAULTS = { train: 5000, test: 1000, epochs: 2, batch: 128, lr: 1e-3, seed: 0 };

export class VAE extends nn.Module {
  fc1 = new nn.Linear(784, 400);
  fc21 = new nn.Linear(400, 20);
  fc22 = new nn.Linear(400, 20);
  fc3 = new nn.Linear(20, 400);
  fc4 = new nn.Linear(400, 784);

  encode(x: Tensor): [Tensor, Tensor] {
    const h1 = F.relu(this.fc1.forward(x));
    return [this.fc21.forward(h1), this.fc22.forward(h1)];
  }

  reparameterize(mu: Tensor, logvar: Tensor): Tensor {
    const std = my.exp(logvar.mul(0.5));
    return mu.add(my.randnLike(std).mul(std));
  }

  decode(z: Tensor): Tensor {
    return my.sigmoid(this.fc4.forward(F.relu(this.fc3.forward(z))));
  }

  override forward(x: Tensor): [Tensor, Tensor, Tensor] {
    const [mu, logvar] = this.encode(x.view(-1, 784));
    return [this.decode(this.reparameterize(mu, logvar)), mu, logvar];
  }
}

export function lossFunction(reconX: Tensor, x: Tensor, mu: Tensor, logvar: Tensor): Tensor {
  const bce = F.binaryCrossEntropy(reconX, x.view(-1, 784), { reduction: "sum" });
  const kld = my.sum(logvar.add(1).sub(mu.pow(2)).sub(logvar.exp())).mul(-0.5);
  return bce.add(kld);
}

/** Trains on the first `train` images; returns the average test loss per image. */
export function run(opts: Partial<typeof DEFAULTS> = {}): { metric: number; model: VAE } {
  const S = { ...DEFAULTS, ...opts };
  my.manualSeed(S.seed);
  const xtr = mnistFirst(true, S.train).x, xte = mnistFirst(false, S.test).x;
  const model = new VAE();
  const opt = new optim.Adam(model.parameters(), S.lr);
  for (let epoch = 0; epoch < S.epochs; epoch++) {
    model.train();
    const perm = my.randperm(S.train);
    for (let i = 0; i < S.train; i += S.batch) {
      const data = xtr.indexSelect(0, perm.slice(0, i, i + S.batch));
      opt.zeroGrad();
      const [recon, mu, logvar] = model.forward(data);
      const loss = lossFunction(recon, data, mu, logvar);
      loss.backward();
      opt.step();
    }
  }
  model.eval();
  let testLoss = 0;
  my.noGrad(() => {
    for (let i = 0; i < S.test; i += S.batch) {
      const data = xte.slice(0, i, i + S.batch);
      const [recon, mu, logvar] = model.forward(data);
      testLoss += lossFunction(recon, data, mu, logvar).item();
    }
  });
  return { metric: testLoss / S.test, model };
}

if (isMain(import.meta.url)) {
  const S = flags(DEFAULTS);
  const t0 = performance.now();
  console.log(`vae seed ${S.seed}: test loss per image ${run(S).metric.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
