/**
 * Transformer layers with PyTorch's structure, parameter names and forward order:
 * TransformerEncoderLayer, TransformerDecoderLayer (post-norm or pre-norm), the
 * stacks TransformerEncoder/TransformerDecoder (deep copies of one layer, keys
 * `layers.0.self_attn.in_proj_weight`, …) and the full encoder-decoder Transformer.
 */
import { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { fmtShape } from "../../core/shape.js";
import { full } from "../../ops/creation.js";
import "../../ops/shape.js";
import { Module, Parameter, isParameter } from "../module.js";
import { ModuleList } from "../containers.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./normalization.js";
import { Dropout } from "./dropout.js";
import { MultiheadAttention } from "./attention.js";
import { relu, gelu } from "../../ops/nn/activations.js";
import * as init from "../init.js";
import { argSpec, type PyArgs } from "../../ops/args.js";

/** An activation name, a function of a tensor, or a module with `forward(x)`. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

/** Options shared by the encoder and decoder layers. */
export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default "relu"). */
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before attention and feed-forward (default false: post-norm). */
  normFirst?: boolean;
  /** Biases in the linear layers and LayerNorms (default true). */
  bias?: boolean;
  dtype?: "float32" | "float64";
}

function activationFn(a: TransformerActivation | undefined, op: string): (x: Tensor) => Tensor {
  if (a === undefined || a === "relu") return relu;
  if (a === "gelu") return (x) => gelu(x);
  if (a instanceof Module) return (x) => a.forward(x) as Tensor;
  if (typeof a === "function") return a;
  throw new Error(`${op}: activation should be "relu", "gelu", a function or a Module, got ${JSON.stringify(a)}`);
}

function checkDims(op: string, dModel: number, nhead: number): void {
  if (!Number.isInteger(dModel) || dModel <= 0 || !Number.isInteger(nhead) || nhead <= 0 || dModel % nhead !== 0) {
    throw new Error(`${op}: dModel (${dModel}) must be a positive multiple of nhead (${nhead})`);
  }
}

/** Options of `TransformerEncoderLayer.forward`. */
export interface EncoderLayerForwardOptions {
  /** [L, L] or [N·nhead, L, L]; bool true = masked, float added. */
  srcMask?: Tensor | null;
  /** [N, L]; true = padding (ignored key). */
  srcKeyPaddingMask?: Tensor | null;
  /** `srcMask` is causal (a causal mask is applied when srcMask is absent). */
  isCausal?: boolean;
}

const LAYER = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst", "device", "dtype", "*", "bias"] as const;
const NORM_TYPE = { norm: [(v: unknown) => v === null || v instanceof Module, "a Module or null"] as [(v: unknown) => boolean, string] };
const S = {
  TransformerEncoderLayer: argSpec("nn.TransformerEncoderLayer", 2, LAYER),
  TransformerDecoderLayer: argSpec("nn.TransformerDecoderLayer", 2, LAYER),
  TransformerEncoder: argSpec("nn.TransformerEncoder", 2, ["norm", "enableNestedTensor", "maskCheck"], [], NORM_TYPE),
  TransformerDecoder: argSpec("nn.TransformerDecoder", 2, ["norm"], [], NORM_TYPE),
  Transformer: argSpec("nn.Transformer", 0, ["dModel", "nhead", "numEncoderLayers", "numDecoderLayers", "dimFeedforward",
    "dropout", "activation", "customEncoder", "customDecoder", "layerNormEps", "batchFirst", "normFirst", "device", "dtype", "*", "bias"]),
};
type EncoderOpts = { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean };

/**
 * Self-attention + feed-forward block, as PyTorch's `TransformerEncoderLayer`.
 * Post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm (`normFirst`):
 * x = x + sa(norm1(x)); x = x + ff(norm2(x)).
 * @example const layer = new nn.TransformerEncoderLayer(128, 4, {dimFeedforward: 512, batchFirst: true});
 */
export class TransformerEncoderLayer extends Module {
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: TransformerActivation;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;

  constructor(public readonly dModel: number, public readonly nhead: number, ...args: PyArgs<TransformerLayerOptions, typeof S.TransformerEncoderLayer.names>) {
    super();
    const opts = S.TransformerEncoderLayer.parse<TransformerLayerOptions>(args);
    checkDims("TransformerEncoderLayer", dModel, nhead);
    const p = opts.dropout ?? 0.1, bias = opts.bias ?? true, dtype = opts.dtype ?? "float32";
    const ff = opts.dimFeedforward ?? 2048, eps = opts.layerNormEps ?? 1e-5;
    this.batchFirst = opts.batchFirst ?? false;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, dtype });
    this.linear1 = new Linear(dModel, ff, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype });
    this.normFirst = opts.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = opts.activation ?? "relu";
    activationFn(this.activation, "TransformerEncoderLayer");
  }

  /** src [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched) → same shape. */
  override forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.selfAttn.forward(x, x, x, {
      attnMask: opts.srcMask, keyPaddingMask: opts.srcKeyPaddingMask, needWeights: false, isCausal: opts.isCausal,
    })[0]);
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(this.ffBlock(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(this.ffBlock(x)));
    }
    return x;
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation, "")(this.linear1.forward(x)))));
  }
}

/** Options of `TransformerDecoderLayer.forward` and `TransformerDecoder.forward`. */
export interface DecoderForwardOptions {
  /** Self-attention mask [T, T] (bool true = masked, float added). */
  tgtMask?: Tensor | null;
  /** Cross-attention mask [T, S]. */
  memoryMask?: Tensor | null;
  /** [N, T]; true = padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]; true = padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** `tgtMask` is causal (applied directly when tgtMask is absent). */
  tgtIsCausal?: boolean;
  /** `memoryMask` is causal. */
  memoryIsCausal?: boolean;
}

/**
 * Self-attention, cross-attention over `memory`, feed-forward, as PyTorch's
 * `TransformerDecoderLayer` (post-norm, or pre-norm with `normFirst`).
 * @example const y = new nn.TransformerDecoderLayer(64, 4).forward(tgt, memory, {tgtMask});
 */
export class TransformerDecoderLayer extends Module {
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: TransformerActivation;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;

  constructor(public readonly dModel: number, public readonly nhead: number, ...args: PyArgs<TransformerLayerOptions, typeof S.TransformerDecoderLayer.names>) {
    super();
    const opts = S.TransformerDecoderLayer.parse<TransformerLayerOptions>(args);
    checkDims("TransformerDecoderLayer", dModel, nhead);
    const p = opts.dropout ?? 0.1, bias = opts.bias ?? true, dtype = opts.dtype ?? "float32";
    const ff = opts.dimFeedforward ?? 2048, eps = opts.layerNormEps ?? 1e-5;
    this.batchFirst = opts.batchFirst ?? false;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, dtype });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: this.batchFirst, dtype });
    this.linear1 = new Linear(dModel, ff, { bias, dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype });
    this.normFirst = opts.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype });
    this.norm3 = new LayerNorm(dModel, { eps, bias, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = opts.activation ?? "relu";
    activationFn(this.activation, "TransformerDecoderLayer");
  }

  /** tgt [T, N, E], memory [S, N, E] (batch-first or unbatched alike) → [T, N, E]. */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderForwardOptions = {}): Tensor {
    const sa = (x: Tensor): Tensor => this.dropout1.forward(this.selfAttn.forward(x, x, x, {
      attnMask: opts.tgtMask, keyPaddingMask: opts.tgtKeyPaddingMask, needWeights: false, isCausal: opts.tgtIsCausal,
    })[0]);
    const mha = (x: Tensor): Tensor => this.dropout2.forward(this.multiheadAttn.forward(x, memory, memory, {
      attnMask: opts.memoryMask, keyPaddingMask: opts.memoryKeyPaddingMask, needWeights: false, isCausal: opts.memoryIsCausal,
    })[0]);
    const ff = (x: Tensor): Tensor => this.dropout3.forward(this.linear2.forward(this.dropout.forward(activationFn(this.activation, "")(this.linear1.forward(x)))));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(mha(this.norm2.forward(x)));
      x = x.add(ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      x = this.norm3.forward(x.add(ff(x)));
    }
    return x;
  }
}

/** Options of `TransformerEncoder.forward`. */
export interface EncoderForwardOptions {
  /** Attention mask passed to every layer as `srcMask`. */
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/**
 * `numLayers` independent deep copies of `encoderLayer` applied in turn, then the
 * optional final `norm`. `enableNestedTensor` is accepted for PyTorch parity (it only
 * selects an inference fast path there; results are the same).
 * @example const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(128, 4), 2);
 */
export class TransformerEncoder extends Module {
  layers: ModuleList<TransformerEncoderLayer>;
  norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer, public readonly numLayers: number, ...args: PyArgs<EncoderOpts, typeof S.TransformerEncoder.names>) {
    super();
    const opts = S.TransformerEncoder.parse<EncoderOpts>(args);
    if (!(encoderLayer instanceof Module)) throw new TypeError("TransformerEncoder: encoderLayer must be a Module");
    if (!Number.isInteger(numLayers) || numLayers < 0) throw new Error(`TransformerEncoder: numLayers must be a non-negative integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneModule(encoderLayer)));
    this.norm = opts.norm ?? null;
  }

  /** src [L, N, E] (or batch-first / unbatched) → same shape. */
  override forward(src: Tensor, opts: EncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal });
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

/**
 * `numLayers` deep copies of `decoderLayer`, each attending to `memory`, then the
 * optional final `norm`.
 */
export class TransformerDecoder extends Module {
  layers: ModuleList<TransformerDecoderLayer>;
  norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer, public readonly numLayers: number, ...args: PyArgs<{ norm?: Module | null }, typeof S.TransformerDecoder.names>) {
    super();
    const opts = S.TransformerDecoder.parse<{ norm?: Module | null }>(args);
    if (!(decoderLayer instanceof Module)) throw new TypeError("TransformerDecoder: decoderLayer must be a Module");
    if (!Number.isInteger(numLayers) || numLayers < 0) throw new Error(`TransformerDecoder: numLayers must be a non-negative integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneModule(decoderLayer)));
    this.norm = opts.norm ?? null;
  }

  /** tgt [T, N, E], memory [S, N, E] → [T, N, E]. */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, opts);
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

/** Options of `nn.Transformer` (all of PyTorch's constructor arguments). */
export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  customEncoder?: Module;
  customDecoder?: Module;
}

/** Options of `Transformer.forward`. */
export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

/**
 * The encoder-decoder Transformer of "Attention is all you need", as PyTorch's
 * `nn.Transformer` (final LayerNorms on both stacks; every weight matrix re-drawn
 * xavier-uniform). Takes only options.
 * @example const model = new nn.Transformer({dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2});
 * const y = model.forward(src, tgt, {tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0])});
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(...args: PyArgs<TransformerOptions, typeof S.Transformer.names>) {
    super();
    const opts = S.Transformer.parse<TransformerOptions>(args);
    this.dModel = opts.dModel ?? 512;
    this.nhead = opts.nhead ?? 8;
    this.batchFirst = opts.batchFirst ?? false;
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: opts.dimFeedforward, dropout: opts.dropout, activation: opts.activation, layerNormEps: opts.layerNormEps,
      batchFirst: opts.batchFirst, normFirst: opts.normFirst, bias: opts.bias, dtype: opts.dtype,
    };
    const normOpts = { eps: opts.layerNormEps ?? 1e-5, bias: opts.bias ?? true, dtype: opts.dtype };
    this.encoder = opts.customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts), opts.numEncoderLayers ?? 6, {
      norm: new LayerNorm(this.dModel, normOpts),
    });
    this.decoder = opts.customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts), opts.numDecoderLayers ?? 6, {
      norm: new LayerNorm(this.dModel, normOpts),
    });
    for (const p of this.parameters()) if (p.ndim > 1) init.xavierUniform_(p);
  }

  /**
   * src [S, N, E], tgt [T, N, E] (batch-first: [N, S, E], [N, T, E]; or unbatched) →
   * [T, N, E].
   */
  override forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    const batched = src.ndim === 3;
    if (batched && src.shape[this.batchFirst ? 0 : 1] !== tgt.shape[this.batchFirst ? 0 : 1]) {
      throw new Error(`Transformer.forward: the batch number of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal`);
    }
    if (!batched && src.ndim !== tgt.ndim) throw new Error(`Transformer.forward: src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must both be batched (3-D) or unbatched (2-D)`);
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new Error(`Transformer.forward: the feature number of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal to dModel ${this.dModel}`);
    }
    const memory = this.encoder.forward(src, { mask: opts.srcMask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.srcIsCausal }) as Tensor;
    return this.decoder.forward(tgt, memory, {
      tgtMask: opts.tgtMask, memoryMask: opts.memoryMask, tgtKeyPaddingMask: opts.tgtKeyPaddingMask,
      memoryKeyPaddingMask: opts.memoryKeyPaddingMask, tgtIsCausal: opts.tgtIsCausal, memoryIsCausal: opts.memoryIsCausal,
    }) as Tensor;
  }

  /**
   * A float [n, n] mask with -inf above the diagonal and 0 elsewhere (position i may
   * attend to positions ≤ i), as PyTorch's.
   * @example nn.Transformer.generateSquareSubsequentMask(3) // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(n: number, opts: { dtype?: "float32" | "float64" } = {}): Tensor {
    if (!Number.isInteger(n) || n < 0) throw new Error(`generateSquareSubsequentMask: size must be a non-negative integer, got ${n}`);
    return full([n, n], -Infinity, { dtype: opts.dtype ?? "float32" }).triu(1);
  }
}

/**
 * A deep copy of a module (PyTorch's `copy.deepcopy`): parameters and buffers are
 * cloned (parameters stay parameters, with their requiresGrad), child modules,
 * arrays, maps and plain objects are copied recursively, shared references stay
 * shared; functions and other objects are kept by reference.
 */
export function cloneModule<M extends Module>(m: M): M {
  return deepCopy(m, new Map()) as M;
}

function deepCopy(v: unknown, memo: Map<unknown, unknown>): unknown {
  if (v === null || typeof v !== "object") return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Tensor) {
    const c = noGrad(() => v.detach().clone());
    const r = isParameter(v) ? Parameter(c, v.requiresGrad) : c;
    memo.set(v, r);
    return r;
  }
  if (ArrayBuffer.isView(v)) {
    const r = (v as unknown as { slice(): unknown }).slice();
    memo.set(v, r);
    return r;
  }
  if (Array.isArray(v)) {
    const r: unknown[] = [];
    memo.set(v, r);
    for (const x of v) r.push(deepCopy(x, memo));
    return r;
  }
  if (v instanceof Map) {
    const r = new Map();
    memo.set(v, r);
    for (const [k, x] of v) r.set(k, deepCopy(x, memo));
    return r;
  }
  const proto = Object.getPrototypeOf(v);
  if (!(v instanceof Module) && proto !== Object.prototype && proto !== null) return v;
  const r = Object.create(proto) as object;
  memo.set(v, r);
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ("value" in d) d.value = deepCopy(d.value, memo);
    Object.defineProperty(r, key, d);
  }
  return r;
}
