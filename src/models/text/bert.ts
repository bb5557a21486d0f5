/**
 * BERT encoder (Devlin et al.) with Hugging Face transformers' module structure and
 * state-dict keys (`embeddings.word_embeddings.weight`, `embeddings.LayerNorm.weight`,
 * `encoder.layer.0.attention.self.query.weight`, `…attention.output.dense.bias`,
 * `…intermediate.dense.weight`, `…output.LayerNorm.bias`, `pooler.dense.weight`) and its
 * config in camelCase, so a converted `BertModel` checkpoint loads unchanged.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { make } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { attend, mergeHeads, paddingMask, resolveConfig, splitHeads } from "./attention.js";

/** Hugging Face's BertConfig, camelCased (defaults are bert-base-uncased's). */
export interface BertConfig {
  vocabSize?: number;
  hiddenSize?: number;
  numHiddenLayers?: number;
  numAttentionHeads?: number;
  intermediateSize?: number;
  /** "gelu" (exact, erf) or "gelu_new"/"gelu_pytorch_tanh" (tanh approximation), "relu". */
  hiddenAct?: "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu";
  hiddenDropoutProb?: number;
  attentionProbsDropoutProb?: number;
  maxPositionEmbeddings?: number;
  typeVocabSize?: number;
  initializerRange?: number;
  layerNormEps?: number;
  padTokenId?: number;
  /** Build the pooler (tanh of a Linear on the [CLS] state). Default true. */
  addPoolingLayer?: boolean;
}

type Full = Required<BertConfig>;
const DEFAULTS: Full = {
  vocabSize: 30522, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072, hiddenAct: "gelu",
  hiddenDropoutProb: 0.1, attentionProbsDropoutProb: 0.1, maxPositionEmbeddings: 512, typeVocabSize: 2, initializerRange: 0.02,
  layerNormEps: 1e-12, padTokenId: 0, addPoolingLayer: true,
};

/** The activation named by a Hugging Face config's `hidden_act`/`activation_function`. */
export function hfActivation(name: string, where: string): (x: Tensor) => Tensor {
  if (name === "gelu") return (x) => nn.functional.gelu(x);
  if (name === "gelu_new" || name === "gelu_pytorch_tanh") return (x) => nn.functional.gelu(x, { approximate: "tanh" });
  if (name === "relu") return (x) => x.relu();
  throw new Error(`${where}: unsupported activation ${JSON.stringify(name)} (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)`);
}

/** Adds a `LayerNorm` child under that capitalised key, as Hugging Face names it (a plain field would become `layer_norm`). */
function withLayerNorm(m: nn.Module, c: Full): void {
  m.registerModule("LayerNorm", new nn.LayerNorm(c.hiddenSize, { eps: c.layerNormEps }));
}

/** Word + position + token-type embeddings, LayerNorm, dropout. */
export class BertEmbeddings extends nn.Module {
  wordEmbeddings: nn.Embedding;
  positionEmbeddings: nn.Embedding;
  tokenTypeEmbeddings: nn.Embedding;
  declare LayerNorm: nn.LayerNorm;
  dropout: nn.Dropout;

  constructor(c: Full) {
    super();
    this.wordEmbeddings = new nn.Embedding(c.vocabSize, c.hiddenSize, { paddingIdx: c.padTokenId });
    this.positionEmbeddings = new nn.Embedding(c.maxPositionEmbeddings, c.hiddenSize);
    this.tokenTypeEmbeddings = new nn.Embedding(c.typeVocabSize, c.hiddenSize);
    withLayerNorm(this, c);
    this.dropout = new nn.Dropout(c.hiddenDropoutProb);
  }

  override forward(inputIds: Tensor, tokenTypeIds: Tensor): Tensor {
    const t = inputIds.shape[1];
    const pos = make(Int32Array.from({ length: t }, (_, i) => i), [1, t], "int32");
    const e = this.wordEmbeddings.forward(inputIds).add(this.positionEmbeddings.forward(pos)).add(this.tokenTypeEmbeddings.forward(tokenTypeIds));
    return this.dropout.forward(this.LayerNorm.forward(e));
  }
}

/** query/key/value projections and the attention itself (`attention.self`). */
export class BertSelfAttention extends nn.Module {
  query: nn.Linear;
  key: nn.Linear;
  value: nn.Linear;
  dropout: nn.Dropout;

  constructor(private readonly c: Full) {
    super();
    if (c.hiddenSize % c.numAttentionHeads !== 0) throw new Error(`BertModel: hiddenSize ${c.hiddenSize} must be divisible by numAttentionHeads ${c.numAttentionHeads}`);
    this.query = new nn.Linear(c.hiddenSize, c.hiddenSize);
    this.key = new nn.Linear(c.hiddenSize, c.hiddenSize);
    this.value = new nn.Linear(c.hiddenSize, c.hiddenSize);
    this.dropout = new nn.Dropout(c.attentionProbsDropoutProb);
  }

  override forward(x: Tensor, mask: Tensor | null): Tensor {
    const h = this.c.numAttentionHeads;
    const [q, k, v] = [this.query, this.key, this.value].map((l) => splitHeads(l.forward(x), h));
    return mergeHeads(attend(q, k, v, mask, this.dropout));
  }
}

/** dense → dropout → LayerNorm(· + residual): `attention.output` and `output`. */
export class BertOutput extends nn.Module {
  dense: nn.Linear;
  declare LayerNorm: nn.LayerNorm;
  dropout: nn.Dropout;

  constructor(inFeatures: number, c: Full) {
    super();
    this.dense = new nn.Linear(inFeatures, c.hiddenSize);
    withLayerNorm(this, c);
    this.dropout = new nn.Dropout(c.hiddenDropoutProb);
  }

  override forward(x: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(x)).add(residual));
  }
}

/** `attention.self` + `attention.output`. */
export class BertAttention extends nn.Module {
  self: BertSelfAttention;
  output: BertOutput;

  constructor(c: Full) {
    super();
    this.self = new BertSelfAttention(c);
    this.output = new BertOutput(c.hiddenSize, c);
  }

  override forward(x: Tensor, mask: Tensor | null): Tensor {
    return this.output.forward(this.self.forward(x, mask), x);
  }
}

/** A module holding one Linear `dense` (`intermediate`, `pooler`). */
export class Dense extends nn.Module {
  dense: nn.Linear;

  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.dense = new nn.Linear(inFeatures, outFeatures);
  }

  override forward(x: Tensor): Tensor {
    return this.dense.forward(x);
  }
}

/** The layer stack (`encoder.layer.i`). */
export class BertEncoder extends nn.Module {
  layer: nn.ModuleList<BertLayer>;

  constructor(c: Full) {
    super();
    this.layer = new nn.ModuleList(Array.from({ length: c.numHiddenLayers }, () => new BertLayer(c)));
  }

  override forward(x: Tensor, mask: Tensor | null): Tensor {
    for (const l of this.layer) x = l.forward(x, mask);
    return x;
  }
}

/** One encoder layer: attention, `intermediate.dense` + activation, `output`. */
export class BertLayer extends nn.Module {
  attention: BertAttention;
  intermediate: Dense;
  output: BertOutput;
  private readonly act: (x: Tensor) => Tensor;

  constructor(c: Full) {
    super();
    this.attention = new BertAttention(c);
    this.intermediate = new Dense(c.hiddenSize, c.intermediateSize);
    this.output = new BertOutput(c.intermediateSize, c);
    this.act = hfActivation(c.hiddenAct, "BertModel");
  }

  override forward(x: Tensor, mask: Tensor | null): Tensor {
    const a = this.attention.forward(x, mask);
    return this.output.forward(this.act(this.intermediate.forward(a)), a);
  }
}

/** Outputs of BertModel.forward. */
export interface BertOutputs {
  /** [B, T, hiddenSize]. */
  lastHiddenState: Tensor;
  /** tanh(dense([CLS] state)) [B, hiddenSize], or null without a pooler. */
  poolerOutput: Tensor | null;
}

/**
 * Hugging Face's `BertModel`: embeddings, `numHiddenLayers` post-norm encoder layers
 * (`encoder.layer.i`), and a pooler.
 * @example const bert = new models.text.BertModel({ vocabSize: 1000, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512 });
 * const { lastHiddenState } = bert.forward(ids, { attentionMask });
 */
export class BertModel extends nn.Module {
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: Dense | null = null;
  readonly config: Full;

  constructor(config: BertConfig = {}) {
    super();
    const c = this.config = resolveConfig("BertModel", DEFAULTS, config);
    this.embeddings = new BertEmbeddings(c);
    this.encoder = new BertEncoder(c);
    if (c.addPoolingLayer) this.pooler = new Dense(c.hiddenSize, c.hiddenSize);
    this.initWeights();
  }

  /** Hugging Face's `_init_weights`: N(0, initializerRange²) weights, zero biases, LayerNorm 1/0, the padding row zero. */
  initWeights(): void {
    const std = this.config.initializerRange;
    noGrad(() => this.apply((m) => {
      if (m instanceof nn.Linear) {
        nn.init.normal_(m.weight, { std });
        if (m.bias) nn.init.zeros_(m.bias);
      } else if (m instanceof nn.Embedding) {
        nn.init.normal_(m.weight, { std });
        if (m.paddingIdx !== null) m.weight.select(0, m.paddingIdx).zero_();
      } else if (m instanceof nn.LayerNorm) {
        nn.init.ones_(m.weight!);
        nn.init.zeros_(m.bias!);
      }
    }));
  }

  /**
   * Ignores the `embeddings.position_ids` buffer older checkpoints carry (Hugging Face
   * does too: it is arange(maxPositionEmbeddings), not a weight).
   */
  override loadStateDict(stateDict: Record<string, Tensor>, opts: { strict?: boolean } = {}): nn.LoadResult {
    const { ["embeddings.position_ids"]: _ignored, ...rest } = stateDict;
    return super.loadStateDict(rest, opts);
  }

  /** inputIds [B, T] int32 → last hidden state [B, T, H] and pooled [CLS] output. */
  override forward(inputIds: Tensor, opts: { attentionMask?: Tensor | null; tokenTypeIds?: Tensor | null } = {}): BertOutputs {
    if (inputIds.ndim !== 2) throw new Error(`BertModel.forward: inputIds must be [batch, seq], got shape [${inputIds.shape}]`);
    const t = inputIds.shape[1];
    if (t > this.config.maxPositionEmbeddings) throw new Error(`BertModel.forward: sequence length ${t} exceeds maxPositionEmbeddings ${this.config.maxPositionEmbeddings}`);
    const types = opts.tokenTypeIds ?? make(new Int32Array(inputIds.numel()), inputIds.shape.slice(), "int32");
    const mask = opts.attentionMask ? paddingMask(opts.attentionMask, "BertModel.forward") : null;
    const x = this.encoder.forward(this.embeddings.forward(inputIds, types), mask);
    return { lastHiddenState: x, poolerOutput: this.pooler ? this.pooler.forward(x.select(1, 0)).tanh() : null };
  }
}
