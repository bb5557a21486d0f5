/**
 * ResNet-18/34/50/101/152 (He et al.) with torchvision 0.14's module structure and
 * state-dict keys (`conv1.weight`, `layer1.0.bn1.running_mean`,
 * `layer2.0.downsample.0.weight`, `fc.bias`), so torchvision's weights load unchanged.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { initConvNet } from "./layers.js";
import { forwardFolded } from "./fold.js";

const conv3x3 = (cin: number, cout: number, stride = 1, groups = 1, dilation = 1): nn.Conv2d =>
  new nn.Conv2d(cin, cout, 3, { stride, padding: dilation, groups, bias: false, dilation });
const conv1x1 = (cin: number, cout: number, stride = 1): nn.Conv2d => new nn.Conv2d(cin, cout, 1, { stride, bias: false });

interface BlockArgs { inplanes: number; planes: number; stride: number; downsample: nn.Sequential | null; groups: number; baseWidth: number; dilation: number }

/** Two 3x3 convs with a residual connection (ResNet-18/34). */
export class BasicBlock extends nn.Module {
  static readonly expansion = 1;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu = new nn.ReLU();
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;

  constructor(a: BlockArgs) {
    super();
    if (a.groups !== 1 || a.baseWidth !== 64) throw new Error("BasicBlock: only supports groups=1 and baseWidth=64");
    if (a.dilation > 1) throw new Error("BasicBlock: dilation > 1 is not supported");
    this.conv1 = conv3x3(a.inplanes, a.planes, a.stride);
    this.bn1 = new nn.BatchNorm2d(a.planes);
    this.conv2 = conv3x3(a.planes, a.planes);
    this.bn2 = new nn.BatchNorm2d(a.planes);
    this.downsample = a.downsample;
  }

  override forward(x: Tensor): Tensor {
    const out = forwardFolded([this.conv1, this.bn1, this.relu, this.conv2, this.bn2], x);
    const identity = this.downsample ? forwardFolded(this.downsample, x) : x;
    return this.relu.forward(out.add(identity));
  }
}

/** 1x1 → 3x3 → 1x1 (x4 channels) with a residual connection (ResNet-50 and up). */
export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  conv3: nn.Conv2d;
  bn3: nn.BatchNorm2d;
  relu = new nn.ReLU();
  downsample: nn.Sequential | null;

  constructor(a: BlockArgs) {
    super();
    const width = Math.floor(a.planes * (a.baseWidth / 64)) * a.groups;
    this.conv1 = conv1x1(a.inplanes, width);
    this.bn1 = new nn.BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, a.stride, a.groups, a.dilation);
    this.bn2 = new nn.BatchNorm2d(width);
    this.conv3 = conv1x1(width, a.planes * 4);
    this.bn3 = new nn.BatchNorm2d(a.planes * 4);
    this.downsample = a.downsample;
  }

  override forward(x: Tensor): Tensor {
    const out = forwardFolded([this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3], x);
    const identity = this.downsample ? forwardFolded(this.downsample, x) : x;
    return this.relu.forward(out.add(identity));
  }
}

/** Options of ResNet (torchvision's keyword arguments, camelCased). */
export interface ResNetOptions {
  numClasses?: number;
  /** Zero the last BN of each residual branch so each block starts as the identity. */
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck);

/**
 * A ResNet: stem (7x7 conv, BN, ReLU, max-pool), four stages of residual blocks,
 * global average pool and `fc`. Use the `resnet18()` … `resnet152()` builders.
 * @example const m = models.vision.resnet18(); m.loadStateDict(io.load("resnet18.safetensors"));
 */
export class ResNet extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu = new nn.ReLU();
  maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  layer4: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  fc: nn.Linear;
  private inplanes = 64;
  private readonly groups: number;
  private readonly baseWidth: number;

  constructor(block: BlockClass, layers: readonly number[], opts: ResNetOptions = {}) {
    super();
    if (layers.length !== 4) throw new Error(`ResNet: layers must list 4 stage depths, got ${JSON.stringify(layers)}`);
    this.groups = opts.groups ?? 1;
    this.baseWidth = opts.widthPerGroup ?? 64;
    this.conv1 = new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(64);
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2);
    this.fc = new nn.Linear(512 * block.expansion, opts.numClasses ?? 1000);
    // Linear keeps its PyTorch default init, as torchvision's ResNet does.
    initConvNet(this, () => {});
    if (opts.zeroInitResidual) {
      noGrad(() => this.apply((m) => {
        if (m instanceof Bottleneck) nn.init.zeros_(m.bn3.weight!);
        else if (m instanceof BasicBlock) nn.init.zeros_(m.bn2.weight!);
      }));
    }
  }

  private makeLayer(block: BlockClass, planes: number, blocks: number, stride = 1): nn.Sequential {
    const exp = block.expansion;
    let downsample: nn.Sequential | null = null;
    if (stride !== 1 || this.inplanes !== planes * exp) {
      downsample = new nn.Sequential(conv1x1(this.inplanes, planes * exp, stride), new nn.BatchNorm2d(planes * exp));
    }
    const common = { groups: this.groups, baseWidth: this.baseWidth, dilation: 1 };
    const out: nn.Module[] = [new block({ inplanes: this.inplanes, planes, stride, downsample, ...common })];
    this.inplanes = planes * exp;
    for (let i = 1; i < blocks; i++) out.push(new block({ inplanes: this.inplanes, planes, stride: 1, downsample: null, ...common }));
    return new nn.Sequential(...out);
  }

  /** The pooled features before `fc` ([N, 512·expansion]). */
  features(x: Tensor): Tensor {
    let y = forwardFolded([this.conv1, this.bn1, this.relu, this.maxpool], x);
    for (const l of [this.layer1, this.layer2, this.layer3, this.layer4]) y = l.forward(y) as Tensor;
    return (this.avgpool.forward(y) as Tensor).flatten(1);
  }

  override forward(x: Tensor): Tensor {
    return this.fc.forward(this.features(x));
  }
}

/** ResNet-18 (11.7M parameters). */
export const resnet18 = (opts: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [2, 2, 2, 2], opts);
/** ResNet-34 (21.8M parameters). */
export const resnet34 = (opts: ResNetOptions = {}): ResNet => new ResNet(BasicBlock, [3, 4, 6, 3], opts);
/** ResNet-50 (25.6M parameters). */
export const resnet50 = (opts: ResNetOptions = {}): ResNet => new ResNet(Bottleneck, [3, 4, 6, 3], opts);
