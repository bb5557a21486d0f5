/**
 * Adadelta (torch.optim.Adadelta): step sizes from running averages of squared
 * gradients and squared updates, with L2 weight decay and maximize.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** Adadelta options (PyTorch's names, camelCase). */
export interface AdadeltaOptions {
  /** Scales the delta before it is applied (default 1). */
  lr?: number;
  /** Running-average coefficient (default 0.9). */
  rho?: number;
  /** Added inside the square roots (default 1e-6). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.Adadelta", 1, ["lr", "rho", "eps", "weightDecay", "foreach", "*", "maximize"]);

/**
 * Adadelta: `sq = rho sq + (1-rho) g²`, `delta = sqrt(acc + eps) / sqrt(sq + eps) * g`,
 * `acc = rho acc + (1-rho) delta²`, `p -= lr delta`. State keys: `step`, `square_avg`,
 * `acc_delta`.
 * @example const opt = new optim.Adadelta(params);
 */
export class Adadelta extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<AdadeltaOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<AdadeltaOptions>(args);
    const d = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...stripUndefined(opts) };
    check(d.lr >= 0, "Adadelta", `invalid learning rate: ${d.lr} (must be >= 0)`);
    check(d.rho >= 0 && d.rho <= 1, "Adadelta", `invalid rho value: ${d.rho} (must be in [0, 1])`);
    check(d.eps >= 0, "Adadelta", `invalid epsilon value: ${d.eps} (must be >= 0)`);
    check(d.weightDecay >= 0, "Adadelta", `invalid weightDecay value: ${d.weightDecay} (must be >= 0)`);
    super(params, d, "Adadelta");
  }

  /** One Adadelta update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) {
      const lr = g.lr as number, rho = g.rho as number, eps = g.eps as number, wd = g.weightDecay as number;
      const sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.square_avg = zerosLikeParam(p);
          s.acc_delta = zerosLikeParam(p);
        }
        s.step = stepOf(s) + 1;
        const pd = mutableData(p, "Adadelta") as FloatArray, gd = gradData(p, "Adadelta"), n = pd.length;
        const sq = mutableData(s.square_avg as Tensor, "Adadelta") as FloatArray, acc = mutableData(s.acc_delta as Tensor, "Adadelta") as FloatArray;
        const c = 1 - rho;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          sq[i] = rho * sq[i] + c * gi * gi;
          const delta = (Math.sqrt(acc[i] + eps) / Math.sqrt(sq[i] + eps)) * gi;
          acc[i] = rho * acc[i] + c * delta * delta;
          pd[i] -= lr * delta;
        }
        p._bump();
      }
    }
    return loss;
  }
}
