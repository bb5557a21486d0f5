/**
 * ConvNeXt-Tiny (Liu et al. 2022; other sizes through the constructor) with torchvision 0.14's module
 * structure and state-dict keys (`features.1.0.layer_scale`, `features.1.0.block.0.weight`
 * for the 7x7 depthwise conv, `block.2` LayerNorm, `block.3`/`block.5` Linear layers,
 * `classifier.0` LayerNorm2d, `classifier.2` Linear).
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { ones } from "../../ops/creation.js";
import { Conv2dNormActivation, LayerNorm2d, Permute, StochasticDepth } from "./layers.js";

/** depthwise 7x7 → LayerNorm (channels last) → Linear 4x → GELU → Linear, scaled by `layer_scale`, plus the input. */
export class CNBlock extends nn.Module {
  block: nn.Sequential;
  layerScale: Tensor;
  stochasticDepth: StochasticDepth;

  constructor(dim: number, layerScale: number, sdProb: number) {
    super();
    this.block = new nn.Sequential(
      new nn.Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
      new Permute([0, 2, 3, 1]),
      new nn.LayerNorm(dim, { eps: 1e-6 }),
      new nn.Linear(dim, 4 * dim),
      new nn.GELU(),
      new nn.Linear(4 * dim, dim),
      new Permute([0, 3, 1, 2]),
    );
    this.layerScale = nn.Parameter(ones([dim, 1, 1]).mul(layerScale));
    this.stochasticDepth = new StochasticDepth(sdProb, "row");
  }

  override forward(x: Tensor): Tensor {
    return this.stochasticDepth.forward(this.layerScale.mul(this.block.forward(x) as Tensor)).add(x);
  }
}

/** Options of ConvNeXt. */
export interface ConvNeXtOptions {
  numClasses?: number;
  /** Final stochastic-depth probability (default 0.1 for Tiny, as torchvision's builder). */
  stochasticDepthProb?: number;
  /** Initial layer-scale value (default 1e-6). */
  layerScale?: number;
}

/** One stage: channels, channels of the next stage (null for the last), blocks. */
type StageConfig = [number, number | null, number];

/**
 * ConvNeXt: a 4x4 stride-4 patchify stem with LayerNorm2d, four stages of CNBlocks with
 * LayerNorm2d + 2x2 stride-2 downsampling between them, pooling, LayerNorm2d, Linear.
 * @example const m = models.vision.convnextTiny(); m.eval(); m.forward(x) // → [N, 1000]
 */
export class ConvNeXt extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d(1);
  classifier: nn.Sequential;

  constructor(setting: readonly StageConfig[], opts: ConvNeXtOptions & { stochasticDepthProb: number }) {
    super();
    const ln2d = (c: number): nn.Module => new LayerNorm2d(c, { eps: 1e-6 });
    const layers: nn.Module[] = [new Conv2dNormActivation(3, setting[0][0], { kernelSize: 4, stride: 4, padding: 0, normLayer: ln2d, activationLayer: null, bias: true })];
    const total = setting.reduce((a, s) => a + s[2], 0);
    let id = 0;
    for (const [cin, cout, n] of setting) {
      const stage: nn.Module[] = [];
      for (let j = 0; j < n; j++) stage.push(new CNBlock(cin, opts.layerScale ?? 1e-6, (opts.stochasticDepthProb * id++) / (total - 1)));
      layers.push(new nn.Sequential(...stage));
      if (cout !== null) layers.push(new nn.Sequential(ln2d(cin), new nn.Conv2d(cin, cout, 2, { stride: 2 })));
    }
    this.features = new nn.Sequential(...layers);
    const last = setting[setting.length - 1];
    const lastC = last[1] ?? last[0];
    this.classifier = new nn.Sequential(ln2d(lastC), new nn.Flatten(1), new nn.Linear(lastC, opts.numClasses ?? 1000));
    noGrad(() => this.apply((m) => {
      if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
        nn.init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias) nn.init.zeros_(m.bias);
      }
    }));
  }

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x) as Tensor)) as Tensor;
  }
}

/** ConvNeXt-Tiny (28.6M parameters). */
export const convnextTiny = (opts: ConvNeXtOptions = {}): ConvNeXt =>
  new ConvNeXt([[96, 192, 3], [192, 384, 3], [384, 768, 9], [768, null, 3]], { ...opts, stochasticDepthProb: opts.stochasticDepthProb ?? 0.1 });
