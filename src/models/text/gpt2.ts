/**
 * GPT-2 (Radford et al.) as Hugging Face's `GPT2LMHeadModel`: its state-dict keys
 * (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, `…mlp.c_fc.bias`,
 * `transformer.ln_f.weight`, `lm_head.weight` tied to `wte`), its camelCased config, and
 * its `Conv1D` layers, whose weight is [in, out] (the transpose of nn.Linear's), so
 * checkpoints load without transposing. A key/value cache makes generation one token
 * per step.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { make, empty } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { cat } from "../../ops/shape.js";
import type { Generator } from "../../core/random.js";
import { defaultGenerator } from "../../core/random.js";
import { attend, causalMask, mergeHeads, paddingMask, resolveConfig, splitHeads } from "./attention.js";
import { hfActivation } from "./bert.js";

/** Hugging Face's GPT2Config, camelCased (defaults are gpt2's, 124M). */
export interface GPT2Config {
  vocabSize?: number;
  nPositions?: number;
  nEmbd?: number;
  nLayer?: number;
  nHead?: number;
  /** MLP width; null = 4·nEmbd. */
  nInner?: number | null;
  activationFunction?: "gelu_new" | "gelu" | "gelu_pytorch_tanh" | "relu";
  residPdrop?: number;
  embdPdrop?: number;
  attnPdrop?: number;
  layerNormEpsilon?: number;
  initializerRange?: number;
}

type Full = Required<GPT2Config>;
const DEFAULTS: Full = {
  vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, nInner: null, activationFunction: "gelu_new",
  residPdrop: 0.1, embdPdrop: 0.1, attnPdrop: 0.1, layerNormEpsilon: 1e-5, initializerRange: 0.02,
};

/** Hugging Face's Conv1D: y = x·W + b with W [nx, nf] (in, out). */
export class Conv1D extends nn.Module {
  weight: Tensor;
  bias: Tensor;

  constructor(public readonly nf: number, public readonly nx: number) {
    super();
    this.weight = nn.Parameter(nn.init.normal_(empty([nx, nf], "float32"), { std: 0.02 }));
    this.bias = nn.Parameter(make(new Float32Array(nf), [nf], "float32"));
  }

  override forward(x: Tensor): Tensor {
    return x.matmul(this.weight).add(this.bias);
  }
}

/** A layer's cached keys and values [B, H, S, D]. */
export type LayerPast = [Tensor, Tensor];

/** Causal self-attention with a fused q/k/v projection `c_attn` and output `c_proj`. */
export class GPT2Attention extends nn.Module {
  c_attn: Conv1D;
  c_proj: Conv1D;
  attnDropout: nn.Dropout;
  residDropout: nn.Dropout;

  constructor(private readonly c: Full) {
    super();
    if (c.nEmbd % c.nHead !== 0) throw new Error(`GPT2LMHeadModel: nEmbd ${c.nEmbd} must be divisible by nHead ${c.nHead}`);
    this.c_attn = new Conv1D(3 * c.nEmbd, c.nEmbd);
    this.c_proj = new Conv1D(c.nEmbd, c.nEmbd);
    this.attnDropout = new nn.Dropout(c.attnPdrop);
    this.residDropout = new nn.Dropout(c.residPdrop);
  }

  override forward(x: Tensor, past: LayerPast | null, pad: Tensor | null): [Tensor, LayerPast] {
    const e = this.c.nEmbd, h = this.c.nHead;
    const [q, k0, v0] = this.c_attn.forward(x).split(e, 2).map((t) => splitHeads(t, h));
    const k = past ? cat([past[0], k0], 2) : k0, v = past ? cat([past[1], v0], 2) : v0;
    let mask = causalMask(x.shape[1], k.shape[2] - x.shape[1]);
    if (pad) mask = mask.add(pad);
    const y = this.residDropout.forward(this.c_proj.forward(mergeHeads(attend(q, k, v, mask, this.attnDropout))));
    return [y, [k, v]];
  }
}

/** c_fc → activation → c_proj → dropout. */
export class GPT2MLP extends nn.Module {
  c_fc: Conv1D;
  c_proj: Conv1D;
  dropout: nn.Dropout;
  private readonly act: (x: Tensor) => Tensor;

  constructor(c: Full) {
    super();
    const inner = c.nInner ?? 4 * c.nEmbd;
    this.c_fc = new Conv1D(inner, c.nEmbd);
    this.c_proj = new Conv1D(c.nEmbd, inner);
    this.dropout = new nn.Dropout(c.residPdrop);
    this.act = hfActivation(c.activationFunction, "GPT2LMHeadModel");
  }

  override forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.act(this.c_fc.forward(x))));
  }
}

/** Pre-norm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class GPT2Block extends nn.Module {
  ln_1: nn.LayerNorm;
  attn: GPT2Attention;
  ln_2: nn.LayerNorm;
  mlp: GPT2MLP;

  constructor(c: Full) {
    super();
    this.ln_1 = new nn.LayerNorm(c.nEmbd, { eps: c.layerNormEpsilon });
    this.attn = new GPT2Attention(c);
    this.ln_2 = new nn.LayerNorm(c.nEmbd, { eps: c.layerNormEpsilon });
    this.mlp = new GPT2MLP(c);
  }

  override forward(x: Tensor, past: LayerPast | null, pad: Tensor | null): [Tensor, LayerPast] {
    const [a, present] = this.attn.forward(this.ln_1.forward(x), past, pad);
    const y = x.add(a);
    return [y.add(this.mlp.forward(this.ln_2.forward(y))), present];
  }
}

/** Token + position embeddings, the blocks (`h.i`) and the final LayerNorm `ln_f`. */
export class GPT2Model extends nn.Module {
  wte: nn.Embedding;
  wpe: nn.Embedding;
  drop: nn.Dropout;
  h: nn.ModuleList<GPT2Block>;
  ln_f: nn.LayerNorm;

  constructor(private readonly c: Full) {
    super();
    this.wte = new nn.Embedding(c.vocabSize, c.nEmbd);
    this.wpe = new nn.Embedding(c.nPositions, c.nEmbd);
    this.drop = new nn.Dropout(c.embdPdrop);
    this.h = new nn.ModuleList(Array.from({ length: c.nLayer }, () => new GPT2Block(c)));
    this.ln_f = new nn.LayerNorm(c.nEmbd, { eps: c.layerNormEpsilon });
  }

  override forward(inputIds: Tensor, past: LayerPast[] | null, pad: Tensor | null): [Tensor, LayerPast[]] {
    const t = inputIds.shape[1], p = past ? past[0][0].shape[2] : 0;
    if (p + t > this.c.nPositions) throw new Error(`GPT2LMHeadModel.forward: ${p} cached + ${t} new positions exceed nPositions ${this.c.nPositions}`);
    const pos = make(Int32Array.from({ length: t }, (_, i) => p + i), [1, t], "int32");
    let x = this.drop.forward(this.wte.forward(inputIds).add(this.wpe.forward(pos)));
    const presents: LayerPast[] = [];
    let i = 0;
    for (const block of this.h) {
      const [y, present] = block.forward(x, past ? past[i++] : null, pad);
      x = y;
      presents.push(present);
    }
    return [this.ln_f.forward(x), presents];
  }
}

/** Options of GPT2LMHeadModel.forward. */
export interface GPT2ForwardOptions {
  /** Cached keys/values from an earlier call (its `pastKeyValues`). */
  pastKeyValues?: LayerPast[] | null;
  /** 0/1 [B, past + T] (1 = attend), for left-padded batches. */
  attentionMask?: Tensor | null;
}

/** Options of `generate`. Greedy unless `temperature` (> 0) or `topK` is given. */
export interface GenerateOptions {
  maxNewTokens: number;
  /** Softmax temperature for sampling; 0 = greedy. */
  temperature?: number;
  /** Sample among the k most likely tokens only. */
  topK?: number;
  generator?: Generator;
  /** Reuse keys/values of earlier positions (default true); false recomputes the whole prefix each step. */
  useCache?: boolean;
}

/**
 * Hugging Face's `GPT2LMHeadModel`: GPT2Model (`transformer.`) and a bias-free
 * `lm_head` sharing its weight with `transformer.wte`.
 * @example const gpt2 = new models.text.GPT2LMHeadModel({ nLayer: 2, nEmbd: 64, nHead: 4, vocabSize: 500 });
 * const ids = gpt2.generate(prompt, { maxNewTokens: 20, temperature: 0.8, topK: 40 });
 */
export class GPT2LMHeadModel extends nn.Module {
  transformer: GPT2Model;
  lmHead: nn.Linear;
  readonly config: Full;

  constructor(config: GPT2Config = {}) {
    super();
    const c = this.config = resolveConfig("GPT2LMHeadModel", DEFAULTS, config);
    this.transformer = new GPT2Model(c);
    this.lmHead = new nn.Linear(c.nEmbd, c.vocabSize, { bias: false });
    this.initWeights();
    this.lmHead.weight = this.transformer.wte.weight;
  }

  /** Hugging Face's init: N(0, 0.02²) weights, zero biases, c_proj scaled by 1/√(2·nLayer), LayerNorm 1/0. */
  initWeights(): void {
    const std = this.config.initializerRange;
    noGrad(() => {
      this.apply((m) => {
        if (m instanceof Conv1D || m instanceof nn.Embedding || m instanceof nn.Linear) nn.init.normal_(m.weight, { std });
        if (m instanceof Conv1D) nn.init.zeros_(m.bias);
      });
      for (const b of this.transformer.h) for (const l of [b.attn.c_proj, b.mlp.c_proj]) nn.init.normal_(l.weight, { std: std / Math.sqrt(2 * this.config.nLayer) });
    });
  }

  /**
   * Checkpoints saved by Hugging Face omit the tied `lm_head.weight` and older ones carry
   * the causal-mask buffers `attn.bias`/`attn.masked_bias`; both are handled here.
   */
  override loadStateDict(stateDict: Record<string, Tensor>, opts: { strict?: boolean } = {}): nn.LoadResult {
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(stateDict)) if (!/^transformer\.h\.\d+\.attn\.(bias|masked_bias)$/.test(k)) sd[k] = v;
    if (!("lm_head.weight" in sd) && "transformer.wte.weight" in sd) sd["lm_head.weight"] = sd["transformer.wte.weight"];
    return super.loadStateDict(sd, opts);
  }

  /** inputIds [B, T] int32 → logits [B, T, vocab] and the updated key/value cache. */
  override forward(inputIds: Tensor, opts: GPT2ForwardOptions = {}): { logits: Tensor; pastKeyValues: LayerPast[] } {
    if (inputIds.ndim !== 2) throw new Error(`GPT2LMHeadModel.forward: inputIds must be [batch, seq], got shape [${inputIds.shape}]`);
    const pad = opts.attentionMask ? paddingMask(opts.attentionMask, "GPT2LMHeadModel.forward") : null;
    const [hidden, presents] = this.transformer.forward(inputIds, opts.pastKeyValues ?? null, pad);
    return { logits: this.lmHead.forward(hidden), pastKeyValues: presents };
  }

  /**
   * Appends `maxNewTokens` tokens to each row of `inputIds` [B, T] (greedy, or sampled
   * with temperature / top-k) and returns [B, T + maxNewTokens]. Runs in eval mode.
   */
  generate(inputIds: Tensor, opts: GenerateOptions): Tensor {
    const n = opts.maxNewTokens;
    if (!Number.isInteger(n) || n < 0) throw new Error(`GPT2LMHeadModel.generate: maxNewTokens must be a non-negative integer, got ${n}`);
    const temp = opts.temperature ?? (opts.topK !== undefined ? 1 : 0);
    if (!(temp >= 0)) throw new Error(`GPT2LMHeadModel.generate: temperature must be >= 0, got ${temp}`);
    if (opts.topK !== undefined && !(Number.isInteger(opts.topK) && opts.topK > 0)) throw new Error(`GPT2LMHeadModel.generate: topK must be a positive integer, got ${opts.topK}`);
    const gen = opts.generator ?? defaultGenerator, useCache = opts.useCache ?? true;
    const [b] = inputIds.shape;
    const rows: number[][] = Array.from({ length: b }, (_, i) => Array.from(inputIds.select(0, i).data() as Int32Array));
    this.eval();
    return noGrad(() => {
      let past: LayerPast[] | null = null;
      let feed = inputIds;
      for (let s = 0; s < n; s++) {
        const out = this.forward(feed, { pastKeyValues: past });
        const t = out.logits.shape[1], v = out.logits.shape[2], d = out.logits.data() as Float32Array;
        const next = rows.map((row, i) => pickToken(d.subarray((i * t + t - 1) * v, (i * t + t) * v), temp, opts.topK, gen));
        next.forEach((tok, i) => rows[i].push(tok));
        if (useCache) {
          past = out.pastKeyValues;
          feed = make(Int32Array.from(next), [b, 1], "int32");
        } else {
          feed = make(Int32Array.from(rows.flat()), [b, rows[0].length], "int32");
        }
      }
      return make(Int32Array.from(rows.flat()), [b, rows[0].length], "int32");
    });
  }
}

/** Greedy argmax (temp 0), or a sample from softmax(logits/temp) restricted to the top k. */
function pickToken(logits: Float32Array, temp: number, topK: number | undefined, gen: Generator): number {
  const V = logits.length;
  if (temp === 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let cut = -Infinity;
  if (topK !== undefined && topK < V) cut = Float32Array.from(logits).sort()[V - topK];
  let mx = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] >= cut) mx = Math.max(mx, logits[i]);
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) if (logits[i] >= cut) z += p[i] = Math.exp((logits[i] - mx) / temp);
  let u = gen.random() * z;
  for (let i = 0; i < V; i++) if (p[i] > 0 && (u -= p[i]) < 0) return i;
  for (let i = V - 1; i >= 0; i--) if (p[i] > 0) return i;
  return 0;
}
