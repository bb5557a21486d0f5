// The zoo's Autoencoder/VAE (src/models/autoencoder.ts), the PNG writer (src/models/png.ts)
// and the vae-mnist example. References: PyTorch (test/fixtures/models_zoo.json from
// gen_models_zoo.py: same architectures, weights loaded by key), the Gaussian KL by
// numerical integration, Node's zlib (inflate + crc32) for the PNG, and on real
// MNIST digits the trivial baseline of predicting the mean training image.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32 as zlibCrc32, deflateSync, inflateSync } from "node:zlib";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { loadMnistImages, trainVaeMnist } from "../../examples/vae-mnist/train.js";

const { models, F } = my;
interface T { shape: number[]; data: number[] }
const ten = (t: T): Tensor => my.tensor(t.data, { shape: t.shape });
const stateDict = (sd: Record<string, T>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, ten(v)]));
const fx = loadFixture<Record<string, Record<string, any>>>("models_zoo");

test("Autoencoder loads a PyTorch state dict by key and reproduces its codes and logits", () => {
  const f = fx.autoencoder;
  const ae = new models.Autoencoder({ hidden: 6, latent: 3, inFeatures: 16, imageShape: [1, 4, 4] });
  assert.deepEqual(Object.keys(ae.stateDict()), Object.keys(f.stateDict));
  const r = ae.loadStateDict(stateDict(f.stateDict));
  assert.deepEqual([r.missingKeys, r.unexpectedKeys], [[], []]);
  const x = ten(f.x);
  assertClose(ae.encode(x), f.codes.data, { atol: 1e-5 });
  const logits = ae.forward(x);
  assert.deepEqual(logits.shape, [3, 1, 4, 4]);
  assertClose(logits, f.logits.data, { atol: 1e-5 });
});

test("VAE matches PyTorch: state-dict keys (fc_mu, fc_logvar), mu/logvar, eval-mode logits, BCE and KL of the loss", () => {
  const f = fx.vae;
  const vae = new models.VAE({ hidden: 6, latent: 2, inFeatures: 16, imageShape: [1, 4, 4] });
  assert.deepEqual(Object.keys(vae.stateDict()), Object.keys(f.stateDict));
  vae.loadStateDict(stateDict(f.stateDict));
  const x = ten(f.x);
  const [mu, logvar] = vae.encode(x);
  assertClose(mu, f.mu.data, { atol: 1e-5 });
  assertClose(logvar, f.logvar.data, { atol: 1e-5 });
  vae.eval(); // z = mu
  const [logits] = vae.forward(x);
  assertClose(logits, f.logitsAtMu.data, { atol: 1e-5 });
  const parts = models.vaeLoss(logits, x, mu, logvar);
  assertClose(parts.bce.item(), f.bce, { rtol: 1e-5 });
  assertClose(parts.kl.item(), f.kl, { rtol: 1e-5, atol: 1e-6 });
  assertClose(parts.loss.item(), f.bce + f.kl, { rtol: 1e-5 });
});

test("gaussianKl equals KL(N(mu, s^2) || N(0, 1)) by numerical integration, summed over dims", () => {
  const cases: [number, number][] = [[0, 0], [1.5, 0], [0, -1], [-0.7, 0.8], [2, -2.5]];
  const kls = cases.map(([m, lv]) => {
    const s = Math.exp(lv / 2);
    // ∫ p log(p/q) with p = N(m, s²), q = N(0, 1), midpoint rule over ±12 s
    let kl = 0;
    const lo = m - 12 * s, h = (24 * s) / 20000;
    for (let i = 0; i < 20000; i++) {
      const z = lo + (i + 0.5) * h;
      const logp = -0.5 * ((z - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
      const logq = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
      kl += Math.exp(logp) * (logp - logq) * h;
    }
    return kl;
  });
  const mu = my.tensor(cases.map((c) => c[0]), { dtype: "float64" }), lv = my.tensor(cases.map((c) => c[1]), { dtype: "float64" });
  assertClose(models.gaussianKl(mu.reshape([5, 1]), lv.reshape([5, 1])), kls, { rtol: 1e-6, atol: 1e-9 });
  // one row holding all five dims: the KL of independent dims adds up
  assertClose(models.gaussianKl(mu.reshape([1, 5]), lv.reshape([1, 5])), [kls.reduce((a, b) => a + b)], { rtol: 1e-6 });
});

test("reparameterize: z = mu + exp(logvar/2)·eps has the requested moments and pathwise gradients", () => {
  const vae = new models.VAE({ hidden: 4, latent: 2, inFeatures: 16, imageShape: [1, 4, 4] });
  const n = 20000;
  const mu = my.tensor([0.5, -2]).expand([n, 2]).contiguous().requiresGrad_();
  const logvar = my.tensor([0, Math.log(0.25)]).expand([n, 2]).contiguous().requiresGrad_();
  const z = vae.reparameterize(mu, logvar, new my.Generator(3));
  const m = z.mean(0).data(), sd = z.std(0).data();
  // standard error of the mean is sd/sqrt(n) < 0.0071; of the sd about sd/sqrt(2n) < 0.005
  assert.ok(Math.abs(m[0] - 0.5) < 0.03 && Math.abs(m[1] + 2) < 0.03, `means ${m[0]}, ${m[1]}`);
  assert.ok(Math.abs(sd[0] - 1) < 0.02 && Math.abs(sd[1] - 0.5) < 0.02, `stds ${sd[0]}, ${sd[1]}`);
  // dz/dmu = 1, dz/dlogvar = ½·exp(logvar/2)·eps = ½·(z − mu)
  z.sum().backward();
  assertClose(mu.grad!.mean(0), [1, 1]);
  const expected = z.detach().sub(mu.detach()).mul(0.5);
  assertClose(logvar.grad!, Array.from(expected.data()), { atol: 1e-6 });
});

test("encodePng: valid chunks (zlib crc32), pixels recovered by zlib inflate; stored and deflated streams agree", () => {
  const w = 70, h = 1000; // > 65535 raw bytes: several stored blocks
  const px = new Uint8Array(w * h);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + (i >> 8)) & 0xff;
  for (const png of [models.encodePng(px, w, h), models.encodePng(px, w, h, 1, { deflate: (d) => new Uint8Array(deflateSync(d)) })]) {
    assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
    const dv = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const types: string[] = [];
    let idat: Uint8Array | null = null;
    while (o < png.length) {
      const len = dv.getUint32(o), type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      types.push(type);
      assert.equal(dv.getUint32(o + 8 + len), zlibCrc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`);
      if (type === "IHDR") assert.deepEqual([dv.getUint32(o + 8), dv.getUint32(o + 12), png[o + 16], png[o + 17]], [w, h, 8, 0]);
      if (type === "IDAT") idat = png.subarray(o + 8, o + 8 + len);
      o += 12 + len;
    }
    assert.deepEqual(types, ["IHDR", "IDAT", "IEND"]);
    const raw = inflateSync(idat!); // also checks the Adler-32 trailer
    assert.equal(raw.length, h * (w + 1));
    for (let y = 0; y < h; y++) {
      assert.equal(raw[y * (w + 1)], 0);
      for (let x = 0; x < w; x++) if (raw[y * (w + 1) + 1 + x] !== px[y * w + x]) assert.fail(`pixel (${x}, ${y})`);
    }
  }
});

test("imageGrid tiles [N, 1, H, W] row-major with padding and maps the range to 0..255", () => {
  const imgs = my.tensor([[[[-1, 1]]], [[[0, 2]]], [[[1, -3]]]]); // 3 images of 1x2
  const { pixels, width, height } = models.imageGrid(imgs, { nrow: 2, padding: 1, range: [-1, 1], padValue: 9 });
  assert.deepEqual([width, height], [2 * 3 + 1, 2 * 2 + 1]);
  const at = (x: number, y: number) => pixels[y * width + x];
  assert.deepEqual([at(1, 1), at(2, 1), at(4, 1), at(5, 1), at(1, 3), at(2, 3)], [0, 255, 128, 255, 255, 0]);
  assert.deepEqual([at(0, 0), at(3, 1), at(4, 3)], [9, 9, 9]); // padding and the empty fourth slot
  assert.throws(() => models.imageGrid(my.zeros([2, 3, 4, 4])), /imageGrid: expected grayscale images \[N, 1, H, W\]/);
});

test("vae-mnist: on 1500 digits, AE and VAE test BCE per pixel is far below the mean-image baseline", () => {
  const d = loadMnistImages(1500, 500, 0);
  // Trivial baseline: predict every test pixel by the mean training image.
  const mean = d.trainX.mean(0, true).clamp(1e-4, 1 - 1e-4);
  const baseline = F.binaryCrossEntropy(mean.expand(d.testX.shape).contiguous(), d.testX).item();
  assert.ok(baseline > 0.2 && baseline < 0.3, `mean-image BCE ${baseline}`); // MNIST: ~0.26 nats/pixel
  const ae = trainVaeMnist({ model: "ae", epochs: 4, batchSize: 50, lr: 4e-3, data: d, seed: 0 });
  assert.ok(ae.testBcePerPixel < 0.7 * baseline, `AE test BCE ${ae.testBcePerPixel} vs baseline ${baseline}`);
  const vae = trainVaeMnist({ model: "vae", epochs: 4, batchSize: 50, lr: 4e-3, data: d, seed: 0 });
  assert.ok(vae.testBcePerPixel < 0.75 * baseline, `VAE test BCE ${vae.testBcePerPixel} vs baseline ${baseline}`);
  const e = vae.testElbo!;
  assert.ok(e.kl > 1 && Math.abs(e.loss - e.bce - e.kl) < 1e-3 * e.loss, `ELBO parts ${JSON.stringify(e)}`);
  assert.ok(vae.trainLoss[3] < vae.trainLoss[0], `train loss ${vae.trainLoss}`);
});
