/**
 * Building blocks shared by the torchvision-compatible vision models, each with
 * torchvision 0.14's structure so state-dict keys line up: Conv2dNormActivation (a
 * Sequential conv → norm → activation, keys `0.`, `1.`), SqueezeExcitation (`fc1`,
 * `fc2`), StochasticDepth, LayerNorm2d (LayerNorm over channels of NCHW), Permute, and
 * torchvision's `_make_divisible` channel rounding.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { rand } from "../../ops/creation.js";
import { forwardFolded } from "./fold.js";

/** torchvision's `_make_divisible`: the nearest multiple of `divisor`, never below 90% of `v`. */
export function makeDivisible(v: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let out = Math.max(min, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (out < 0.9 * v) out += divisor;
  return out;
}

/** A factory for an activation (a new module each call), or null for none. */
export type ActivationFactory = (() => nn.Module) | null;

/** Options of Conv2dNormActivation (torchvision's defaults). */
export interface ConvNormActOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize - 1) / 2 · dilation. */
  padding?: number;
  groups?: number;
  dilation?: number;
  /** Norm layer factory (channels → module); null for none. Default BatchNorm2d. */
  normLayer?: ((channels: number) => nn.Module) | null;
  /** Default ReLU. */
  activationLayer?: ActivationFactory;
  /** Conv bias; default: only when there is no norm layer. */
  bias?: boolean;
}

/**
 * Conv2d, then a norm layer, then an activation, as torchvision's
 * `Conv2dNormActivation` (a Sequential, so keys are `0.weight`, `1.running_mean`, ...).
 */
export class Conv2dNormActivation extends nn.Sequential {
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, opts: ConvNormActOptions = {}) {
    const k = opts.kernelSize ?? 3, dilation = opts.dilation ?? 1;
    const normLayer = opts.normLayer === undefined ? (c: number) => new nn.BatchNorm2d(c) : opts.normLayer;
    const act = opts.activationLayer === undefined ? () => new nn.ReLU() : opts.activationLayer;
    const layers: nn.Module[] = [new nn.Conv2d(inChannels, outChannels, k, {
      stride: opts.stride ?? 1, padding: opts.padding ?? Math.floor((k - 1) / 2) * dilation, dilation,
      groups: opts.groups ?? 1, bias: opts.bias ?? normLayer === null,
    })];
    if (normLayer) layers.push(normLayer(outChannels));
    if (act) layers.push(act());
    super(...layers);
    this.outChannels = outChannels;
  }

  /** conv → norm → activation, with an eval-mode BatchNorm2d folded into the conv (same result). */
  override forward(x: Tensor): Tensor {
    return forwardFolded(this, x);
  }
}

/**
 * Squeeze-and-excitation (Hu et al.): global average pool → 1x1 conv `fc1` →
 * activation → 1x1 conv `fc2` → scale activation, multiplied into the input per channel.
 */
export class SqueezeExcitation extends nn.Module {
  avgpool = new nn.AdaptiveAvgPool2d(1);
  fc1: nn.Conv2d;
  fc2: nn.Conv2d;
  activation: nn.Module;
  scaleActivation: nn.Module;

  constructor(inputChannels: number, squeezeChannels: number, opts: { activation?: () => nn.Module; scaleActivation?: () => nn.Module } = {}) {
    super();
    this.fc1 = new nn.Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new nn.Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = (opts.activation ?? (() => new nn.ReLU()))();
    this.scaleActivation = (opts.scaleActivation ?? (() => new nn.Sigmoid()))();
  }

  override forward(x: Tensor): Tensor {
    let s = this.avgpool.forward(x) as Tensor;
    s = this.activation.forward(this.fc1.forward(s)) as Tensor;
    s = this.scaleActivation.forward(this.fc2.forward(s)) as Tensor;
    return s.mul(x);
  }
}

/**
 * Stochastic depth (Huang et al.): in training, zeroes the whole residual branch of
 * each sample ("row") or of the batch ("batch") with probability p and scales survivors
 * by 1/(1-p); identity in eval mode or with p = 0.
 */
export class StochasticDepth extends nn.Module {
  constructor(public readonly p: number, public readonly mode: "row" | "batch" = "row") {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`StochasticDepth: p must be in [0, 1], got ${p}`);
    if (mode !== "row" && mode !== "batch") throw new Error(`StochasticDepth: mode must be "row" or "batch", got ${JSON.stringify(mode)}`);
  }

  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const shape = this.mode === "row" ? [x.shape[0], ...x.shape.slice(1).map(() => 1)] : x.shape.map(() => 1);
    const mask = noGrad(() => rand(shape).lt(keep).float());
    return keep > 0 ? x.mul(mask).div(keep) : x.mul(mask);
  }

  override extraRepr(): string {
    return `p=${this.p}, mode=${this.mode}`;
  }
}

/** LayerNorm over the channel dim of an NCHW tensor (torchvision's ConvNeXt `LayerNorm2d`). */
export class LayerNorm2d extends nn.LayerNorm {
  override forward(x: Tensor): Tensor {
    const y = nn.functional.layerNorm(x.permute(0, 2, 3, 1), this.normalizedShape, this.weight, this.bias, { eps: this.eps });
    return y.permute(0, 3, 1, 2);
  }
}

/** Permutes the dims (torchvision's `Permute`). */
export class Permute extends nn.Module {
  constructor(public readonly dims: number[]) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return x.permute(...this.dims);
  }
}

/**
 * torchvision's usual initialisation of a conv net: Kaiming-normal (fan_out) conv
 * weights and zero conv biases, norm weights 1 and biases 0, and `linear` for each
 * Linear layer.
 */
export function initConvNet(model: nn.Module, linear: (m: nn.Linear) => void): void {
  noGrad(() => model.apply((m) => {
    if (m instanceof nn.Conv2d) {
      nn.init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
      if (m.weight) nn.init.ones_(m.weight);
      if (m.bias) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.Linear) {
      linear(m);
    }
  }));
}
