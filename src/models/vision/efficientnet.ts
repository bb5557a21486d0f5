/**
 * EfficientNet-B0…B3 (Tan & Le) with torchvision 0.14's module structure and
 * state-dict keys (`features.2.0.block.1.0.weight`, `features.2.0.block.2.fc1.bias`,
 * `classifier.1.weight`): MBConv blocks with SiLU, squeeze-and-excitation and
 * stochastic depth growing linearly along the network.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { Conv2dNormActivation, SqueezeExcitation, StochasticDepth, initConvNet, makeDivisible } from "./layers.js";

const silu = (): nn.Module => new nn.SiLU();

/** One MBConv stage: expand ratio, kernel, stride, input channels, output channels, layers. */
type StageConfig = [number, number, number, number, number, number];

/** Mobile inverted bottleneck: 1x1 expand, depthwise k x k, SE, 1x1 project; `block.` keys. */
export class MBConv extends nn.Module {
  block: nn.Sequential;
  stochasticDepth: StochasticDepth;
  readonly useResConnect: boolean;

  constructor(expandRatio: number, kernel: number, stride: number, inC: number, outC: number, sdProb: number) {
    super();
    this.useResConnect = stride === 1 && inC === outC;
    const expanded = makeDivisible(inC * expandRatio, 8);
    const layers: nn.Module[] = [];
    if (expanded !== inC) layers.push(new Conv2dNormActivation(inC, expanded, { kernelSize: 1, activationLayer: silu }));
    layers.push(
      new Conv2dNormActivation(expanded, expanded, { kernelSize: kernel, stride, groups: expanded, activationLayer: silu }),
      new SqueezeExcitation(expanded, Math.max(1, Math.floor(inC / 4)), { activation: silu }),
      new Conv2dNormActivation(expanded, outC, { kernelSize: 1, activationLayer: null }),
    );
    this.block = new nn.Sequential(...layers);
    this.stochasticDepth = new StochasticDepth(sdProb, "row");
  }

  override forward(x: Tensor): Tensor {
    const y = this.block.forward(x) as Tensor;
    return this.useResConnect ? this.stochasticDepth.forward(y).add(x) : y;
  }
}

/** Options of EfficientNet. */
export interface EfficientNetOptions {
  numClasses?: number;
  /** Dropout before the classifier (default: the variant's, 0.2 for B0). */
  dropout?: number;
  /** Final stochastic-depth probability (default 0.2). */
  stochasticDepthProb?: number;
}

const B_STAGES: StageConfig[] = [
  [1, 3, 1, 32, 16, 1], [6, 3, 2, 16, 24, 2], [6, 5, 2, 24, 40, 2], [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3], [6, 5, 2, 112, 192, 4], [6, 3, 1, 192, 320, 1],
];

/**
 * EfficientNet (V1): SiLU stem, seven MBConv stages scaled by width and depth
 * multipliers, a 1x1 conv to 4x the last stage's channels, pooling, dropout, Linear.
 * @example const m = models.vision.efficientnetB0(); m.eval(); m.forward(x) // → [N, 1000]
 */
export class EfficientNet extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d(1);
  classifier: nn.Sequential;

  constructor(widthMult: number, depthMult: number, dropout: number, opts: EfficientNetOptions = {}) {
    super();
    const adj = (c: number): number => makeDivisible(c * widthMult, 8);
    const stages = B_STAGES.map(([e, k, s, i, o, n]) => [e, k, s, adj(i), adj(o), Math.ceil(n * depthMult)]);
    const sdMax = opts.stochasticDepthProb ?? 0.2;
    const total = stages.reduce((a, s) => a + s[5], 0);
    const layers: nn.Module[] = [new Conv2dNormActivation(3, stages[0][3], { stride: 2, activationLayer: silu })];
    let id = 0;
    for (const [e, k, s, i, o, n] of stages) {
      const stage: nn.Module[] = [];
      for (let j = 0; j < n; j++) stage.push(new MBConv(e, k, j === 0 ? s : 1, j === 0 ? i : o, o, (sdMax * id++) / total));
      layers.push(new nn.Sequential(...stage));
    }
    const lastIn = stages[stages.length - 1][4], lastOut = 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, activationLayer: silu }));
    this.features = new nn.Sequential(...layers);
    this.classifier = new nn.Sequential(new nn.Dropout(opts.dropout ?? dropout), new nn.Linear(lastOut, opts.numClasses ?? 1000));
    initConvNet(this, (m) => {
      const r = 1 / Math.sqrt(m.outFeatures);
      nn.init.uniform_(m.weight, { a: -r, b: r });
      if (m.bias) nn.init.zeros_(m.bias);
    });
  }

  override forward(x: Tensor): Tensor {
    const y = (this.avgpool.forward(this.features.forward(x) as Tensor) as Tensor).flatten(1);
    return this.classifier.forward(y) as Tensor;
  }
}

/** EfficientNet-B0 (5.3M parameters, 224x224). */
export const efficientnetB0 = (opts: EfficientNetOptions = {}): EfficientNet => new EfficientNet(1.0, 1.0, 0.2, opts);
/** EfficientNet-B1 (7.8M parameters, 240x240). */
export const efficientnetB1 = (opts: EfficientNetOptions = {}): EfficientNet => new EfficientNet(1.0, 1.1, 0.2, opts);
/** EfficientNet-B2 (9.1M parameters, 288x288). */
export const efficientnetB2 = (opts: EfficientNetOptions = {}): EfficientNet => new EfficientNet(1.1, 1.2, 0.3, opts);
/** EfficientNet-B3 (12.2M parameters, 300x300). */
export const efficientnetB3 = (opts: EfficientNetOptions = {}): EfficientNet => new EfficientNet(1.2, 1.4, 0.3, opts);
