/**
 * exportOnnx checked against an independent runtime: onnxruntime-node runs the
 * exported bytes and must reproduce myelin's eager outputs within float32 tolerance
 * (MLP, CNN with BatchNorm, LSTM, GRU, Transformer encoder, Embedding model), with a
 * dynamic batch axis. Also: custom modules export through toOnnx or fail by name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { nn, io } = my;

function feed(x: my.Tensor): ort.Tensor {
  return x.dtype === "int32"
    ? new ort.Tensor("int64", BigInt64Array.from(Array.from(x.data() as Int32Array, (v) => BigInt(v))), x.shape)
    : new ort.Tensor("float32", x.data() as Float32Array, x.shape);
}

async function check(model: my.nn.Module, x: my.Tensor, other: my.Tensor, nOut = 1): Promise<void> {
  model.eval();
  const bytes = io.exportOnnx(model, [x], { dynamicAxes: { input_0: { 0: "batch" } } });
  const sess = await ort.InferenceSession.create(bytes);
  // `other` has a different batch size: the exported graph must not bake in the example's batch.
  for (const inp of [x, other]) {
    const res = await sess.run({ input_0: feed(inp) });
    const want = my.noGrad(() => model.forward(inp)) as my.Tensor | my.Tensor[];
    const wants = (Array.isArray(want) ? want.flat() : [want]) as my.Tensor[];
    assert.equal(Object.keys(res).length, nOut);
    for (let k = 0; k < nOut; k++) {
      const got = res[`output_${k}`];
      assert.deepEqual([...got.dims], wants[k].shape);
      assertClose(Array.from(got.data as Float32Array), Array.from(wants[k].data() as Float32Array), { atol: 2e-5, rtol: 1e-4 });
    }
  }
}

test("exportOnnx: MLP (Gemm, activations, LogSoftmax) runs in onnxruntime", async () => {
  my.manualSeed(1);
  const m = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 8), new nn.LeakyReLU(0.2), new nn.Linear(8, 8), new nn.ELU(0.5),
    new nn.Linear(8, 8), new nn.Sigmoid(), new nn.Dropout(0.3), new nn.Linear(8, 3), new nn.LogSoftmax(1));
  await check(m, my.randn([2, 4]), my.randn([5, 4]));
});

test("exportOnnx: CNN with BatchNorm (eval), pools, GELU, SiLU, Flatten, ConvTranspose", async () => {
  my.manualSeed(2);
  const m = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.GELU(), new nn.AvgPool2d(2),
    new nn.Conv2d(3, 4, 3, { padding: "same", dilation: 2 }), new nn.SiLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2), new nn.Tanh());
  m.train();
  my.noGrad(() => m.forward(my.randn([6, 1, 8, 8]))); // non-trivial running statistics
  await check(m, my.randn([2, 1, 8, 8]), my.randn([3, 1, 8, 8]));
});

test("exportOnnx: Conv1d + BatchNorm1d + MaxPool1d + LayerNorm + Softmax", async () => {
  my.manualSeed(3);
  const m = new nn.Sequential(new nn.Conv1d(2, 4, 3, { stride: 2 }), new nn.BatchNorm1d(4), new nn.MaxPool1d(2, { ceilMode: true }), new nn.LayerNorm(3), new nn.Softmax(-1));
  await check(m, my.randn([2, 2, 12]), my.randn([1, 2, 12]));
});

test("exportOnnx: LSTM (2 layers, bidirectional, batchFirst) → ONNX LSTM with iofc gates", async () => {
  my.manualSeed(4);
  const m = new nn.LSTM(3, 5, { numLayers: 2, batchFirst: true, bidirectional: true });
  await check(m, my.randn([2, 4, 3]), my.randn([3, 4, 3]), 3);
});

test("exportOnnx: GRU → ONNX GRU with zrh gates and linear_before_reset", async () => {
  my.manualSeed(5);
  const x = my.randn([4, 2, 3]); // sequence-first: dim 0 is time, so no second batch size
  await check(new nn.GRU(3, 6, { numLayers: 2 }), x, x, 2);
});

test("exportOnnx: TransformerEncoder (post-norm and pre-norm, relu and gelu)", async () => {
  my.manualSeed(6);
  for (const [normFirst, activation, batchFirst] of [[false, "relu", true], [true, "gelu", false]] as const) {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst, normFirst, activation });
    const m = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
    const shape = (b: number) => (batchFirst ? [b, 5, 8] : [5, b, 8]);
    if (batchFirst) await check(m, my.randn(shape(2)), my.randn(shape(3)));
    else {
      // Sequence-first: the dynamic axis is dim 1, so compare on the example batch only.
      const x = my.randn(shape(2));
      await check(m, x, x);
    }
  }
});

test("exportOnnx: Embedding (Gather with int64 indices) and writes a file when given a path", async () => {
  my.manualSeed(7);
  const m = new nn.Sequential(new nn.Embedding(10, 4), new nn.Flatten(), new nn.Linear(12, 2));
  const x = my.tensor([[1, 2, 3], [4, 5, 9]], { dtype: "int32" });
  await check(m, x, my.tensor([[0, 9, 9]], { dtype: "int32" }));
  const path = join(mkdtempSync(join(tmpdir(), "myelin-onnx-")), "emb.onnx");
  const bytes = io.exportOnnx(m, [x], path);
  assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
});

test("exportOnnx: initialisers carry state-dict names; importOnnx of the export has the same stateDict", () => {
  my.manualSeed(8);
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const back = io.importOnnx(io.exportOnnx(m, [my.randn([1, 3])]));
  const a = m.stateDict(), b = back.stateDict();
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const k of Object.keys(a)) assert.deepEqual(b[k].toArray(), a[k].toArray());
});

test("exportOnnx: custom modules use toOnnx, others are traced; an op the tracer cannot write is named in the error", async () => {
  class Residual extends nn.Module {
    fc = new nn.Linear(4, 4);
    override forward(x: my.Tensor): my.Tensor {
      return x.add(this.fc.forward(x)).relu();
    }
    toOnnx(ctx: my.io.OnnxExportContext, x: my.io.OnnxValue): my.io.OnnxValue {
      const h = ctx.call(this.fc, x) as my.io.OnnxValue;
      const s = ctx.op("Add", [x, h])[0];
      return ctx.value(ctx.op("Relu", [s])[0], this.forward(x.t));
    }
  }
  my.manualSeed(9);
  await check(new Residual(), my.randn([2, 4]), my.randn([3, 4]));
  // A custom forward without toOnnx is traced (its ops recorded); an op the tracer cannot write is named.
  class Traced extends nn.Module {
    override forward(x: my.Tensor): my.Tensor {
      return x.exp();
    }
  }
  await check(new Traced(), my.randn([2, 3]), my.randn([4, 3]));
  class Opaque extends nn.Module {
    override forward(x: my.Tensor): my.Tensor {
      return x.cumprod(0);
    }
  }
  assert.throws(() => io.exportOnnx(new Opaque(), [my.randn([2])]), /the forward of Opaque ran CumprodBackward.*give the module that runs it a toOnnx/);
});
