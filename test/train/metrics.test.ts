// Metrics against values computed by hand from their definitions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { accuracy, confusionMatrix, mae, makeMetric, precisionRecallF1, r2Score, rmse, topKAccuracy } from "../../src/train/metrics.js";

const scores = my.tensor([
  [0.1, 0.7, 0.2], // pred 1
  [0.8, 0.1, 0.1], // pred 0
  [0.3, 0.3, 0.4], // pred 2
  [0.2, 0.5, 0.3], // pred 1
  [0.6, 0.3, 0.1], // pred 0
]);
const target = my.tensor([1, 0, 1, 2, 0], { dtype: "int32" });

test("accuracy counts argmax hits", () => {
  assert.equal(accuracy(scores, target), 3 / 5);
  assert.equal(accuracy(my.tensor([1, 0, 2], { dtype: "int32" }), my.tensor([1, 1, 2], { dtype: "int32" })), 2 / 3);
});

test("top-k accuracy", () => {
  // Sample 2 (target 1) has class 1 tied with class 0 at 0.3, below class 2: rank 2 → in top-2.
  // Sample 3 (target 2, score 0.3) is second → in top-2.
  assert.equal(topKAccuracy(scores, target, 1), 3 / 5);
  assert.equal(topKAccuracy(scores, target, 2), 5 / 5);
  assert.throws(() => topKAccuracy(scores, target, 4), /k=4/);
});

test("confusion matrix rows are true classes", () => {
  assert.deepEqual(confusionMatrix(scores, target), [
    [2, 0, 0],
    [0, 1, 1],
    [0, 1, 0],
  ]);
});

test("precision / recall / F1 (macro, micro, weighted) by hand", () => {
  const cm = confusionMatrix(scores, target);
  const r = precisionRecallF1(cm, "macro");
  // class 0: P=2/2, R=2/2, F1=1; class 1: P=1/2, R=1/2, F1=1/2; class 2: P=0/1, R=0/1, F1=0.
  assert.ok(Math.abs(r.precision - (1 + 0.5 + 0) / 3) < 1e-12);
  assert.ok(Math.abs(r.recall - (1 + 0.5 + 0) / 3) < 1e-12);
  assert.ok(Math.abs(r.f1 - (1 + 0.5 + 0) / 3) < 1e-12);
  const micro = precisionRecallF1(cm, "micro");
  assert.ok(Math.abs(micro.precision - 3 / 5) < 1e-12 && Math.abs(micro.f1 - 3 / 5) < 1e-12);
  const w = precisionRecallF1(cm, "weighted");
  // supports 2, 2, 1
  assert.ok(Math.abs(w.recall - (2 * 1 + 2 * 0.5 + 1 * 0) / 5) < 1e-12);
});

test("regression metrics: MAE, RMSE, R²", () => {
  const p = my.tensor([2.5, 0.0, 2, 8]);
  const t = my.tensor([3, -0.5, 2, 7]);
  assert.ok(Math.abs(mae(p, t) - 0.5) < 1e-7); // (0.5 + 0.5 + 0 + 1) / 4
  assert.ok(Math.abs(rmse(p, t) - Math.sqrt(0.375)) < 1e-7); // (0.25+0.25+0+1)/4
  // R² = 1 - 1.5 / sum((t - 2.875)^2) = 1 - 1.5/29.1875 = 0.9486081370449679 (scikit-learn's documented example)
  assert.ok(Math.abs(r2Score(p, t) - 0.9486081370449679) < 1e-6);
});

test("accumulating metrics weight batches by their size", () => {
  const m = makeMetric("accuracy");
  m.update(my.tensor([[1, 0], [0, 1]]), my.tensor([0, 0], { dtype: "int32" })); // 1/2
  m.update(my.tensor([[1, 0]]), my.tensor([0], { dtype: "int32" })); // 1/1
  assert.equal(m.compute(), 2 / 3);
  const r = makeMetric("rmse");
  r.update(my.tensor([1, 1]), my.tensor([0, 0])); // squared errors 1, 1
  r.update(my.tensor([3]), my.tensor([0])); // 9
  assert.ok(Math.abs(r.compute() - Math.sqrt(11 / 3)) < 1e-9);
  const f1 = makeMetric("f1");
  f1.update(scores.slice(0, 0, 3), target.slice(0, 0, 3));
  f1.update(scores.slice(0, 3), target.slice(0, 3));
  assert.ok(Math.abs(f1.compute() - 0.5) < 1e-12);
  assert.throws(() => makeMetric("bogus" as never), /unknown metric "bogus"/);
});
