/**
 * Implicit-feedback recommendation on a synthetic but realistic data set: users and
 * items with latent tastes, a Zipf-like popularity skew, and each user's last
 * interaction held out (leave-one-out). Trains matrix factorisation with the BPR loss
 * and neural collaborative filtering with BCE on sampled negatives, and reports
 * HR@10 and NDCG@10 (full ranking over items the user has not interacted with)
 * against the popularity ranking.
 *
 * Run: npx tsx examples/recommender/train.ts
 */
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";
const { MatrixFactorization, NCF, bprLoss, scoreAllItems } = my.models;
type PairScorer = my.models.PairScorer;

const F = my.F;

export interface ImplicitData {
  numUsers: number;
  numItems: number;
  /** Training interactions as parallel arrays (user u interacted with item i). */
  trainUsers: Int32Array;
  trainItems: Int32Array;
  /** Items each user interacted with in training. */
  seen: Set<number>[];
  /** The held-out (last) item of each user. */
  heldOut: Int32Array;
  /** The generator's noise-free affinities [numUsers * numItems]: ranking by them is the oracle. */
  affinity: Float64Array;
}

/**
 * Users and items get latent tastes p_u, q_i ~ N(0, I_k); item i's popularity bias is
 * −skew·log(1 + rank_i) for a random rank. Each user picks 8–32 distinct items by
 * Gumbel top-k over affinity 2.5·p_u·q_i/√k + bias_i; the picks are put in a random
 * time order and the last one is held out.
 */
export function makeImplicitData(opts: { numUsers?: number; numItems?: number; k?: number; skew?: number; seed?: number } = {}): ImplicitData {
  const U = opts.numUsers ?? 600, I = opts.numItems ?? 400, k = opts.k ?? 8, skew = opts.skew ?? 1;
  const g = new my.Generator(opts.seed ?? 0);
  const P = Float64Array.from({ length: U * k }, () => g.normal());
  const Q = Float64Array.from({ length: I * k }, () => g.normal());
  const rank = Array.from({ length: I }, (_, i) => i);
  for (let i = I - 1; i > 0; i--) { const j = g.randint(0, i + 1); [rank[i], rank[j]] = [rank[j], rank[i]]; }
  const bias = rank.map((r) => -skew * Math.log(1 + r));
  const tu: number[] = [], ti: number[] = [];
  const seen: Set<number>[] = [], heldOut = new Int32Array(U), affinity = new Float64Array(U * I);
  for (let u = 0; u < U; u++) {
    const keys = new Float64Array(I);
    for (let i = 0; i < I; i++) {
      let dot = 0;
      for (let d = 0; d < k; d++) dot += P[u * k + d] * Q[i * k + d];
      affinity[u * I + i] = (2.5 * dot) / Math.sqrt(k) + bias[i];
      keys[i] = affinity[u * I + i] - Math.log(-Math.log(g.random() || 1e-300));
    }
    const n = 8 + g.randint(0, 25);
    const picks = Array.from({ length: I }, (_, i) => i).sort((a, b) => keys[b] - keys[a]).slice(0, n);
    for (let i = n - 1; i > 0; i--) { const j = g.randint(0, i + 1); [picks[i], picks[j]] = [picks[j], picks[i]]; }
    heldOut[u] = picks[n - 1];
    seen.push(new Set(picks.slice(0, n - 1)));
    for (const it of picks.slice(0, n - 1)) { tu.push(u); ti.push(it); }
  }
  return { numUsers: U, numItems: I, trainUsers: Int32Array.from(tu), trainItems: Int32Array.from(ti), seen, heldOut, affinity };
}

/** HR@k and NDCG@k of the held-out items, ranking every item the user has not seen in training. */
export function rankingMetrics(scores: Float32Array | Float64Array, data: ImplicitData, k = 10): { hr: number; ndcg: number } {
  const I = data.numItems;
  let hr = 0, ndcg = 0;
  for (let u = 0; u < data.numUsers; u++) {
    const target = scores[u * I + data.heldOut[u]];
    let rank = 0; // items strictly better than the held-out one (ties count against it)
    for (let i = 0; i < I; i++) {
      if (i === data.heldOut[u] || data.seen[u].has(i)) continue;
      if (scores[u * I + i] >= target) rank++;
    }
    if (rank < k) { hr++; ndcg += 1 / Math.log2(rank + 2); }
  }
  return { hr: hr / data.numUsers, ndcg: ndcg / data.numUsers };
}

/** A uniformly drawn item the user has not interacted with in training. */
function negative(data: ImplicitData, u: number, g: my.Generator): number {
  for (;;) {
    const i = g.randint(0, data.numItems);
    if (!data.seen[u].has(i)) return i;
  }
}

export interface TrainOptions { epochs?: number; batchSize?: number; lr?: number; dim?: number; negatives?: number; seed?: number }

/** Trains `kind` ("mf" with BPR, "ncf" with BCE) and returns its metrics on the held-out items. */
export function trainRecommender(data: ImplicitData, kind: "mf" | "ncf", opts: TrainOptions = {}): { hr: number; ndcg: number; seconds: number } {
  const t0 = performance.now();
  my.manualSeed(opts.seed ?? 0);
  const g = new my.Generator((opts.seed ?? 0) + 1);
  const dim = opts.dim ?? 32;
  const model = kind === "mf" ? new MatrixFactorization(data.numUsers, data.numItems, dim) : new NCF(data.numUsers, data.numItems, { dim, layers: [64, 32] });
  const opt = new my.optim.Adam(model.parameters(), { lr: opts.lr ?? 5e-3 });
  const N = data.trainUsers.length, bs = opts.batchSize ?? 256, epochs = opts.epochs ?? 20, negs = opts.negatives ?? 4;
  const users = my.tensor(data.trainUsers), items = my.tensor(data.trainItems);
  model.train();
  for (let e = 0; e < epochs; e++) {
    const perm = my.randperm(N, { generator: g });
    for (let b = 0; b < N; b += bs) {
      const idx = perm.narrow(0, b, Math.min(bs, N - b));
      const u = users.indexSelect(0, idx), pos = items.indexSelect(0, idx);
      const n = u.shape[0], ud = u._data;
      let loss: Tensor;
      if (kind === "mf") {
        const neg = my.tensor(Int32Array.from({ length: n }, (_, j) => negative(data, ud[j], g)));
        // BPR with a little L2 on the factors that took part in the batch.
        loss = bprLoss(model.forward(u, pos), model.forward(u, neg));
        const mf = model as InstanceType<typeof MatrixFactorization>;
        loss = loss.add(mf.user_emb.forward(u).square().sum().add(mf.item_emb.forward(pos).square().sum()).mul(1e-4 / n));
      } else {
        const uu = u.repeat(negs + 1);
        const neg = Int32Array.from({ length: n * negs }, (_, j) => negative(data, ud[j % n], g));
        const it = my.cat([pos, my.tensor(neg)], 0);
        const target = my.cat([my.ones([n]), my.zeros([n * negs])], 0);
        loss = F.binaryCrossEntropyWithLogits(model.forward(uu, it), target);
      }
      opt.zeroGrad();
      loss.backward();
      opt.step();
    }
  }
  model.eval();
  const scores = my.noGrad(() => scoreAllItems(model as PairScorer, my.arange(data.numUsers).int())).data() as Float32Array;
  return { ...rankingMetrics(scores, data), seconds: (performance.now() - t0) / 1000 };
}

/** The popularity ranking: every user gets items ordered by training count. */
export function popularityScores(data: ImplicitData): Float64Array {
  const counts = new Float64Array(data.numItems);
  for (const i of data.trainItems) counts[i]++;
  const s = new Float64Array(data.numUsers * data.numItems);
  for (let u = 0; u < data.numUsers; u++) s.set(counts, u * data.numItems);
  return s;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const t0 = performance.now();
  const data = makeImplicitData();
  console.log(`${data.numUsers} users, ${data.numItems} items, ${data.trainUsers.length} training interactions, 1 held out per user; backend ${my.backend()}`);
  const pop = rankingMetrics(popularityScores(data), data);
  console.log(`popularity  HR@10 ${pop.hr.toFixed(3)}  NDCG@10 ${pop.ndcg.toFixed(3)}`);
  const oracle = rankingMetrics(data.affinity, data);
  console.log(`oracle      HR@10 ${oracle.hr.toFixed(3)}  NDCG@10 ${oracle.ndcg.toFixed(3)}  (ranks by the generator's true affinities)`);
  for (const kind of ["mf", "ncf"] as const) {
    const r = trainRecommender(data, kind);
    console.log(`${kind.padEnd(10)}  HR@10 ${r.hr.toFixed(3)}  NDCG@10 ${r.ndcg.toFixed(3)}  (${r.seconds.toFixed(1)} s)`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
