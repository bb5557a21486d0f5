// Trace-based exportOnnx checked against onnxruntime-node: the models of the six
// PyTorch example ports (examples/pytorch-ports/), untrained, including custom
// forwards (the word language model's forward(input, [h, c]) with nested inputs and
// outputs, the sequence model's LSTMCell loop in float64, the GCN's sparse product).
// ORT's outputs must equal myelin's eager outputs within float32 tolerance.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import * as my from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { Net } from "../../examples/pytorch-ports/mnist.js";
import { VAE } from "../../examples/pytorch-ports/vae.js";
import { Discriminator, Generator, weightsInit } from "../../examples/pytorch-ports/dcgan.js";
import { RNNModel } from "../../examples/pytorch-ports/word_language_model.js";
import { Sequence, sineWaves } from "../../examples/pytorch-ports/time_sequence_prediction.js";
import { GCN } from "../../examples/pytorch-ports/gcn.js";

const { nn, io } = my;
type Nested = Tensor | Nested[];

function feed(x: Tensor): ort.Tensor {
  if (x.dtype === "int32") return new ort.Tensor("int64", BigInt64Array.from(Array.from(x.data() as Int32Array, (v) => BigInt(v))), x.shape);
  return new ort.Tensor(x.dtype === "float64" ? "float64" : "float32", x.data() as Float32Array, x.shape);
}
const flat = (x: Nested): Tensor[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);

/** Exports `model` on `args` and checks every output of ORT against model.forward(...args). */
async function check(model: InstanceType<typeof nn.Module>, args: Nested[], tol = { atol: 2e-5, rtol: 1e-4 }): Promise<Uint8Array> {
  model.eval();
  const bytes = io.exportOnnx(model, args);
  const sess = await ort.InferenceSession.create(bytes);
  const inputs = flat(args);
  const res = await sess.run(Object.fromEntries(inputs.map((t, i) => [`input_${i}`, feed(t)])));
  const want = flat(my.noGrad(() => (model.forward as (...a: unknown[]) => Nested)(...args)));
  assert.equal(Object.keys(res).length, want.length);
  want.forEach((w, k) => {
    const got = res[`output_${k}`];
    assert.deepEqual([...got.dims], w.shape, `output_${k} shape`);
    assertClose(Array.from(got.data as Float32Array), Array.from(w.data() as Float32Array), tol);
  });
  return bytes;
}

test("exportOnnx traces the mnist port's Net (F.relu, F.maxPool2d, my.flatten, F.logSoftmax between layers); a dynamic batch stays dynamic", async () => {
  my.manualSeed(1);
  const net = new Net();
  await check(net, [my.randn(2, 1, 28, 28)]);
  const sess = await ort.InferenceSession.create(io.exportOnnx(net, [my.randn(2, 1, 28, 28)], { dynamicAxes: { input_0: { 0: "batch" }, output_0: { 0: "batch" } } }));
  const x5 = my.randn(5, 1, 28, 28);
  const got = (await sess.run({ input_0: feed(x5) })).output_0;
  assert.deepEqual([...got.dims], [5, 10]);
  assertClose(Array.from(got.data as Float32Array), Array.from(my.noGrad(() => net.forward(x5)).data() as Float32Array), { atol: 2e-5, rtol: 1e-4 });
});

test("exportOnnx traces the vae port: encode + decode (reparameterize's noise left out: decode(mu))", async () => {
  my.manualSeed(2);
  class Recon extends nn.Module {
    vae = new VAE();
    override forward(x: Tensor): Tensor[] {
      const [mu, logvar] = this.vae.encode(x.view(-1, 784));
      return [this.vae.decode(mu), mu, my.exp(logvar.mul(0.5))];
    }
  }
  await check(new Recon(), [my.rand(3, 1, 28, 28)]);
});

test("exportOnnx traces the dcgan port's generator and discriminator (ConvTranspose2d, BatchNorm, view/squeeze)", async () => {
  my.manualSeed(3);
  const G = new Generator(16, 4), D = new Discriminator(4);
  G.apply(weightsInit); D.apply(weightsInit);
  await check(G, [my.randn(2, 16, 1, 1)]);
  await check(D, [my.randn(2, 1, 64, 64)]);
});

test("exportOnnx traces the word language model: custom forward(input, [h, c]) → [logp, [h, c]], nested inputs and outputs flattened", async () => {
  my.manualSeed(4);
  const model = new RNNModel(50, 8, 12, 2, 0.2);
  const input = my.randint(0, 50, [5, 3], { dtype: "int32" });
  const [h, c] = model.initHidden(3).map((t) => my.randn(t.shape).mul(0.5));
  const bytes = await check(model, [input, [h, c]]);
  const sess = await ort.InferenceSession.create(bytes);
  assert.deepEqual(sess.inputNames, ["input_0", "input_1", "input_2"]);
  assert.deepEqual(sess.outputNames, ["output_0", "output_1", "output_2"]);
});

test("exportOnnx traces the time-sequence model: LSTMCell steps, split/cat, future steps, float64", async () => {
  my.manualSeed(5);
  const seq = new Sequence();
  seq.double();
  class Ahead extends nn.Module {
    seq = seq;
    override forward(x: Tensor): Tensor {
      return this.seq.forward(x, 3);
    }
  }
  await check(new Ahead(), [sineWaves(3, 8, 20)], { atol: 1e-10, rtol: 1e-9 });
});

test("exportOnnx traces the gcn port: sparse.mm with the adjacency as constants", async () => {
  my.manualSeed(6);
  const n = 7;
  const idx = my.tensor([[0, 1, 1, 2, 3, 4, 5, 6, 0, 6], [1, 0, 2, 1, 4, 3, 6, 5, 0, 6]], { dtype: "int32" });
  const adj = my.sparseCooTensor(idx, my.rand(10), [n, n]);
  class OnGraph extends nn.Module {
    gcn = new GCN(5, 4, 3, true, 0.5);
    override forward(x: Tensor): Tensor {
      return this.gcn.forward(x, adj);
    }
  }
  await check(new OnGraph(), [my.randn(n, 5)]);
});

test("exportOnnx traces views and inferred attributes: permute, strided slice, select, expand, sum dims, softmax axis, matmul of a transpose", async () => {
  my.manualSeed(7);
  class Glue extends nn.Module {
    w = nn.Parameter(my.randn(4, 6));
    override forward(x: Tensor, y: Tensor): Tensor[] {
      const p = x.permute(0, 2, 1); // [2, 4, 3]
      const s = p.slice(2, 0, 3, 2).select(1, 1); // [2, 2]
      const e = y.unsqueeze(0).expand(2, 3, 4).sum(1); // [2, 4]
      const m = e.matmul(this.w).softmax(0).add(s.sum(1, true)); // [2, 6]
      return [m, my.cat([s, e.t().matmul(s)], 0).mul(2).sub(1)];
    }
  }
  await check(new Glue(), [my.randn(2, 3, 4), my.randn(3, 4)]);
});

test("exportOnnx: an op the tracer cannot write is named in the error", () => {
  class Cum extends nn.Module {
    override forward(x: Tensor): Tensor {
      return x.cumsum(0);
    }
  }
  assert.throws(() => io.exportOnnx(new Cum(), [my.randn(3)]), /exportOnnx: the forward of Cum ran CumsumBackward .* toOnnx/);
});
