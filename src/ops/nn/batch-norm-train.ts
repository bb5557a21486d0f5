/**
 * Training-mode batch normalisation with a hand-written backward (issue #21: in a
 * MobileNetV2 fine-tuning step the autograd graph of the composed form, mean → sub →
 * square → mean → rsqrt → mul → affine, was ~1,600 broadcast kernel calls, a third of
 * the step). The forward is the same composed arithmetic run once without a graph; the
 * backward is PyTorch's closed form, per channel c over its n values:
 *   dβ = Σg,  dγ = rstd·Σ(g·xc),  dx = k·g − xc·(k·rstd²·Σ(g·xc)/n) − k·Σg/n,  k = γ·rstd,
 * seven activation-sized passes. Under createGraph the composed form is differentiated
 * instead (src/ops/fused.ts's rule), so double backward is unchanged.
 */
import { Tensor, needsGrad } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import { gradOfComposed, recordFused } from "../fused.js";

/** [1, C, 1, ...] view of a per-channel vector for an ndim-dim input. */
function chan(v: Tensor, ndim: number): Tensor {
  const shape = new Array<number>(ndim).fill(1);
  shape[1] = v.numel();
  return v.reshape(shape);
}

/** The composed definition (differentiable tensor ops): also the createGraph backward. */
function composed(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, dims: number[]): Tensor {
  const mean = x.mean(dims, true);
  const xc = x.sub(mean);
  let y = xc.mul(xc.square().mean(dims, true).add(eps).rsqrt());
  if (weight) y = y.mul(chan(weight, x.ndim));
  if (bias) y = y.add(chan(bias, x.ndim));
  return y;
}

/**
 * Batch-normalises x [N, C, *] with its own statistics over every dim but 1 (then γ, β);
 * returns the output and the batch mean and biased variance ([C], detached) for the running stats.
 */
export function batchNormTrain(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): { y: Tensor; mean: Tensor; variance: Tensor } {
  const nd = x.ndim, C = x.shape[1], n = x.numel() / C;
  const dims = [0];
  for (let i = 2; i < nd; i++) dims.push(i);
  const { y, mean, variance, xc, rstd } = noGrad(() => {
    const m = x.mean(dims, true);
    const c = x.sub(m);
    const v = c.square().mean(dims, true);
    const r = v.add(eps).rsqrt();
    let out = c.mul(weight ? r.mul(chan(weight, nd)) : r);
    if (bias) out = out.add(chan(bias, nd));
    return { y: out, mean: m, variance: v, xc: c, rstd: r };
  });
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  if (needsGrad(x, weight ?? undefined, bias ?? undefined)) {
    recordFused(y, "NativeBatchNormBackward0", inputs,
      (g) => gradOfComposed(inputs, (t) => composed(t[0], weight ? t[1] : null, bias ? t[weight ? 2 : 1] : null, eps, dims), g),
      (g) => {
        const sg = g.sum(dims, true), sgx = g.mul(xc).sum(dims, true);
        const k = weight ? rstd.mul(chan(weight, nd)) : rstd;
        const dx = x.requiresGrad
          ? g.mul(k).sub(xc.mul(k.mul(rstd.square()).mul(sgx).div(n))).sub(k.mul(sg).div(n))
          : null;
        const dw = weight && weight.requiresGrad ? rstd.mul(sgx).reshape([C]) : null;
        const db = bias && bias.requiresGrad ? sg.reshape([C]) : null;
        return [dx, ...(weight ? [dw] : []), ...(bias ? [db] : [])];
      }, [x]);
  }
  return { y, mean: mean.reshape([C]), variance: variance.reshape([C]) };
}
