/**
 * Graph convolution layers with PyTorch Geometric's semantics and state-dict keys:
 * GCNConv, GATConv, SAGEConv, GINConv. Each takes node features x [N, in] and an
 * int32 `edgeIndex` [2, E] (messages flow edgeIndex[0] → edgeIndex[1]) and is built
 * from the differentiable segment ops of `nn.graph`, so cost is O(E·F) per layer.
 */
import type { Tensor } from "../../core/tensor.js";
import { empty } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { full } from "../../ops/creation.js";
import { Module, Parameter } from "../module.js";
import { Linear, checkPositive } from "./linear.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import {
  addSelfLoops, checkEdgeIndex, checkEdgeWeight, gcnNorm, propagate, removeSelfLoops, softmax, splitEdges, spmm,
} from "../../ops/nn/graph-utils.js";
import { linearSparseAware } from "../../ops/nn/graph-linear.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

type FloatDType = "float32" | "float64";

function checkX(x: Tensor, inChannels: number, layer: string): number {
  if (x.ndim !== 2 || x.shape[1] !== inChannels) {
    throw new Error(`${layer}: expected node features x of shape [N, ${inChannels}] (in_channels=${inChannels}), got ${fmtShape(x.shape)}`);
  }
  return x.shape[0];
}

/** PyG's glorot: U(±√(6 / (size(-2) + size(-1)))). */
function glorot(t: Tensor): void {
  const a = t.shape[t.ndim - 2] ?? 1, b = t.shape[t.ndim - 1];
  const bound = Math.sqrt(6 / (a + b));
  init.uniform_(t, { a: -bound, b: bound });
}

/** Options of `GCNConv`. */
// PyTorch Geometric's argument orders (PyG 2.x); `dtype` is myelin's extra option.
const S = {
  GCNConv: argSpec("nn.GCNConv", 2, ["improved", "cached", "addSelfLoops", "normalize", "bias", "*", "dtype"]),
  GATConv: argSpec("nn.GATConv", 2, ["heads", "concat", "negativeSlope", "dropout", "addSelfLoops", "*", "bias", "dtype"]),
  SAGEConv: argSpec("nn.SAGEConv", 2, ["aggr", "normalize", "rootWeight", "*", "bias", "dtype"]),
  GINConv: argSpec("nn.GINConv", 1, ["eps", "trainEps", "*", "dtype"]),
};

/** Options of GCNConv beyond its positional arguments (PyTorch Geometric's names, camelCased). */
export interface GCNConvOptions {
  /** Use Â = A + 2I instead of A + I (default false). */
  improved?: boolean;
  /** Cache the normalised edge weights of the first call (transductive use; default false). */
  cached?: boolean;
  /** Add self loops (default: `normalize`); true with `normalize: false` is an error, as PyG. */
  addSelfLoops?: boolean;
  /** Apply the symmetric normalisation D^-1/2 Â D^-1/2 (default true). */
  normalize?: boolean;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: FloatDType;
}

/**
 * Kipf & Welling's graph convolution, X' = D^-1/2 Â D^-1/2 X Θ + b with Â = A + I
 * (PyG's GCNConv): `lin` (no bias, glorot init) is applied first, then weighted sum
 * aggregation, then `bias` (zeros). Keys `bias`, `lin.weight`.
 * @example const conv = new nn.GCNConv(1433, 16); const h = conv.forward(x, edgeIndex); // [N, 16]
 */
export class GCNConv extends Module {
  lin: Linear;
  bias: Tensor | null;
  readonly improved: boolean;
  readonly cached: boolean;
  readonly addSelfLoops: boolean;
  readonly normalize: boolean;
  private _cache: [Tensor, Tensor, Tensor] | null = null;

  constructor(public readonly inChannels: number, public readonly outChannels: number, ...args: PyArgs<GCNConvOptions, typeof S.GCNConv.names>) {
    super();
    const opts = S.GCNConv.parse<GCNConvOptions>(args);
    checkPositive("GCNConv", { inChannels, outChannels });
    this.improved = opts.improved ?? false;
    this.cached = opts.cached ?? false;
    this.normalize = opts.normalize ?? true;
    this.addSelfLoops = opts.addSelfLoops ?? this.normalize;
    if (this.addSelfLoops && !this.normalize) {
      throw new Error("GCNConv: addSelfLoops=true needs normalize=true (self loops are only added during on-the-fly normalisation, as in PyG)");
    }
    const dtype = opts.dtype ?? "float32";
    this.lin = new Linear(inChannels, outChannels, { bias: false, dtype });
    this.bias = opts.bias ?? true ? Parameter(empty([outChannels], dtype)) : null;
    this.resetParameters();
  }

  /** glorot(lin.weight), zeros(bias); clears the cache. */
  resetParameters(): void {
    glorot(this.lin.weight);
    if (this.bias) init.zeros_(this.bias);
    this._cache = null;
  }

  /** x [N, in], edgeIndex [2, E], optional edgeWeight [E] → [N, out]. */
  override forward(x: Tensor, edgeIndex: Tensor, edgeWeight: Tensor | null = null): Tensor {
    const n = checkX(x, this.inChannels, "GCNConv");
    const { numEdges } = checkEdgeIndex(edgeIndex, n, "GCNConv");
    const ew = checkEdgeWeight(edgeWeight, numEdges, "GCNConv");
    let src: Tensor, dst: Tensor, w: Tensor | null = ew;
    if (this.normalize && this._cache) {
      [src, dst, w] = this._cache;
    } else {
      let ei = edgeIndex;
      if (this.normalize) [ei, w] = gcnNorm(edgeIndex, ew, n, { improved: this.improved, addSelfLoops: this.addSelfLoops, dtype: this.lin.weight.dtype as FloatDType });
      [src, dst] = splitEdges(ei);
      if (this.normalize && this.cached) this._cache = [src, dst, w!];
    }
    const h = linearSparseAware(x, this.lin.weight, null);
    const out = propagate(h, src, dst, n, w);
    return this.bias ? out.add(this.bias) : out;
  }

  override repr(): string {
    return `GCNConv(${this.inChannels}, ${this.outChannels})`;
  }
}

/** Options of `GATConv`. */
export interface GATConvOptions {
  /** Number of attention heads (default 1). */
  heads?: number;
  /** Concatenate the heads' outputs (true, default) or average them. */
  concat?: boolean;
  /** LeakyReLU slope of the attention scores (default 0.2). */
  negativeSlope?: number;
  /** Dropout probability of the attention coefficients in training (default 0). */
  dropout?: number;
  /** Replace existing self loops by exactly one per node (default true). */
  addSelfLoops?: boolean;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: FloatDType;
}

/**
 * Graph attention (Veličković et al.; PyG 2.x GATConv): h = x Θ per head, score
 * e_ij = LeakyReLU(a_src·h_j + a_dst·h_i) on edge j → i, α = softmax of e over each
 * target's incoming edges (its self loop included), out_i = Σ_j α_ij h_j, heads
 * concatenated or averaged, plus bias. Keys `att_src`, `att_dst` [1, heads, out],
 * `bias`, `lin.weight` [heads·out, in].
 * @example const gat = new nn.GATConv(1433, 8, { heads: 8, dropout: 0.6 }); gat.forward(x, edgeIndex); // [N, 64]
 */
export class GATConv extends Module {
  lin: Linear;
  attSrc: Tensor;
  attDst: Tensor;
  bias: Tensor | null;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly dropout: number;
  readonly addSelfLoops: boolean;

  constructor(public readonly inChannels: number, public readonly outChannels: number, ...args: PyArgs<GATConvOptions, typeof S.GATConv.names>) {
    super();
    const opts = S.GATConv.parse<GATConvOptions>(args);
    this.heads = opts.heads ?? 1;
    checkPositive("GATConv", { inChannels, outChannels, heads: this.heads });
    this.concat = opts.concat ?? true;
    this.negativeSlope = opts.negativeSlope ?? 0.2;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new Error(`GATConv: dropout must be in [0, 1], got ${this.dropout}`);
    this.addSelfLoops = opts.addSelfLoops ?? true;
    const dtype = opts.dtype ?? "float32";
    const H = this.heads, C = outChannels;
    this.lin = new Linear(inChannels, H * C, { bias: false, dtype });
    this.attSrc = Parameter(empty([1, H, C], dtype));
    this.attDst = Parameter(empty([1, H, C], dtype));
    this.bias = opts.bias ?? true ? Parameter(empty([this.concat ? H * C : C], dtype)) : null;
    this.resetParameters();
  }

  /** glorot(lin.weight, att_src, att_dst), zeros(bias), as PyG. */
  resetParameters(): void {
    glorot(this.lin.weight);
    glorot(this.attSrc);
    glorot(this.attDst);
    if (this.bias) init.zeros_(this.bias);
  }

  /**
   * x [N, in], edgeIndex [2, E] → [N, heads·out] (concat) or [N, out]. With
   * `returnAttentionWeights` also returns the edges used (self loops appended) and
   * α [E', heads].
   */
  override forward(x: Tensor, edgeIndex: Tensor, opts?: { returnAttentionWeights?: false }): Tensor;
  override forward(x: Tensor, edgeIndex: Tensor, opts: { returnAttentionWeights: true }): [Tensor, [Tensor, Tensor]];
  override forward(x: Tensor, edgeIndex: Tensor, opts: { returnAttentionWeights?: boolean } = {}): Tensor | [Tensor, [Tensor, Tensor]] {
    const n = checkX(x, this.inChannels, "GATConv");
    checkEdgeIndex(edgeIndex, n, "GATConv");
    const H = this.heads, C = this.outChannels;
    const h = linearSparseAware(x, this.lin.weight, null).reshape([n, H, C]);
    const aSrc = h.mul(this.attSrc).sum(-1); // [N, H]
    const aDst = h.mul(this.attDst).sum(-1);
    let ei = edgeIndex;
    if (this.addSelfLoops) ei = addSelfLoops(removeSelfLoops(edgeIndex)[0], { numNodes: n })[0];
    const [src, dst] = splitEdges(ei);
    let alpha = aSrc.indexSelect(0, src).add(aDst.indexSelect(0, dst)); // [E', H]
    alpha = F.leakyRelu(alpha, this.negativeSlope);
    alpha = softmax(alpha, dst, n);
    alpha = F.dropout(alpha, this.dropout, this.training);
    let out = spmm(h, src, dst, n, alpha); // Σ_j α_ij h_j: [N, H, C]
    out = this.concat ? out.reshape([n, H * C]) : out.mean(1);
    if (this.bias) out = out.add(this.bias);
    return opts.returnAttentionWeights ? [out, [ei, alpha]] : out;
  }

  override repr(): string {
    return `GATConv(${this.inChannels}, ${this.outChannels}, heads=${this.heads})`;
  }
}

/** Neighbourhood aggregations of `SAGEConv`. */
export type SAGEAggr = "mean" | "max" | "sum" | "add";

/** Options of `SAGEConv`. */
export interface SAGEConvOptions {
  /** Neighbourhood aggregation (default "mean"). */
  aggr?: SAGEAggr;
  /** L2-normalise each output row (default false). */
  normalize?: boolean;
  /** Add the transformed root features lin_r(x_i) (default true). */
  rootWeight?: boolean;
  /** Bias of lin_l (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: FloatDType;
}

/**
 * GraphSAGE (Hamilton et al.; PyG's SAGEConv): out_i = lin_l(aggr_{j→i} x_j) +
 * lin_r(x_i), optionally L2-normalised. Nodes without incoming edges aggregate to 0.
 * Keys `lin_l.weight`, `lin_l.bias`, `lin_r.weight` (PyTorch Linear init).
 * @example const sage = new nn.SAGEConv(16, 32, { aggr: "max" }); sage.forward(x, edgeIndex);
 */
export class SAGEConv extends Module {
  linL: Linear;
  linR: Linear | null;
  readonly aggr: SAGEAggr;
  readonly normalize: boolean;
  readonly rootWeight: boolean;

  constructor(public readonly inChannels: number, public readonly outChannels: number, ...args: PyArgs<SAGEConvOptions, typeof S.SAGEConv.names>) {
    super();
    const opts = S.SAGEConv.parse<SAGEConvOptions>(args);
    checkPositive("SAGEConv", { inChannels, outChannels });
    this.aggr = opts.aggr ?? "mean";
    if (!["mean", "max", "sum", "add"].includes(this.aggr)) {
      throw new Error(`SAGEConv: aggr must be "mean", "max" or "sum", got ${JSON.stringify(this.aggr)}`);
    }
    this.normalize = opts.normalize ?? false;
    this.rootWeight = opts.rootWeight ?? true;
    const dtype = opts.dtype ?? "float32";
    this.linL = new Linear(inChannels, outChannels, { bias: opts.bias ?? true, dtype });
    this.linR = this.rootWeight ? new Linear(inChannels, outChannels, { bias: false, dtype }) : null;
  }

  /** Re-draws both linear layers with PyTorch's default initialisation. */
  resetParameters(): void {
    this.linL.resetParameters();
    this.linR?.resetParameters();
  }

  /** x [N, in], edgeIndex [2, E] → [N, out]. */
  override forward(x: Tensor, edgeIndex: Tensor): Tensor {
    const n = checkX(x, this.inChannels, "SAGEConv");
    checkEdgeIndex(edgeIndex, n, "SAGEConv");
    const [src, dst] = splitEdges(edgeIndex);
    const agg = propagate(x, src, dst, n, null, this.aggr);
    let out = linearSparseAware(agg, this.linL.weight, this.linL.bias);
    if (this.linR) out = out.add(linearSparseAware(x, this.linR.weight, null));
    return this.normalize ? F.normalize(out, { p: 2, dim: -1 }) : out;
  }

  override repr(): string {
    return `SAGEConv(${this.inChannels}, ${this.outChannels}, aggr=${this.aggr})`;
  }
}

/** Options of `GINConv`. */
export interface GINConvOptions {
  /** Initial ε (default 0). */
  eps?: number;
  /** Learn ε as a parameter (default false: a buffer). */
  trainEps?: boolean;
  /** dtype of ε (default float32). */
  dtype?: FloatDType;
}

/**
 * Graph Isomorphism Network layer (Xu et al.; PyG's GINConv): out = nn((1 + ε)·x_i
 * + Σ_{j→i} x_j) with sum aggregation (duplicate edges and existing self loops count).
 * Keys `eps` (parameter if `trainEps`, else buffer) and `nn.*`.
 * @example const gin = new nn.GINConv(new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 16)));
 */
export class GINConv extends Module {
  nn: Module;
  eps!: Tensor;
  readonly initialEps: number;

  constructor(net: Module, ...args: PyArgs<GINConvOptions, typeof S.GINConv.names>) {
    super();
    const opts = S.GINConv.parse<GINConvOptions>(args);
    if (!(net instanceof Module)) throw new TypeError("GINConv: nn must be an nn.Module (e.g. an nn.Sequential MLP)");
    this.nn = net;
    this.initialEps = opts.eps ?? 0;
    const eps = full([1], this.initialEps, { dtype: opts.dtype ?? "float32" });
    if (opts.trainEps) this.registerParameter("eps", Parameter(eps));
    else this.registerBuffer("eps", eps);
  }

  /** x [N, F], edgeIndex [2, E] → nn's output. */
  override forward(x: Tensor, edgeIndex: Tensor): Tensor {
    if (x.ndim !== 2) throw new Error(`GINConv: expected node features x of shape [N, F], got ${fmtShape(x.shape)}`);
    const n = x.shape[0];
    checkEdgeIndex(edgeIndex, n, "GINConv");
    const [src, dst] = splitEdges(edgeIndex);
    const out = propagate(x, src, dst, n).add(x.mul(this.eps.add(1)));
    return this.nn.forward(out) as Tensor;
  }

  override repr(): string {
    return `GINConv(nn=${this.nn.repr()})`;
  }
}
