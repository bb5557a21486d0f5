/**
 * Vision Transformer (Dosovitskiy et al.) with torchvision 0.14's module structure and
 * state-dict keys (`class_token`, `conv_proj.weight`, `encoder.pos_embedding`,
 * `encoder.layers.encoder_layer_0.self_attention.in_proj_weight`, `…mlp.0.weight`,
 * `…mlp.3.weight`, `encoder.ln.weight`, `heads.head.weight`): ViT-B/16, and any other
 * configuration (ViT-B/32's patchSize 32, a small test model) through the constructor.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { zeros } from "../../ops/creation.js";
import { empty } from "../../core/tensor.js";
import { cat } from "../../ops/shape.js";

/** Pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class EncoderBlock extends nn.Module {
  ln_1: nn.LayerNorm;
  selfAttention: nn.MultiheadAttention;
  dropout: nn.Dropout;
  ln_2: nn.LayerNorm;
  mlp: nn.Sequential;

  constructor(numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.ln_1 = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
    this.selfAttention = new nn.MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout, batchFirst: true });
    this.dropout = new nn.Dropout(dropout);
    this.ln_2 = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
    // torchvision's MLPBlock: Linear, GELU, Dropout, Linear, Dropout (keys mlp.0, mlp.3).
    this.mlp = new nn.Sequential(new nn.Linear(hiddenDim, mlpDim), new nn.GELU(), new nn.Dropout(dropout), new nn.Linear(mlpDim, hiddenDim), new nn.Dropout(dropout));
    noGrad(() => {
      for (const i of [0, 3]) {
        const l = this.mlp.get(i) as nn.Linear;
        nn.init.xavierUniform_(l.weight);
        nn.init.normal_(l.bias!, { std: 1e-6 });
      }
    });
  }

  override forward(input: Tensor): Tensor {
    const h = this.ln_1.forward(input);
    const [a] = this.selfAttention.forward(h, h, h, { needWeights: false });
    const x = this.dropout.forward(a).add(input);
    return x.add(this.mlp.forward(this.ln_2.forward(x)) as Tensor);
  }
}

/** Position embedding, dropout, the blocks (`layers.encoder_layer_i`) and a final LayerNorm `ln`. */
export class Encoder extends nn.Module {
  posEmbedding: Tensor;
  dropout: nn.Dropout;
  layers: nn.Sequential;
  ln: nn.LayerNorm;

  constructor(seqLength: number, numLayers: number, numHeads: number, hiddenDim: number, mlpDim: number, dropout: number, attentionDropout: number) {
    super();
    this.posEmbedding = nn.Parameter(nn.init.normal_(empty([1, seqLength, hiddenDim], "float32"), { std: 0.02 }));
    this.dropout = new nn.Dropout(dropout);
    const blocks: Record<string, nn.Module> = {};
    for (let i = 0; i < numLayers; i++) blocks[`encoder_layer_${i}`] = new EncoderBlock(numHeads, hiddenDim, mlpDim, dropout, attentionDropout);
    this.layers = new nn.Sequential(blocks);
    this.ln = new nn.LayerNorm(hiddenDim, { eps: 1e-6 });
  }

  override forward(x: Tensor): Tensor {
    return this.ln.forward(this.layers.forward(this.dropout.forward(x.add(this.posEmbedding))) as Tensor);
  }
}

/** Configuration of a VisionTransformer (torchvision's arguments, camelCased). */
export interface ViTOptions {
  imageSize?: number;
  patchSize: number;
  numLayers: number;
  numHeads: number;
  hiddenDim: number;
  mlpDim: number;
  dropout?: number;
  attentionDropout?: number;
  numClasses?: number;
  /** A Linear + Tanh pre-logits layer of this size before the head. */
  representationSize?: number | null;
}

/**
 * ViT: a patchify conv `conv_proj`, a learned class token prepended, the Transformer
 * encoder, and `heads` applied to the class token. Input must be imageSize² (default 224).
 * @example const m = models.vision.vitB16(); m.forward(x) // [N, 3, 224, 224] → [N, 1000]
 */
export class VisionTransformer extends nn.Module {
  classToken: Tensor;
  convProj: nn.Conv2d;
  encoder: Encoder;
  heads: nn.Sequential;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;

  constructor(opts: ViTOptions) {
    super();
    const imageSize = opts.imageSize ?? 224, p = opts.patchSize, d = opts.hiddenDim;
    if (imageSize % p !== 0) throw new Error(`VisionTransformer: imageSize ${imageSize} must be divisible by patchSize ${p}`);
    this.imageSize = imageSize;
    this.patchSize = p;
    this.hiddenDim = d;
    this.convProj = new nn.Conv2d(3, d, p, { stride: p });
    this.classToken = nn.Parameter(zeros([1, 1, d]));
    const seq = (imageSize / p) ** 2 + 1;
    this.encoder = new Encoder(seq, opts.numLayers, opts.numHeads, d, opts.mlpDim, opts.dropout ?? 0, opts.attentionDropout ?? 0);
    const numClasses = opts.numClasses ?? 1000, rep = opts.representationSize ?? null;
    this.heads = rep === null
      ? new nn.Sequential({ head: new nn.Linear(d, numClasses) })
      : new nn.Sequential({ pre_logits: new nn.Linear(d, rep), act: new nn.Tanh(), head: new nn.Linear(rep, numClasses) });
    noGrad(() => {
      nn.init.truncNormal_(this.convProj.weight, { std: Math.sqrt(1 / (3 * p * p)) });
      nn.init.zeros_(this.convProj.bias!);
      if (rep !== null) {
        const pre = this.heads.get(0) as nn.Linear;
        nn.init.truncNormal_(pre.weight, { std: Math.sqrt(1 / d) });
        nn.init.zeros_(pre.bias!);
      }
      const head = this.heads.get(-1) as nn.Linear;
      nn.init.zeros_(head.weight);
      nn.init.zeros_(head.bias!);
    });
  }

  /** Patch embeddings [N, (H/p)·(W/p), hiddenDim]. */
  processInput(x: Tensor): Tensor {
    const [n, , h, w] = x.shape;
    if (x.ndim !== 4 || h !== this.imageSize || w !== this.imageSize) {
      throw new Error(`VisionTransformer.forward: expected input [N, 3, ${this.imageSize}, ${this.imageSize}], got [${x.shape.join(", ")}]`);
    }
    const nh = h / this.patchSize, nw = w / this.patchSize;
    return this.convProj.forward(x).reshape(n, this.hiddenDim, nh * nw).permute(0, 2, 1);
  }

  override forward(x: Tensor): Tensor {
    const p = this.processInput(x);
    const tok = this.classToken.expand(p.shape[0], -1, -1);
    const y = this.encoder.forward(cat([tok, p], 1));
    return this.heads.forward(y.select(1, 0)) as Tensor;
  }
}

type ViTSize = Omit<ViTOptions, "patchSize" | "numLayers" | "numHeads" | "hiddenDim" | "mlpDim">;
/** ViT-B/16 (86.6M parameters). */
export const vitB16 = (opts: ViTSize = {}): VisionTransformer => new VisionTransformer({ patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072, ...opts });
