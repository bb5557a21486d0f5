/**
 * MobileNetV2 (Sandler et al.) and MobileNetV3-Small/Large (Howard et al.) with
 * torchvision 0.14's module structure and state-dict keys (`features.1.conv.0.0.weight`,
 * `features.4.block.2.fc1.bias`, `classifier.3.weight`).
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { Conv2dNormActivation, SqueezeExcitation, initConvNet, makeDivisible } from "./layers.js";
import { forwardFolded } from "./fold.js";

const relu6 = (): nn.Module => new nn.ReLU6();

/** MobileNetV2's inverted residual: 1x1 expand (ReLU6), 3x3 depthwise (ReLU6), 1x1 project; `conv.` keys. */
export class InvertedResidualV2 extends nn.Module {
  conv: nn.Sequential;
  readonly useResConnect: boolean;

  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`InvertedResidualV2: stride should be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: nn.Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, activationLayer: relu6 }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, activationLayer: relu6 }),
      new nn.Conv2d(hidden, oup, 1, { bias: false }),
      new nn.BatchNorm2d(oup),
    );
    this.conv = new nn.Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    const y = forwardFolded(this.conv, x);
    return this.useResConnect ? x.add(y) : y;
  }
}

/** Options of MobileNetV2 / V3. */
export interface MobileNetOptions {
  numClasses?: number;
  /** Channel multiplier (default 1). */
  widthMult?: number;
  /** Dropout before the last Linear (default 0.2). */
  dropout?: number;
}

/** Linear init shared by torchvision's MobileNets: N(0, 0.01²) weights, zero bias. */
const mobileLinearInit = (m: nn.Linear): void => {
  nn.init.normal_(m.weight, { mean: 0, std: 0.01 });
  if (m.bias) nn.init.zeros_(m.bias);
};

/**
 * MobileNetV2: a 3x3 stem, 17 inverted residual blocks, a 1x1 conv to 1280 channels,
 * global average pool, dropout and a Linear classifier.
 * @example const m = models.vision.mobilenetV2(); m.eval(); m.forward(x) // [N, 3, H, W] → [N, 1000]
 */
export class MobileNetV2 extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;
  readonly lastChannel: number;

  constructor(opts: MobileNetOptions = {}) {
    super();
    const width = opts.widthMult ?? 1;
    const setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
    let input = makeDivisible(32 * width, 8);
    this.lastChannel = makeDivisible(1280 * Math.max(1, width), 8);
    const features: nn.Module[] = [new Conv2dNormActivation(3, input, { stride: 2, activationLayer: relu6 })];
    for (const [t, c, n, s] of setting) {
      const out = makeDivisible(c * width, 8);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidualV2(input, out, i === 0 ? s : 1, t));
        input = out;
      }
    }
    features.push(new Conv2dNormActivation(input, this.lastChannel, { kernelSize: 1, activationLayer: relu6 }));
    this.features = new nn.Sequential(...features);
    this.classifier = new nn.Sequential(new nn.Dropout(opts.dropout ?? 0.2), new nn.Linear(this.lastChannel, opts.numClasses ?? 1000));
    initConvNet(this, mobileLinearInit);
  }

  override forward(x: Tensor): Tensor {
    const y = nn.functional.adaptiveAvgPool2d(this.features.forward(x) as Tensor, [1, 1]).flatten(1);
    return this.classifier.forward(y) as Tensor;
  }
}

/** One MobileNetV3 block: input, kernel, expanded, out channels, SE, activation ("RE"/"HS"), stride, dilation. */
export type BneckConfig = [number, number, number, number, boolean, "RE" | "HS", number, number];

/** MobileNetV3's inverted residual with optional squeeze-and-excitation; `block.` keys. */
export class InvertedResidualV3 extends nn.Module {
  block: nn.Sequential;
  readonly useResConnect: boolean;

  constructor(cfg: BneckConfig, width: number, norm: (c: number) => nn.Module) {
    super();
    const adj = (c: number): number => makeDivisible(c * width, 8);
    const [inC, kernel, expC, outC] = [adj(cfg[0]), cfg[1], adj(cfg[2]), adj(cfg[3])];
    const [useSe, act, stride, dilation] = [cfg[4], cfg[5], cfg[6], cfg[7]];
    this.useResConnect = stride === 1 && inC === outC;
    const activationLayer = act === "HS" ? () => new nn.Hardswish() : () => new nn.ReLU();
    const layers: nn.Module[] = [];
    if (expC !== inC) layers.push(new Conv2dNormActivation(inC, expC, { kernelSize: 1, normLayer: norm, activationLayer }));
    layers.push(new Conv2dNormActivation(expC, expC, {
      kernelSize: kernel, stride: dilation > 1 ? 1 : stride, dilation, groups: expC, normLayer: norm, activationLayer,
    }));
    if (useSe) layers.push(new SqueezeExcitation(expC, makeDivisible(Math.floor(expC / 4), 8), { scaleActivation: () => new nn.Hardsigmoid() }));
    layers.push(new Conv2dNormActivation(expC, outC, { kernelSize: 1, normLayer: norm, activationLayer: null }));
    this.block = new nn.Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    const y = this.block.forward(x) as Tensor;
    return this.useResConnect ? y.add(x) : y;
  }
}

const V3_LARGE: BneckConfig[] = [
  [16, 3, 16, 16, false, "RE", 1, 1], [16, 3, 64, 24, false, "RE", 2, 1], [24, 3, 72, 24, false, "RE", 1, 1],
  [24, 5, 72, 40, true, "RE", 2, 1], [40, 5, 120, 40, true, "RE", 1, 1], [40, 5, 120, 40, true, "RE", 1, 1],
  [40, 3, 240, 80, false, "HS", 2, 1], [80, 3, 200, 80, false, "HS", 1, 1], [80, 3, 184, 80, false, "HS", 1, 1],
  [80, 3, 184, 80, false, "HS", 1, 1], [80, 3, 480, 112, true, "HS", 1, 1], [112, 3, 672, 112, true, "HS", 1, 1],
  [112, 5, 672, 160, true, "HS", 2, 1], [160, 5, 960, 160, true, "HS", 1, 1], [160, 5, 960, 160, true, "HS", 1, 1],
];
const V3_SMALL: BneckConfig[] = [
  [16, 3, 16, 16, true, "RE", 2, 1], [16, 3, 72, 24, false, "RE", 2, 1], [24, 3, 88, 24, false, "RE", 1, 1],
  [24, 5, 96, 40, true, "HS", 2, 1], [40, 5, 240, 40, true, "HS", 1, 1], [40, 5, 240, 40, true, "HS", 1, 1],
  [40, 5, 120, 48, true, "HS", 1, 1], [48, 5, 144, 48, true, "HS", 1, 1], [48, 5, 288, 96, true, "HS", 2, 1],
  [96, 5, 576, 96, true, "HS", 1, 1], [96, 5, 576, 96, true, "HS", 1, 1],
];

/**
 * MobileNetV3: a hardswish stem, inverted residual blocks with SE, a 1x1 conv to 6x the
 * last block's channels, pooling, and a Linear-Hardswish-Dropout-Linear classifier.
 * BatchNorm uses eps 1e-3, momentum 0.01 (torchvision's choice).
 */
export class MobileNetV3 extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d(1);
  classifier: nn.Sequential;

  constructor(setting: readonly BneckConfig[], lastChannel: number, opts: MobileNetOptions = {}) {
    super();
    const width = opts.widthMult ?? 1;
    const adj = (c: number): number => makeDivisible(c * width, 8);
    const norm = (c: number): nn.Module => new nn.BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
    const hs = (): nn.Module => new nn.Hardswish();
    const layers: nn.Module[] = [new Conv2dNormActivation(3, adj(setting[0][0]), { stride: 2, normLayer: norm, activationLayer: hs })];
    for (const cfg of setting) layers.push(new InvertedResidualV3(cfg, width, norm));
    const lastIn = adj(setting[setting.length - 1][3]), lastOut = 6 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, normLayer: norm, activationLayer: hs }));
    this.features = new nn.Sequential(...layers);
    const last = adj(lastChannel);
    this.classifier = new nn.Sequential(
      new nn.Linear(lastOut, last), new nn.Hardswish(), new nn.Dropout(opts.dropout ?? 0.2), new nn.Linear(last, opts.numClasses ?? 1000),
    );
    initConvNet(this, mobileLinearInit);
  }

  override forward(x: Tensor): Tensor {
    const y = (this.avgpool.forward(this.features.forward(x) as Tensor) as Tensor).flatten(1);
    return this.classifier.forward(y) as Tensor;
  }
}

/** MobileNetV2 (3.5M parameters). */
export const mobilenetV2 = (opts: MobileNetOptions = {}): MobileNetV2 => new MobileNetV2(opts);
/** MobileNetV3-Large (5.5M parameters). */
export const mobilenetV3Large = (opts: MobileNetOptions = {}): MobileNetV3 => new MobileNetV3(V3_LARGE, 1280, opts);
/** MobileNetV3-Small (2.5M parameters). */
export const mobilenetV3Small = (opts: MobileNetOptions = {}): MobileNetV3 => new MobileNetV3(V3_SMALL, 1024, opts);
