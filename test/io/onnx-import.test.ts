/**
 * importOnnx on models exported by PyTorch's torch.onnx.export (opset 17; generator
 * test/fixtures/gen_onnx.py): outputs match PyTorch's, state-dict keys come from the
 * initialiser names, and an imported model fine-tunes (loss falls, gradients reach
 * the initialisers).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";

const dir = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));
interface Rec { input: { shape: number[]; dtype: string; data: number[] }; output: { shape: number[]; data: number[] }; train_target: number[] }
const load = (name: string) => ({
  bytes: readFileSync(dir + name + ".onnx"),
  rec: JSON.parse(readFileSync(dir + name + ".json", "utf8")) as Rec,
});
const inputOf = (r: Rec) => my.tensor(r.input.data, { dtype: r.input.dtype === "int64" ? "int32" : "float32" }).reshape(r.input.shape);

for (const name of ["mlp", "cnn", "lstm", "gru", "transformer", "embedding"]) {
  test(`importOnnx: PyTorch-exported ${name} gives PyTorch's output`, () => {
    const { bytes, rec } = load(name);
    const m = my.io.importOnnx(bytes);
    const y = my.noGrad(() => m.forward(inputOf(rec))) as my.Tensor;
    assert.deepEqual(y.shape, rec.output.shape);
    assertClose(y, rec.output.data, { atol: 1e-5, rtol: 1e-4 });
  });
}

test("importOnnx: stateDict keys are the initialiser names (PyTorch's keys where torch kept them)", () => {
  const m = my.io.importOnnx(load("mlp").bytes);
  assert.deepEqual(Object.keys(m.stateDict()).sort(), ["0.bias", "0.weight", "2.bias", "2.weight"]);
  assert.deepEqual(m.stateDict()["0.weight"].shape, [16, 6]);
  assert.ok(m.parameters().every((p) => p.requiresGrad));
});

for (const name of ["mlp", "cnn", "transformer"]) {
  test(`importOnnx: fine-tuning the imported ${name} lowers the loss and updates every initialiser`, () => {
    const { bytes, rec } = load(name);
    const m = my.io.importOnnx(bytes);
    const x = inputOf(rec);
    const target = my.tensor(rec.train_target).reshape(rec.output.shape);
    const before = m.parameters().map((p) => p.clone());
    const opt = new my.optim.Adam(m.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zeroGrad();
      const loss = my.F.mseLoss(m.forward(x) as my.Tensor, target);
      loss.backward();
      losses.push(loss.item());
      if (i === 0) for (const [k, p] of m.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `no gradient reached ${k}`);
      opt.step();
    }
    assert.ok(losses[7] < losses[0] * 0.9, `loss ${losses[0]} → ${losses[7]}`);
    m.parameters().forEach((p, i) => assert.ok(p.sub(before[i]).abs().max().item() > 0));
  });
}
