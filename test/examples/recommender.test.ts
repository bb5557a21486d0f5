/**
 * Smoke test of examples/recommender: on a small seeded synthetic data set, matrix
 * factorisation (BPR) and NCF (BCE) must beat the popularity ranking's HR@10 and
 * NDCG@10, which the test computes itself by sorting items by training count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeImplicitData, trainRecommender, type ImplicitData } from "../../examples/recommender/train.js";

/** Leave-one-out HR@10 / NDCG@10 of recommending the 10 most popular unseen items. */
function popularityBaseline(d: ImplicitData): { hr: number; ndcg: number } {
  const counts = new Map<number, number>();
  d.trainItems.forEach((i) => counts.set(i, (counts.get(i) ?? 0) + 1));
  // Ties are broken against the held-out item (as in the example's metric): sort by count, held-out last among equals.
  let hr = 0, ndcg = 0;
  for (let u = 0; u < d.numUsers; u++) {
    const target = d.heldOut[u];
    const candidates = [...Array(d.numItems).keys()].filter((i) => !d.seen[u].has(i));
    candidates.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a === target ? 1 : b === target ? -1 : 0));
    const pos = candidates.indexOf(target);
    if (pos < 10) { hr++; ndcg += 1 / Math.log2(pos + 2); }
  }
  return { hr: hr / d.numUsers, ndcg: ndcg / d.numUsers };
}

const data = makeImplicitData({ numUsers: 300, numItems: 200, seed: 3 });
const pop = popularityBaseline(data);

test("recommender: held-out split is one unseen item per user", () => {
  for (let u = 0; u < data.numUsers; u++) assert.ok(!data.seen[u].has(data.heldOut[u]) && data.seen[u].size >= 7);
  assert.equal(data.trainUsers.length, data.seen.reduce((s, x) => s + x.size, 0));
});

for (const kind of ["mf", "ncf"] as const) {
  test(`recommender: ${kind} beats the popularity ranking (HR@10, NDCG@10)`, () => {
    const r = kind === "mf" ? trainRecommender(data, "mf", { epochs: 12, seed: 0 }) : trainRecommender(data, "ncf", { epochs: 10, lr: 1e-2, seed: 0 });
    const margin = kind === "mf" ? 1.4 : 1.2;
    assert.ok(pop.hr > 0.05, `popularity baseline HR@10 ${pop.hr}`);
    assert.ok(r.hr > margin * pop.hr, `${kind} HR@10 ${r.hr} vs popularity ${pop.hr}`);
    assert.ok(r.ndcg > margin * pop.ndcg, `${kind} NDCG@10 ${r.ndcg} vs popularity ${pop.ndcg}`);
  });
}
