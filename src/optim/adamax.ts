/**
 * Adamax (torch.optim.Adamax): Adam with the infinity norm in place of the second
 * moment, with L2 weight decay and maximize.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { checkAdamLike, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** Adamax options (PyTorch's names, camelCase). */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients for the running average and the infinity norm (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to |g| (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.Adamax", 1, ["lr", "betas", "eps", "weightDecay", "foreach", "*", "maximize"]);

/**
 * Adamax: `m = b1 m + (1-b1) g`, `u = max(b2 u, |g| + eps)`, `p -= lr / (1-b1^t) * m / u`.
 * State keys: `step`, `exp_avg`, `exp_inf`.
 * @example const opt = new optim.Adamax(params);
 */
export class Adamax extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<AdamaxOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<AdamaxOptions>(args);
    const d = { lr: 2e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, maximize: false, ...stripUndefined(opts) };
    checkAdamLike("Adamax", d);
    super(params, d, "Adamax");
  }

  /** One Adamax update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) {
      const lr = g.lr as number, [b1, b2] = g.betas as number[], eps = g.eps as number, wd = g.weightDecay as number;
      const sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.exp_avg = zerosLikeParam(p);
          s.exp_inf = zerosLikeParam(p);
        }
        const step = stepOf(s) + 1;
        s.step = step;
        const clr = lr / (1 - b1 ** step);
        const pd = mutableData(p, "Adamax") as FloatArray, gd = gradData(p, "Adamax"), n = pd.length;
        const m = mutableData(s.exp_avg as Tensor, "Adamax") as FloatArray, u = mutableData(s.exp_inf as Tensor, "Adamax") as FloatArray;
        const c1 = 1 - b1;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          m[i] = b1 * m[i] + c1 * gi;
          const a = b2 * u[i], b = Math.abs(gi) + eps;
          u[i] = a > b || Number.isNaN(a) ? a : b;
          pd[i] -= (clr * m[i]) / u[i];
        }
        p._bump();
      }
    }
    return loss;
  }
}
