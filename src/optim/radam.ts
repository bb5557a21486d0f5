/**
 * RAdam (torch.optim.RAdam): Adam with the variance rectification of Liu et al. (2019),
 * falling back to bias-corrected SGD with momentum while the rectifier is undefined.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { checkAdamLike, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** RAdam options (PyTorch's names, camelCase). */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Running-average coefficients (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Maximize the objective (default false; PyTorch 2's option). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.RAdam", 1, ["lr", "betas", "eps", "weightDecay", "foreach", "*", "maximize"]);

/**
 * RAdam: with `rho_t = rho_inf - 2 t b2^t / (1 - b2^t)`, if `rho_t > 5` the Adam step is
 * scaled by the rectifier `r_t`, else `p -= lr m / (1 - b1^t)`.
 * State keys: `step`, `exp_avg`, `exp_avg_sq`.
 * @example const opt = new optim.RAdam(params);
 */
export class RAdam extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<RAdamOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<RAdamOptions>(args);
    const d = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, maximize: false, ...stripUndefined(opts) };
    checkAdamLike("RAdam", d);
    super(params, d, "RAdam");
  }

  /** One RAdam update of every parameter that has a gradient. */
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
          s.exp_avg_sq = zerosLikeParam(p);
        }
        const step = stepOf(s) + 1;
        s.step = step;
        const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
        const rhoInf = 2 / (1 - b2) - 1;
        const rhoT = rhoInf - (2 * step * b2 ** step) / bc2;
        const rectified = rhoT > 5;
        const rect = rectified ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
        const bc2Sqrt = Math.sqrt(bc2);
        const pd = mutableData(p, "RAdam") as FloatArray, gd = gradData(p, "RAdam"), n = pd.length;
        const m = mutableData(s.exp_avg as Tensor, "RAdam") as FloatArray, v = mutableData(s.exp_avg_sq as Tensor, "RAdam") as FloatArray;
        const c1 = 1 - b1, c2 = 1 - b2;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          m[i] = b1 * m[i] + c1 * gi;
          v[i] = b2 * v[i] + c2 * gi * gi;
          const mhat = (m[i] / bc1) * lr;
          pd[i] -= rectified ? mhat * (bc2Sqrt / (Math.sqrt(v[i]) + eps)) * rect : mhat;
        }
        p._bump();
      }
    }
    return loss;
  }
}
