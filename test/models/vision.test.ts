// models.vision against torchvision 0.14 (test/fixtures/zoo_vision.json from
// gen_zoo_vision.py): state-dict keys in order and shapes for every model, and eval-mode
// logits of a deterministic 2x3x64x64 input (32x32 for the small ViT) after both sides
// filled the weights from the same formula (test/models/zoo-weights.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadFixture, my } from "../helpers.js";
import type { nn } from "../../src/index.js";
import { deterministicFill, image } from "./zoo-weights.js";

const { vision } = my.models;
interface Entry { keys: string[]; shapes: number[][]; numParameters: number; size?: number; logits?: number[] }
const fx = loadFixture<Record<string, Entry>>("zoo_vision");

const builders: Record<string, () => nn.Module> = {
  resnet18: () => vision.resnet18(),
  resnet34: () => vision.resnet34(),
  resnet50: () => vision.resnet50(),
  mobilenet_v2: () => vision.mobilenetV2(),
  mobilenet_v3_small: () => vision.mobilenetV3Small(),
  mobilenet_v3_large: () => vision.mobilenetV3Large(),
  efficientnet_b0: () => vision.efficientnetB0(),
  efficientnet_b1: () => vision.efficientnetB1(),
  efficientnet_b3: () => vision.efficientnetB3(),
  convnext_tiny: () => vision.convnextTiny(),
  vit_b_16: () => vision.vitB16(),
  vit_small: () => new vision.VisionTransformer({ imageSize: 32, patchSize: 8, numLayers: 2, numHeads: 4, hiddenDim: 64, mlpDim: 128, numClasses: 10 }),
};

/** max |a - e| <= rtol · max |e|: float32 rounding through ~50 layers, relative to the logits' scale. */
function assertLogitsClose(actual: Float32Array, expected: number[], name: string): void {
  assert.equal(actual.length, expected.length, `${name}: logits length`);
  let maxE = 0, maxD = 0, at = 0;
  for (let i = 0; i < expected.length; i++) {
    maxE = Math.max(maxE, Math.abs(expected[i]));
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxD)) [maxD, at] = [d, i];
  }
  assert.ok(maxD <= 1e-4 * maxE, `${name}: max |diff| ${maxD} at [${at}] (got ${actual[at]}, expected ${expected[at]}) > 1e-4 x ${maxE}`);
}

for (const [name, build] of Object.entries(builders)) {
  const f = fx[name];
  test(`models.vision ${name}: torchvision's state-dict keys in order, shapes and parameter count${f.logits ? ", and its logits" : ""}`, () => {
    const m = build();
    const sd = m.stateDict();
    assert.deepEqual(Object.keys(sd), f.keys);
    assert.deepEqual(Object.values(sd).map((t) => t.shape), f.shapes);
    assert.equal(m.numParameters(), f.numParameters);
    if (!f.logits) return;
    deterministicFill(m);
    m.eval();
    const y = my.noGrad(() => m.forward(image(2, f.size!)) as my.Tensor);
    assert.deepEqual(y.shape, [2, f.logits.length / 2]);
    assertLogitsClose(y.data() as Float32Array, f.logits, name);
  });
}

test("StochasticDepth: identity in eval and at p=0; in training each row is dropped (0) or kept and scaled by 1/(1-p), ~p of them dropped", () => {
  const sd = new vision.StochasticDepth(0.3, "row");
  const x = my.ones([4000, 2, 3]);
  sd.eval();
  assert.equal(sd.forward(x), x);
  sd.train();
  const y = sd.forward(x).data() as Float32Array;
  let dropped = 0;
  for (let r = 0; r < 4000; r++) {
    const row = y.slice(r * 6, r * 6 + 6);
    const v = row[0];
    assert.ok(row.every((z) => z === v) && (v === 0 || Math.abs(v - 1 / 0.7) < 1e-6), `row ${r}: ${row}`);
    if (v === 0) dropped++;
  }
  // Binomial(4000, 0.3): sd 29, so +-150 is > 5 sd.
  assert.ok(Math.abs(dropped - 1200) < 150, `dropped ${dropped} of 4000`);
  assert.throws(() => new vision.StochasticDepth(1.5), /StochasticDepth: p must be in \[0, 1\]/);
});

test("F.relu6 / F.hardtanh without a gradient (the zoo's inference path, a single clamp) equal the gradient path, boundaries included", () => {
  const x = my.tensor([-7, -1, -0.5, 0, 0.25, 1, 5.9, 6, 6.5, 100]);
  const xg = x.clone().requiresGrad_(true);
  for (const [f, lo, hi] of [[(t: my.Tensor) => my.F.relu6(t), 0, 6], [(t: my.Tensor) => my.F.hardtanh(t, -1, 1), -1, 1]] as const) {
    const fast = my.noGrad(() => f(x)).data() as Float32Array;
    assert.deepEqual(Array.from(fast), Array.from(f(xg).detach().data() as Float32Array));
    assert.deepEqual(Array.from(fast), Array.from(x.data() as Float32Array, (v) => Math.min(hi, Math.max(lo, v))));
  }
});
