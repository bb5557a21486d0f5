// The explain-mnist example, small: the zoo's MNIST CNN trained on 1,000 real digits
// (one epoch), 8 test digits explained by every method. Every gradient-based method's
// pixel-deletion curve must fall faster than a random order's (smaller area under the
// predicted-class probability), and the model-randomisation sanity check must change the
// maps (rank correlation with the trained model's maps drops once all layers are random).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadMnist, runExplainMnist } from "../../examples/explain-mnist/explain.js";

test("explain-mnist: gradient methods beat random deletion; randomising the model changes the maps", () => {
  const r = runExplainMnist({ data: loadMnist(), trainSize: 1000, n: 8, steps: 16, quick: true, seed: 0 });
  assert.ok(r.testAccuracy > 0.5, `test accuracy ${r.testAccuracy}`);
  const grads = r.methods.filter((m) => m.gradientBased);
  assert.equal(grads.length, 10);
  for (const m of r.methods) {
    assert.equal(m.probCurve.length, r.fractions.length);
    assert.ok(Math.abs(m.probCurve[0] - r.random.probCurve[0]) < 1e-6, "all curves start from the same intact digits");
  }
  for (const m of grads) {
    assert.ok(m.probAuc < r.random.probAuc, `${m.name}: deletion AUC ${m.probAuc.toFixed(3)} is not below random's ${r.random.probAuc.toFixed(3)}`);
  }
  for (const s of r.sanity) {
    const last = s.steps[s.steps.length - 1];
    assert.equal(s.steps.length, 4, "four parameterised layers randomised in turn");
    assert.ok(last.spearmanSigned < 0.6, `${s.method}: signed rank correlation after full randomisation ${last.spearmanSigned.toFixed(2)}`);
  }
  const sal = r.sanity.find((s) => s.method === "Saliency")!;
  assert.ok(sal.steps[3].spearman < 0.6, `Saliency |map| correlation ${sal.steps[3].spearman}`);
});
