/**
 * Reference models for implicit-feedback recommendation: biased matrix
 * factorisation and neural collaborative filtering (embeddings + MLP, He et al.
 * 2017), each scoring (user, item) pairs, plus the BPR loss. Parameter names follow
 * the equivalent PyTorch modules (`user_emb.weight`, `item_bias.weight`, `mlp.0.weight`).
 */
import * as nn from "../nn/index.js";
import * as F from "../nn/functional/index.js";
import type { Tensor } from "../core/tensor.js";
import { arange } from "../ops/creation.js";
import { cat } from "../ops/shape.js";

/** Anything that scores int32 users [N] against int32 items [N] → [N]. */
export interface PairScorer {
  /** Scores each (user, item) pair: int32 [N] and [N] → float [N]. */
  forward(users: Tensor, items: Tensor): Tensor;
  readonly numItems: number;
}

/**
 * score(u, i) = p_u · q_i + b_i: user and item factors plus an item bias (which
 * absorbs popularity). Factors start at N(0, 0.1²) as is usual for MF.
 * @example new MatrixFactorization(500, 300, 32).forward(users, items) // [N]
 */
export class MatrixFactorization extends nn.Module implements PairScorer {
  user_emb: nn.Embedding;
  item_emb: nn.Embedding;
  item_bias: nn.Embedding;

  constructor(readonly numUsers: number, readonly numItems: number, readonly dim = 32) {
    super();
    this.user_emb = new nn.Embedding(numUsers, dim);
    this.item_emb = new nn.Embedding(numItems, dim);
    this.item_bias = new nn.Embedding(numItems, 1);
    nn.init.normal_(this.user_emb.weight, { std: 0.1 });
    nn.init.normal_(this.item_emb.weight, { std: 0.1 });
    nn.init.zeros_(this.item_bias.weight);
  }

  /** users, items int32 [N] → scores [N]. */
  override forward(users: Tensor, items: Tensor): Tensor {
    const dot = this.user_emb.forward(users).mul(this.item_emb.forward(items)).sum(1);
    return dot.add(this.item_bias.forward(items).squeeze(1));
  }
}

/**
 * Neural collaborative filtering (the MLP tower of NeuMF): concatenated user and
 * item embeddings through Linear-ReLU layers to one logit.
 * @example new NCF(500, 300, { dim: 32, layers: [64, 32] }).forward(users, items) // [N]
 */
export class NCF extends nn.Module implements PairScorer {
  user_emb: nn.Embedding;
  item_emb: nn.Embedding;
  mlp: nn.Sequential;

  constructor(readonly numUsers: number, readonly numItems: number, opts: { dim?: number; layers?: number[]; dropout?: number } = {}) {
    super();
    const d = opts.dim ?? 32, layers = opts.layers ?? [64, 32];
    this.user_emb = new nn.Embedding(numUsers, d);
    this.item_emb = new nn.Embedding(numItems, d);
    nn.init.normal_(this.user_emb.weight, { std: 0.1 });
    nn.init.normal_(this.item_emb.weight, { std: 0.1 });
    const mods: nn.Module[] = [];
    let width = 2 * d;
    for (const h of layers) {
      mods.push(new nn.Linear(width, h), new nn.ReLU());
      if (opts.dropout) mods.push(new nn.Dropout(opts.dropout));
      width = h;
    }
    mods.push(new nn.Linear(width, 1));
    this.mlp = new nn.Sequential(...mods);
  }

  /** users, items int32 [N] → logits [N]. */
  override forward(users: Tensor, items: Tensor): Tensor {
    const x = cat([this.user_emb.forward(users), this.item_emb.forward(items)], 1);
    return this.mlp.forward(x).squeeze(1);
  }
}

/**
 * Bayesian personalised ranking loss: mean of −log σ(s⁺ − s⁻) over (positive,
 * sampled negative) score pairs [N].
 * @example bprLoss(model.forward(u, pos), model.forward(u, neg))
 */
export function bprLoss(pos: Tensor, neg: Tensor): Tensor {
  return F.softplus(neg.sub(pos)).mean();
}

/** Scores of every item for each user in `users` (int32 [B]) → [B, numItems], without building a graph. */
export function scoreAllItems(model: PairScorer, users: Tensor): Tensor {
  const B = users.shape[0], I = model.numItems;
  const u = users.unsqueeze(1).expand([B, I]).reshape([-1]);
  const it = arange(I).int().unsqueeze(0).expand([B, I]).reshape([-1]);
  return model.forward(u, it).reshape([B, I]);
}
