/**
 * Adagrad (torch.optim.Adagrad): per-element learning rates from the running sum of
 * squared gradients, with lr decay, L2 weight decay and maximize.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** Adagrad options (PyTorch's names, camelCase). */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: `clr = lr / (1 + (t-1) lrDecay)` (default 0). */
  lrDecay?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
  /** Maximize the objective (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.Adagrad", 1, ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps", "foreach", "*", "maximize"]);

/**
 * Adagrad: `sum += g²`, `p -= clr g / (sqrt(sum) + eps)`. As in PyTorch, state
 * (`step`, `sum`) exists for every parameter from construction on.
 * @example const opt = new optim.Adagrad(params, {lr: 0.1});
 */
export class Adagrad extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<AdagradOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<AdagradOptions>(args);
    const d = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...stripUndefined(opts) };
    check(d.lr >= 0, "Adagrad", `invalid learning rate: ${d.lr} (must be >= 0)`);
    check(d.lrDecay >= 0, "Adagrad", `invalid lrDecay value: ${d.lrDecay} (must be >= 0)`);
    check(d.weightDecay >= 0, "Adagrad", `invalid weightDecay value: ${d.weightDecay} (must be >= 0)`);
    check(d.initialAccumulatorValue >= 0, "Adagrad", `invalid initialAccumulatorValue value: ${d.initialAccumulatorValue} (must be >= 0)`);
    check(d.eps >= 0, "Adagrad", `invalid epsilon value: ${d.eps} (must be >= 0)`);
    super(params, d, "Adagrad");
    for (const g of this.paramGroups) for (const p of g.params) this.init(p, g.initialAccumulatorValue as number);
  }

  private init(p: Tensor, initAcc: number): void {
    const s = this.stateOf(p);
    if (s.sum === undefined) {
      s.step = 0;
      s.sum = zerosLikeParam(p, initAcc);
    }
  }

  /** One Adagrad update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) {
      const lr = g.lr as number, lrDecay = g.lrDecay as number, wd = g.weightDecay as number, eps = g.eps as number;
      const sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        this.init(p, g.initialAccumulatorValue as number);
        const s = this.stateOf(p);
        const step = stepOf(s) + 1;
        s.step = step;
        const clr = lr / (1 + (step - 1) * lrDecay);
        const pd = mutableData(p, "Adagrad") as FloatArray, gd = gradData(p, "Adagrad"), n = pd.length;
        const sum = mutableData(s.sum as Tensor, "Adagrad") as FloatArray;
        for (let i = 0; i < n; i++) {
          let gi = sign * gd[i];
          if (wd !== 0) gi += wd * pd[i];
          sum[i] += gi * gi;
          pd[i] -= (clr * gi) / (Math.sqrt(sum[i]) + eps);
        }
        p._bump();
      }
    }
    return loss;
  }
}
