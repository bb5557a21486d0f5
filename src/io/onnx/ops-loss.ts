/**
 * ONNX training-loss operators: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
 * (with its optional log_prob output), mapped onto F.nllLoss / F.logSoftmax, which
 * share their PyTorch semantics (class dim 1, per-class weights, ignore_index, mean
 * divided by the summed weights of the counted targets).
 */
import type { Tensor } from "../../core/tensor.js";
import * as F from "../../nn/functional/index.js";
import { type Attrs, type OpHandler, need } from "./ops-util.js";

type Reduction = "mean" | "sum" | "none";

function reductionOf(a: Attrs): Reduction {
  const r = a.string("reduction", "mean");
  if (r !== "mean" && r !== "sum" && r !== "none") a.fail(`reduction "${r}" is not mean, sum or none`);
  return r;
}

function nll(logp: Tensor, target: Tensor, weight: Tensor | undefined, a: Attrs): Tensor {
  // ONNX has no default ignore_index; -100 is F.nllLoss's, so map "absent" to a value no class can take.
  const ignoreIndex = a.int("ignore_index", Number.MIN_SAFE_INTEGER);
  return F.nllLoss(logp, target, { weight: weight ?? null, ignoreIndex, reduction: reductionOf(a) });
}

/** NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. */
export const lossOps: Record<string, OpHandler> = {
  NegativeLogLikelihoodLoss: (ins, a) => nll(need(ins, 0, "NegativeLogLikelihoodLoss"), need(ins, 1, "NegativeLogLikelihoodLoss"), ins[2], a),
  SoftmaxCrossEntropyLoss: (ins, a, ctx) => {
    const scores = need(ins, 0, "SoftmaxCrossEntropyLoss");
    const logp = F.logSoftmax(scores, scores.ndim === 1 ? 0 : 1);
    const loss = nll(logp, need(ins, 1, "SoftmaxCrossEntropyLoss"), ins[2], a);
    return ctx.nOutputs > 1 ? [loss, logp] : loss;
  },
};
