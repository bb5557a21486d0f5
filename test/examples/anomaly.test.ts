// examples/anomaly-detection: the AUROC rank formula against hand-computed examples and
// the O(n²) pair-counting definition, precision/recall and the F1-optimal threshold
// against brute force, and an autoencoder trained on MNIST without one digit scoring
// that digit above chance (AUROC 0.5) by reconstruction error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";
import { auroc, bestF1Threshold, precisionRecall, trainAnomalyDetector } from "../../examples/anomaly-detection/train.js";

/** AUROC by definition: P(score of a random positive > score of a random negative), ties count ½. */
function pairwiseAuroc(s: number[], l: number[]): number {
  let good = 0, pairs = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
    if (l[i] && !l[j]) { pairs++; good += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0; }
  }
  return good / pairs;
}

test("auroc: hand-computed examples (incl. ties), perfect and reversed rankings, errors", () => {
  // positives 0.35, 0.8 vs negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4 → 3/4
  assert.equal(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  // positives 2, 3 vs negatives 1, 2: 2>1, 2=2 (½), 3>1, 3>2 → 3.5/4
  assert.equal(auroc([1, 2, 2, 3], [0, 1, 0, 1]), 0.875);
  assert.equal(auroc([1, 2, 3, 4, 5], [0, 0, 1, 1, 1]), 1);
  assert.equal(auroc([5, 4, 3, 2, 1], [false, false, true, true, true]), 0);
  assert.equal(auroc([7, 7, 7, 7], [1, 0, 1, 0]), 0.5);
  assert.throws(() => auroc([1, 2], [1, 1]), /auroc: needs both classes, got 2 positives and 0 negatives/);
  assert.throws(() => auroc([1, 2], [1]), /auroc: 2 scores but 1 labels/);
});

test("auroc equals the pairwise definition on 300 random scores with many ties", () => {
  const g = new my.Generator(11);
  const s = Array.from({ length: 300 }, () => Math.floor(g.random() * 40));
  const l = s.map((v) => (g.random() < 0.3 + v / 100 ? 1 : 0));
  assert.ok(Math.abs(auroc(s, l) - pairwiseAuroc(s, l)) < 1e-12);
});

test("precisionRecall and bestF1Threshold: hand example and brute force over all thresholds", () => {
  // scores > 0.5 flag items 2, 3, 4: TP = 2 (items 3, 4), FP = 1, FN = 1 (item 0)
  const pr = precisionRecall([0.4, 0.1, 0.7, 0.9, 0.8, 0.2], [1, 0, 0, 1, 1, 0], 0.5);
  assert.deepEqual([pr.precision, pr.recall], [2 / 3, 2 / 3]);
  assert.ok(Math.abs(pr.f1 - 2 / 3) < 1e-12);
  const g = new my.Generator(5);
  const s = Array.from({ length: 200 }, () => Math.round(g.random() * 50) / 10);
  const l = s.map((v) => (g.random() < v / 6 ? 1 : 0));
  const t = bestF1Threshold(s, l);
  const candidates = [-Infinity, ...new Set(s)];
  const bestBrute = Math.max(...candidates.map((c) => precisionRecall(s, l, c).f1));
  assert.ok(Math.abs(precisionRecall(s, l, t).f1 - bestBrute) < 1e-12, `F1 at ${t} vs best ${bestBrute}`);
});

test("anomaly-detection: AE trained on MNIST without digit 0 ranks 0s above normal digits (AUROC well above 0.5)", () => {
  const [trainX, trainY] = my.data.mnist(undefined, { train: true }).tensors;
  const [testX, testY] = my.data.mnist(undefined, { train: false }).tensors;
  const data = { trainX: trainX.narrow(0, 0, 6000), trainY: trainY.narrow(0, 0, 6000), testX: testX.narrow(0, 0, 2000), testY: testY.narrow(0, 0, 2000) };
  const r = trainAnomalyDetector({ anomaly: 0, epochs: 3, trainSize: 4000, valSize: 1000, data, seed: 0 });
  assert.ok(r.anomalyFraction > 0.08 && r.anomalyFraction < 0.13, `fraction of 0s ${r.anomalyFraction}`);
  assert.ok(r.meanErrorAnomaly > r.meanErrorNormal, `errors ${r.meanErrorNormal} vs ${r.meanErrorAnomaly}`);
  assert.ok(r.auroc > 0.7, `AUROC ${r.auroc}`);
  assert.ok(r.test.recall > 0 && r.test.precision > r.anomalyFraction, `at threshold ${r.threshold}: ${JSON.stringify(r.test)}`);
});
