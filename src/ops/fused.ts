/**
 * The createGraph rule for ops with a fused backward kernel, in one place: a backward
 * normally runs the fast fused kernel (its first-order gradients are constants), but
 * under createGraph (grad mode stays on while the backward runs) it must build a
 * differentiable graph, so it runs the composed form in tensor ops instead. Also the
 * one softmax / log-softmax backward every softmax-like op uses.
 */
import { isGradEnabled, type BackwardFn } from "../core/autograd.js";
import { grad } from "../core/engine.js";
import { Tensor, allocOn, make, record } from "../core/tensor.js";
import { currentBackend } from "../backends/backend.js";

/**
 * `record` for an op with two backward forms: `composed` (differentiable tensor ops,
 * used under createGraph) and `fast` (fused kernels, used otherwise).
 */
export function recordFused(out: Tensor, name: string, inputs: readonly Tensor[], composed: BackwardFn, fast: BackwardFn, saved?: Tensor[]): Tensor {
  return record(out, name, inputs, (g) => (isGradEnabled() ? composed(g) : fast(g)), saved);
}

/**
 * Gradients of `f(inputs)` w.r.t. each input that requires grad (null for the others),
 * by differentiating the composed definition `f` with createGraph: the composed backward
 * of a fused op that has no hand-written derivative in tensor ops.
 */
export function gradOfComposed(inputs: readonly Tensor[], f: (wrapped: Tensor[]) => Tensor | Tensor[], gradOutputs: Tensor | Tensor[]): (Tensor | null)[] {
  // Fresh nodes in front of the inputs, so grad() stops there and the result stays connected to them.
  const wrapped = inputs.map((t) => (t.requiresGrad ? t.mul(1) : t));
  const targets = wrapped.filter((t) => t.requiresGrad);
  const got = grad(f(wrapped), targets, { gradOutputs, createGraph: true, allowUnused: true });
  return wrapped.map((t) => (t.requiresGrad ? got[targets.indexOf(t)] : null));
}

/**
 * Backward of softmax (log-softmax when `log`) along `dim` from its output y and the
 * gradient g, times `scale`: scale * y ⊙ (g - Σ g⊙y), or scale * (g - e^y Σ g) for
 * log-softmax (PyTorch's formulas). The backend kernel along the last dim; the
 * composed form along other dims and under createGraph.
 */
export function softmaxBackward(y: Tensor, g: Tensor, dim: number, log: boolean, scale = 1): Tensor {
  const last = y.ndim > 0 && dim === y.ndim - 1;
  if (isGradEnabled() || !last) {
    const sumDim = (t: Tensor) => (y.ndim === 0 ? t : t.sum(dim, true));
    const gy = log ? null : g.mul(y);
    const t = gy ? gy.sub(y.mul(sumDim(gy))) : g.sub(y.exp().mul(sumDim(g)));
    return scale === 1 ? t : t.mul(scale);
  }
  const cols = y.shape[dim];
  const yc = y.contiguous(), out = make(allocOn(y.device, y.dtype, yc.numel()), y.shape.slice(), y.dtype);
  const gd = (g.dtype === y.dtype ? g : g.to(y.dtype)).contiguous()._buf;
  if (cols > 0) currentBackend().softmaxBackward(yc._buf, gd, yc.numel() / cols, cols, scale, log, out._buf);
  return out;
}
