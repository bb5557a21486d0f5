/**
 * RMSprop (torch.optim.RMSprop): running average of squared gradients, optional
 * centering (subtract the squared mean gradient), momentum, L2 weight decay, maximize.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** RMSprop options (PyTorch's names, camelCase). */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by the estimated variance of the gradient (default false). */
  centered?: boolean;
  /** Maximize the objective (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.RMSprop", 1, ["lr", "alpha", "eps", "weightDecay", "momentum", "centered", "foreach", "maximize", "differentiable"]);

/**
 * RMSprop: `sq = a sq + (1-a) g²`, `avg = sqrt(sq - gavg²) + eps` (centered) or
 * `sqrt(sq) + eps`; `p -= lr g / avg` (or through a momentum buffer). State keys:
 * `step`, `square_avg`, `momentum_buffer`, `grad_avg`.
 * @example const opt = new optim.RMSprop(params, {lr: 0.01, momentum: 0.9});
 */
export class RMSprop extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<RMSpropOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<RMSpropOptions>(args);
    const d = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...stripUndefined(opts) };
    check(d.lr >= 0, "RMSprop", `invalid learning rate: ${d.lr} (must be >= 0)`);
    check(d.eps >= 0, "RMSprop", `invalid epsilon value: ${d.eps} (must be >= 0)`);
    check(d.momentum >= 0, "RMSprop", `invalid momentum value: ${d.momentum} (must be >= 0)`);
    check(d.weightDecay >= 0, "RMSprop", `invalid weightDecay value: ${d.weightDecay} (must be >= 0)`);
    check(d.alpha >= 0, "RMSprop", `invalid alpha value: ${d.alpha} (must be >= 0)`);
    super(params, d, "RMSprop");
  }

  /** One RMSprop update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) {
      const lr = g.lr as number, alpha = g.alpha as number, eps = g.eps as number, wd = g.weightDecay as number;
      const momentum = g.momentum as number, centered = !!g.centered, sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.square_avg = zerosLikeParam(p);
        }
        if (momentum > 0 && !s.momentum_buffer) s.momentum_buffer = zerosLikeParam(p);
        if (centered && !s.grad_avg) s.grad_avg = zerosLikeParam(p);
        s.step = stepOf(s) + 1;
        const pd = mutableData(p, "RMSprop") as FloatArray, gd = gradData(p, "RMSprop"), n = pd.length;
        const sq = mutableData(s.square_avg as Tensor, "RMSprop") as FloatArray;
        const ga = centered ? (mutableData(s.grad_avg as Tensor, "RMSprop") as FloatArray) : null;
        const buf = momentum > 0 ? (mutableData(s.momentum_buffer as Tensor, "RMSprop") as FloatArray) : null;
        const c = 1 - alpha;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          sq[i] = alpha * sq[i] + c * gi * gi;
          let avg: number;
          if (ga !== null) {
            ga[i] = alpha * ga[i] + c * gi;
            avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
          } else {
            avg = Math.sqrt(sq[i]) + eps;
          }
          if (buf !== null) {
            buf[i] = momentum * buf[i] + gi / avg;
            pd[i] -= lr * buf[i];
          } else {
            pd[i] -= (lr * gi) / avg;
          }
        }
        p._bump();
      }
    }
    return loss;
  }
}
