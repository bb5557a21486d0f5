// End-to-end: the spirals example (hand-written MLP, logsumexp cross-entropy, manual
// Adam with in-place updates) must fit the two-spirals training set perfectly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeSpirals, trainSpirals } from "../../examples/spirals/train.js";

test("two-spirals dataset: 2n points, balanced labels, the classes are point reflections of each other", () => {
  const [x, y] = makeSpirals(50, 1.5, 0);
  assert.deepEqual(x.shape, [100, 2]);
  assert.equal(y.dtype, "int32");
  assert.equal(y.sum().item(), 50);
  const d = x.data();
  // without noise, point i of spiral 1 is -(point i of spiral 0)
  for (let i = 0; i < 50; i++) {
    assert.ok(Math.abs(d[2 * i] + d[2 * (50 + i)]) < 1e-6 && Math.abs(d[2 * i + 1] + d[2 * (50 + i) + 1]) < 1e-6);
  }
});

test("spirals: 2-layer MLP reaches 100% training accuracy on 200 points", () => {
  const losses: number[] = [];
  const r = trainSpirals({ pointsPerClass: 100, steps: 700, onProgress: (_s, loss) => losses.push(loss), logEvery: 100 });
  assert.equal(r.points, 200);
  assert.equal(r.accuracy, 1, `training accuracy ${r.accuracy}`);
  // cross-entropy of a perfect, confident classifier is near 0; chance level is ln 2
  assert.ok(losses[0] > 0.3 && r.loss < 0.05, `loss went from ${losses[0]} to ${r.loss}`);
});
