/**
 * `models.vision`: torchvision 0.14's classification architectures with its module
 * structure and state-dict keys, so `model.loadStateDict(io.load("resnet18.safetensors"))`
 * loads torchvision's weights converted once with the snippet in docs/models.md.
 */
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetOptions } from "./resnet.js";
export { MobileNetV2, MobileNetV3, InvertedResidualV2, InvertedResidualV3, mobilenetV2, mobilenetV3Large, mobilenetV3Small, type MobileNetOptions } from "./mobilenet.js";
export { EfficientNet, MBConv, efficientnetB0, efficientnetB1, efficientnetB2, efficientnetB3, type EfficientNetOptions } from "./efficientnet.js";
export { ConvNeXt, CNBlock, convnextTiny, type ConvNeXtOptions } from "./convnext.js";
export { VisionTransformer, EncoderBlock, Encoder, vitB16, type ViTOptions } from "./vit.js";
export { Conv2dNormActivation, SqueezeExcitation, StochasticDepth, LayerNorm2d, Permute, makeDivisible, type ConvNormActOptions } from "./layers.js";
