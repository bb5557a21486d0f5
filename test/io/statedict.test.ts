/**
 * PyTorch state-dict interop for four architectures (MLP, CNN with BatchNorm, 2-layer
 * LSTM, Transformer encoder). PyTorch → myelin: state dicts written by PyTorch
 * (gen_statedict.py) load strictly, with PyTorch's keys in PyTorch's order, and give
 * PyTorch's eval outputs. myelin → PyTorch → myelin: files written by myelin
 * (make-myelin-statedicts.ts) were loaded strictly by PyTorch (`gen_statedict.py
 * verify`), whose outputs must equal myelin's, and whose re-saved state dict must load
 * back bit-identically.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as my from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { buildModel, MODEL_NAMES, type ModelName } from "./statedict-models.js";

const fx = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "statedict");

interface Meta {
  keys: string[];
  shapes: Record<string, number[]>;
  input_dtype: "int64" | "float32";
  input_shape: number[];
  input: unknown;
  output_shape: number[];
  output: unknown;
}

const meta = (name: ModelName): Meta => JSON.parse(readFileSync(join(fx, `${name}.json`), "utf8")) as Meta;

function inputOf(m: Meta): Tensor {
  const x = my.tensor(m.input as number[], { dtype: m.input_dtype === "int64" ? "int32" : "float32" });
  assert.deepEqual(x.shape, m.input_shape);
  return x;
}

function evalForward(model: ReturnType<typeof buildModel>, x: Tensor): Tensor {
  model.eval();
  return my.noGrad(() => model.forward(x) as Tensor);
}

function maxAbsDiff(a: Tensor, expected: unknown): number {
  const e = [expected].flat(Infinity) as number[], d = a.data() as Float32Array;
  assert.equal(d.length, e.length);
  let m = 0;
  for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(d[i] - e[i]));
  return m;
}

for (const name of MODEL_NAMES) {
  test(`${name}: PyTorch state dict loads strictly with PyTorch's keys, order and shapes`, () => {
    const m = meta(name);
    const model = buildModel(name);
    const own = model.stateDict();
    assert.deepEqual(Object.keys(own), m.keys, "stateDict() key order");
    for (const k of m.keys) assert.deepEqual(own[k].shape, m.shapes[k], `shape of ${k}`);
    const sd = my.io.load(join(fx, `${name}.safetensors`));
    assert.deepEqual(Object.keys(sd).sort(), [...m.keys].sort(), "file keys");
    const res = model.loadStateDict(sd);
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    // The module's tensors now hold the file's values exactly.
    const after = model.stateDict();
    for (const k of m.keys) assert.deepEqual(Array.from(after[k].data() as ArrayLike<number>), Array.from(sd[k].data() as ArrayLike<number>), k);
  });

  test(`${name}: eval output with PyTorch's weights equals PyTorch's`, () => {
    const m = meta(name);
    const model = buildModel(name);
    const x = inputOf(m);
    // Sensitivity: a model with its own random init does not match, so the check below tests the load.
    assert.ok(maxAbsDiff(evalForward(model, x), m.output) > 1e-3, "unloaded model should differ");
    model.loadStateDict(my.io.load(join(fx, `${name}.safetensors`)));
    const y = evalForward(model, x);
    assert.deepEqual(y.shape, m.output_shape);
    assertClose(y, m.output, { rtol: 1e-5, atol: 1e-6, msg: `${name} PyTorch → myelin` });
  });

  test(`${name}: myelin's weights give PyTorch's outputs, and PyTorch's re-save loads back bit-identically`, () => {
    const m = meta(name);
    const dir = join(fx, "from-myelin");
    const mine = my.io.load(join(dir, `${name}.safetensors`));
    const model = buildModel(name);
    model.loadStateDict(mine);
    const y = evalForward(model, inputOf(m));
    const torchOut = JSON.parse(readFileSync(join(dir, `${name}.out.json`), "utf8")) as { output_shape: number[]; output: unknown };
    assert.deepEqual(y.shape, torchOut.output_shape);
    assertClose(y, torchOut.output, { rtol: 1e-5, atol: 1e-6, msg: `${name} myelin weights in PyTorch` });

    const back = buildModel(name);
    back.loadStateDict(my.io.load(join(dir, `${name}.roundtrip.safetensors`)));
    const a = model.stateDict(), b = back.stateDict();
    assert.deepEqual(Object.keys(b), Object.keys(a));
    for (const k of Object.keys(a)) {
      assert.equal(b[k].dtype, a[k].dtype, `dtype of ${k}`);
      assert.deepEqual(b[k].shape, a[k].shape, `shape of ${k}`);
      const ad = a[k].data() as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
      const bd = b[k].data() as typeof ad;
      assert.deepEqual(new Uint8Array(bd.buffer, bd.byteOffset, bd.byteLength), new Uint8Array(ad.buffer, ad.byteOffset, ad.byteLength), `bits of ${k}`);
    }
  });
}

test("CNN: BatchNorm running stats from PyTorch are non-trivial and are what eval uses", () => {
  const sd = my.io.load(join(fx, "cnn.safetensors"));
  const rm = Array.from(sd["features.1.running_mean"].data() as Float32Array);
  const rv = Array.from(sd["features.1.running_var"].data() as Float32Array);
  assert.ok(rm.some((v) => Math.abs(v) > 0.05) && rv.some((v) => Math.abs(v - 1) > 0.05), "stats moved away from 0/1");
  // PyTorch stores num_batches_tracked as int64; it arrives as int32 with PyTorch's count (3 forwards).
  assert.equal(sd["features.1.num_batches_tracked"].dtype, "int32");
  assert.equal(sd["features.1.num_batches_tracked"].item(), 3);
  const model = buildModel("cnn");
  model.loadStateDict(sd);
  const m = meta("cnn");
  // Resetting the running stats must change the output: eval really reads the loaded buffers.
  const bn = model.stateDict();
  my.noGrad(() => { bn["features.1.running_mean"].zero_(); bn["features.1.running_var"].fill_(1); });
  assert.ok(maxAbsDiff(evalForward(model, inputOf(m)), m.output) > 1e-3);
});

test("strict loading names missing and unexpected keys; strict: false reports them; shape mismatches always raise", () => {
  const sd = my.io.load(join(fx, "mlp.safetensors"));
  const partial: Record<string, Tensor> = { ...sd, "extra.weight": my.zeros([1]) };
  delete partial["4.bias"];
  const model = buildModel("mlp");
  assert.throws(() => model.loadStateDict(partial), (e: Error) =>
    /Missing key\(s\) in state_dict: "4\.bias"/.test(e.message) && /Unexpected key\(s\) in state_dict: "extra\.weight"/.test(e.message));
  const before = Array.from(model.stateDict()["0.weight"].data() as Float32Array);
  const res = model.loadStateDict(partial, { strict: false });
  assert.deepEqual(res, { missingKeys: ["4.bias"], unexpectedKeys: ["extra.weight"] });
  assert.notDeepEqual(Array.from(model.stateDict()["0.weight"].data() as Float32Array), before);
  assert.deepEqual(Array.from(model.stateDict()["0.weight"].data() as Float32Array), Array.from(sd["0.weight"].data() as Float32Array));

  const wrong = { ...sd, "2.weight": my.zeros([16, 33]) };
  for (const strict of [true, false]) {
    assert.throws(() => buildModel("mlp").loadStateDict(wrong, { strict }),
      /size mismatch for 2\.weight: copying a param with shape \[16, 33\] from the state dict, the shape in the current model is \[16, 32\]/);
  }
});
