/**
 * Conv + batch-norm folding for the zoo's forward passes (issue #21): a BatchNorm2d in
 * eval mode right after a Conv2d is an affine map per output channel, so it goes into
 * the convolution's weight and bias (w·γ/√(var+ε), (b - mean)·γ/√(var+ε) + β) and the
 * activation-sized normalisation passes disappear. The folded weights are recomputed
 * every call in differentiable tensor ops (weight-sized work, no cache that an
 * in-place write to a parameter could make stale), so gradients still reach the conv
 * weight, γ and β when a frozen-statistics model is fine-tuned. Modules that are not
 * exactly nn.Conv2d / nn.BatchNorm2d (a user's subclass or replacement) run as they are.
 */
import * as nn from "../../nn/index.js";
import type { Tensor } from "../../core/tensor.js";

const isExactly = <T extends object>(m: object, cls: { prototype: T }): m is T => Object.getPrototypeOf(m) === cls.prototype;

/** The folded conv's output when `bn` can be folded into `conv`, else null. */
function convBn(conv: nn.Module, bn: nn.Module, x: Tensor): Tensor | null {
  if (!isExactly(conv, nn.Conv2d) || !isExactly(bn, nn.BatchNorm2d)) return null;
  if (bn.training || !bn.runningMean || !bn.runningVar || conv.paddingMode !== "zeros" || bn.numFeatures !== conv.outChannels) return null;
  let scale = bn.runningVar.add(bn.eps).rsqrt();
  if (bn.weight) scale = scale.mul(bn.weight);
  const w = conv.weight.mul(scale.reshape(-1, 1, 1, 1));
  let b = (conv.bias ? conv.bias.sub(bn.runningMean) : bn.runningMean.neg()).mul(scale);
  if (bn.bias) b = b.add(bn.bias);
  return nn.functional.conv2d(x, w, b, { stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups });
}

/** Feeds x through `mods` in order, running each Conv2d + eval BatchNorm2d pair as one folded conv. */
export function forwardFolded(mods: Iterable<nn.Module>, x: Tensor): Tensor {
  const list = [...mods];
  let y = x;
  for (let i = 0; i < list.length; i++) {
    const folded = i + 1 < list.length ? convBn(list[i], list[i + 1], y) : null;
    if (folded) {
      y = folded;
      i++;
    } else {
      y = list[i].forward(y) as Tensor;
    }
  }
  return y;
}
