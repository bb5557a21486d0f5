/**
 * NAdam (torch.optim.NAdam): Adam with Nesterov momentum and the momentum-decay
 * schedule of Dozat (2016), with L2 weight decay and maximize.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, checkAdamLike, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** NAdam options (PyTorch's names, camelCase). */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Running-average coefficients (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Momentum decay psi (default 4e-3). */
  momentumDecay?: number;
  /** Maximize the objective (default false; PyTorch 2's option). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.NAdam", 1, ["lr", "betas", "eps", "weightDecay", "momentumDecay", "foreach", "*", "maximize"]);

/**
 * NAdam: `mu_t = b1 (1 - 0.5 * 0.96^(t psi))`, with the running product of mu kept in
 * float32 as PyTorch does (state `mu_product`), then
 * `p -= lr (1-mu_t)/(1-prod) g/denom + lr mu_{t+1}/(1-prod mu_{t+1}) m/denom`.
 * @example const opt = new optim.NAdam(params);
 */
export class NAdam extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<NAdamOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<NAdamOptions>(args);
    const d = { lr: 2e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, maximize: false, ...stripUndefined(opts) };
    checkAdamLike("NAdam", d);
    check(d.momentumDecay >= 0, "NAdam", `invalid momentumDecay value: ${d.momentumDecay} (must be >= 0)`);
    super(params, d, "NAdam");
  }

  /** One NAdam update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    const f = Math.fround;
    for (const g of this.paramGroups) {
      const lr = g.lr as number, [b1, b2] = g.betas as number[], eps = g.eps as number, wd = g.weightDecay as number;
      const psi = g.momentumDecay as number, sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.mu_product = 1;
          s.exp_avg = zerosLikeParam(p);
          s.exp_avg_sq = zerosLikeParam(p);
        }
        const step = stepOf(s) + 1;
        s.step = step;
        const bc2 = 1 - b2 ** step;
        const mu = b1 * (1 - 0.5 * 0.96 ** (step * psi));
        const muNext = b1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi));
        // PyTorch keeps mu_product as a float32 0-d tensor; round like it does.
        const muProduct = f(f(stepOfNumber(s.mu_product)) * f(mu));
        s.mu_product = muProduct;
        const muProductNext = f(f(muProduct * f(mu)) * f(muNext));
        const cg = (lr * (1 - mu)) / (1 - muProduct);
        const cm = (lr * muNext) / (1 - muProductNext);
        const pd = mutableData(p, "NAdam") as FloatArray, gd = gradData(p, "NAdam"), n = pd.length;
        const m = mutableData(s.exp_avg as Tensor, "NAdam") as FloatArray, v = mutableData(s.exp_avg_sq as Tensor, "NAdam") as FloatArray;
        const c1 = 1 - b1, c2 = 1 - b2;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          m[i] = b1 * m[i] + c1 * gi;
          v[i] = b2 * v[i] + c2 * gi * gi;
          const denom = Math.sqrt(v[i] / bc2) + eps;
          pd[i] -= (cg * gi) / denom + (cm * m[i]) / denom;
        }
        p._bump();
      }
    }
    return loss;
  }
}

function stepOfNumber(v: unknown): number {
  return typeof v === "number" ? v : (v as Tensor).item();
}
