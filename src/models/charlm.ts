/**
 * Reference character-level language models: a small GPT-style Transformer decoder
 * (pre-norm encoder layers under a causal mask) and an LSTM, both mapping token ids
 * [B, T] to next-token logits [B, T, V]; plus temperature sampling with a seeded
 * Generator. Parameter names mirror the equivalent PyTorch modules
 * (`tok_emb.weight`, `pos_emb.weight`, `blocks.layers.0.self_attn.in_proj_weight`,
 * `ln_f.weight`, `head.weight`; `embed.weight`, `lstm.weight_ih_l0`).
 */
import * as nn from "../nn/index.js";
import { Tensor, make } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { arange } from "../ops/creation.js";
import type { Generator } from "../core/random.js";

/** Hyper-parameters of CharTransformer. */
export interface CharTransformerOptions {
  vocabSize: number;
  /** Longest context (positions of the learned position embedding). */
  blockSize: number;
  dModel?: number;
  nhead?: number;
  numLayers?: number;
  dropout?: number;
}

/**
 * Decoder-only Transformer: token + learned position embeddings, `numLayers`
 * pre-norm self-attention blocks (GELU MLP of 4·dModel) with a causal mask, a final
 * LayerNorm and a linear head.
 * @example const m = new CharTransformer({ vocabSize: 65, blockSize: 64 }); m.forward(ids) // [B, T] → [B, T, 65]
 */
export class CharTransformer extends nn.Module {
  tok_emb: nn.Embedding;
  pos_emb: nn.Embedding;
  drop: nn.Dropout;
  blocks: nn.TransformerEncoder;
  ln_f: nn.LayerNorm;
  head: nn.Linear;
  readonly blockSize: number;

  constructor(opts: CharTransformerOptions) {
    super();
    const d = opts.dModel ?? 64, p = opts.dropout ?? 0;
    this.blockSize = opts.blockSize;
    this.tok_emb = new nn.Embedding(opts.vocabSize, d);
    this.pos_emb = new nn.Embedding(opts.blockSize, d);
    this.drop = new nn.Dropout(p);
    const layer = new nn.TransformerEncoderLayer(d, opts.nhead ?? 4, { dimFeedforward: 4 * d, dropout: p, activation: "gelu", batchFirst: true, normFirst: true });
    this.blocks = new nn.TransformerEncoder(layer, opts.numLayers ?? 2);
    this.ln_f = new nn.LayerNorm(d);
    this.head = new nn.Linear(d, opts.vocabSize);
  }

  /** ids int32 [B, T] (T ≤ blockSize) → logits [B, T, vocabSize]; position t sees tokens ≤ t only. */
  override forward(ids: Tensor): Tensor {
    if (ids.ndim !== 2 || ids.shape[1] > this.blockSize) throw new Error(`CharTransformer: expected ids [B, T] with T <= ${this.blockSize}, got [${ids.shape.join(", ")}]`);
    const T = ids.shape[1];
    const pos = arange(T).int();
    let x = this.drop.forward(this.tok_emb.forward(ids).add(this.pos_emb.forward(pos)));
    x = this.blocks.forward(x, { mask: nn.Transformer.generateSquareSubsequentMask(T), isCausal: true });
    return this.head.forward(this.ln_f.forward(x));
  }
}

/** Hyper-parameters of CharLstm. */
export interface CharLstmOptions {
  vocabSize: number;
  embedDim?: number;
  hidden?: number;
  numLayers?: number;
  dropout?: number;
}

/**
 * Embedding → multi-layer LSTM → linear head (karpathy's char-rnn, with an embedding).
 * @example const m = new CharLstm({ vocabSize: 65 }); m.forward(ids) // [B, T] → [B, T, 65]
 */
export class CharLstm extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;
  /** No fixed context: sampling feeds the whole history (truncated by `generate`'s `context`). */
  readonly blockSize = Infinity;

  constructor(opts: CharLstmOptions) {
    super();
    const h = opts.hidden ?? 128;
    this.embed = new nn.Embedding(opts.vocabSize, opts.embedDim ?? 32);
    this.lstm = new nn.LSTM(opts.embedDim ?? 32, h, { numLayers: opts.numLayers ?? 1, batchFirst: true, dropout: opts.dropout ?? 0 });
    this.head = new nn.Linear(h, opts.vocabSize);
  }

  /** ids int32 [B, T] → logits [B, T, vocabSize]. */
  override forward(ids: Tensor): Tensor {
    if (ids.ndim !== 2) throw new Error(`CharLstm: expected ids [B, T], got [${ids.shape.join(", ")}]`);
    const [out] = this.lstm.forward(this.embed.forward(ids));
    return this.head.forward(out);
  }
}

/** A model that maps ids [1, T] to logits [1, T, V] and has a maximum context. */
export interface CharModel {
  /** Token ids [1, T] → next-token logits [1, T, V]. */
  forward(ids: Tensor): Tensor;
  /** Switches to evaluation mode (no dropout) before generating. */
  eval(): unknown;
  readonly blockSize: number;
}

/**
 * Samples `steps` tokens after `prompt` (token ids): each step feeds the last
 * min(blockSize, context) tokens, divides the last logits by `temperature`, and
 * draws from the softmax with `generator`. Returns prompt + sampled ids.
 * @example generate(model, vocab.encode("ROMEO:").data(), 200, { temperature: 0.8, generator: new Generator(1) })
 */
export function generate(model: CharModel, prompt: ArrayLike<number>, steps: number, opts: { temperature?: number; generator: Generator; context?: number }): number[] {
  const ids = Array.from(prompt);
  if (ids.length === 0) throw new Error("generate: the prompt must hold at least one token");
  const temp = opts.temperature ?? 1;
  const ctx = Math.min(model.blockSize, opts.context ?? 256);
  model.eval();
  noGrad(() => {
    for (let s = 0; s < steps; s++) {
      const window = ids.slice(-ctx);
      const logits = model.forward(make(Int32Array.from(window), [1, window.length], "int32"));
      const V = logits.shape[2], d = logits.data(), o = (window.length - 1) * V;
      let mx = -Infinity;
      for (let v = 0; v < V; v++) mx = Math.max(mx, d[o + v] / temp);
      const p = new Float64Array(V);
      let z = 0;
      for (let v = 0; v < V; v++) z += p[v] = Math.exp(d[o + v] / temp - mx);
      let u = opts.generator.random() * z, pick = V - 1;
      for (let v = 0; v < V; v++) if ((u -= p[v]) < 0) { pick = v; break; }
      ids.push(pick);
    }
  });
  return ids;
}
