/**
 * Embedding: a lookup table of learnable rows, initialised N(0, 1) with the padding
 * row zeroed, as PyTorch.
 */
import { Tensor, empty } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { fmtShape } from "../../core/shape.js";
import { Module, Parameter, pyFloat } from "../module.js";
import * as F from "../functional/index.js";
import * as init from "../init.js";
import { argSpec, type PyArgs } from "../../ops/args.js";
import { mutableData } from "../../ops/data.js";

const EMBEDDING = argSpec("nn.Embedding", 2,
  ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse", "weight", "device", "dtype"], [], {
    scaleGradByFreq: [(v) => v === false, "false (not implemented)"],
    sparse: [(v) => v === false, "false (sparse gradients are not implemented)"],
    weight: [(v) => v instanceof Tensor, "a Tensor [num, dim]"],
  });

const FROM_PRETRAINED = argSpec("nn.Embedding.fromPretrained", 1,
  ["freeze", "paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"], [], {
    freeze: [(v) => typeof v === "boolean", "a boolean"],
    scaleGradByFreq: [(v) => v === false, "false (not implemented)"],
    sparse: [(v) => v === false, "false (sparse gradients are not implemented)"],
  });
type PretrainedOpts = { freeze?: boolean; scaleGradByFreq?: false; sparse?: false } & Omit<EmbeddingLayerOptions, "weight" | "dtype">;

/** Options of Embedding. */
export interface EmbeddingLayerOptions {
  /** This row gets no gradient and starts at zero (negative counts from the end). */
  paddingIdx?: number | null;
  /** Looked-up rows with a larger `normType`-norm are renormalised in place. */
  maxNorm?: number | null;
  normType?: number;
  /** Initial weight [num, dim] instead of a random one. */
  weight?: Tensor;
  dtype?: "float32" | "float64";
}

/**
 * Maps int32 indices [...] to rows of weight [num, dim] → [..., dim].
 * @example const emb = new nn.Embedding(1000, 64, {paddingIdx: 0}); emb.forward(tokens)
 */
export class Embedding extends Module {
  weight: Tensor;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;

  constructor(public readonly numEmbeddings: number, public readonly embeddingDim: number, ...args: PyArgs<EmbeddingLayerOptions & { scaleGradByFreq?: false; sparse?: false }, typeof EMBEDDING.names>) {
    super();
    const opts = EMBEDDING.parse<EmbeddingLayerOptions>(args);
    let pad = opts.paddingIdx ?? null;
    if (pad !== null) {
      if (pad >= numEmbeddings || pad < -numEmbeddings) {
        throw new RangeError(`Embedding: paddingIdx ${pad} must be within [-${numEmbeddings}, ${numEmbeddings})`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    if (opts.weight) {
      if (opts.weight.ndim !== 2 || opts.weight.shape[0] !== numEmbeddings || opts.weight.shape[1] !== embeddingDim) {
        throw new Error(`Embedding: weight of shape ${fmtShape(opts.weight.shape)} does not match [${numEmbeddings}, ${embeddingDim}]`);
      }
      this.weight = Parameter(opts.weight);
    } else {
      this.weight = Parameter(empty([numEmbeddings, embeddingDim], opts.dtype ?? "float32"));
      this.resetParameters();
    }
  }

  /**
   * An Embedding whose weight is `embeddings` [num, dim] (frozen unless `freeze: false`).
   * @example const emb = nn.Embedding.fromPretrained(vectors, {freeze: true});
   */
  static fromPretrained(embeddings: Tensor, ...args: PyArgs<PretrainedOpts, typeof FROM_PRETRAINED.names>): Embedding {
    const { freeze, ...opts } = FROM_PRETRAINED.parse<PretrainedOpts>(args);
    if (embeddings.ndim !== 2) throw new Error(`Embedding.fromPretrained: embeddings must be 2-D [num, dim], got ${fmtShape(embeddings.shape)}`);
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...opts, weight: embeddings.detach() });
    e.weight.requiresGrad_(!(freeze ?? true));
    return e;
  }

  /** N(0, 1) rows; the padding row zero. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) {
      const d = this.embeddingDim;
      noGrad(() => {
        mutableData(this.weight, "Embedding.resetParameters").fill(0, this.paddingIdx! * d, (this.paddingIdx! + 1) * d);
        this.weight._bump();
      });
    }
  }

  override forward(idx: Tensor): Tensor {
    return F.embedding(idx, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    return s;
  }
}
