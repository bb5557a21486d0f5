/**
 * Adam (torch.optim.Adam), with L2 weight decay, AMSGrad and maximize; the same loop
 * serves AdamW (decoupled weight decay), see adamw.ts.
 */
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, stepOf, zerosLikeParam, type Closure, type FloatArray, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { adamStep_ } from "../ops/optim-step.js";
import { checkAdamLike, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";

/** Adam / AdamW options (PyTorch's names, camelCase). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Weight decay (Adam: L2 penalty, default 0; AdamW: decoupled, default 1e-2). */
  weightDecay?: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximize the objective (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.Adam", 1, ["lr", "betas", "eps", "weightDecay", "amsgrad", "*", "foreach", "maximize", "capturable", "differentiable", "fused"]);

/**
 * Adam: `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`,
 * `p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)` (v replaced by its running
 * max with AMSGrad). State keys: `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`.
 * @example const opt = new optim.Adam(params, {lr: 1e-3});
 */
export class Adam extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<AdamOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<AdamOptions>(args);
    const name = new.target.name;
    const d = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...stripUndefined(opts) };
    checkAdamLike(name, d);
    super(params, d, name);
  }

  /** Whether weight decay is decoupled (AdamW) rather than added to the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  /** One Adam update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) for (const p of g.params) if (p.grad !== null) this.update(g, p);
    return loss;
  }

  private update(g: ParamGroup, p: Tensor): void {
    const s = this.stateOf(p);
    const amsgrad = !!g.amsgrad;
    if (s.step === undefined) {
      s.step = 0;
      s.exp_avg = zerosLikeParam(p);
      s.exp_avg_sq = zerosLikeParam(p);
    }
    if (amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = zerosLikeParam(p);
    const step = stepOf(s) + 1;
    s.step = step;
    const lr = g.lr as number, [b1, b2] = g.betas as number[], eps = g.eps as number, wd = g.weightDecay as number;
    const sign = g.maximize ? -1 : 1;
    const stepSize = lr / (1 - b1 ** step);
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    const decay = this.decoupled ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    const vmax = amsgrad ? (s.max_exp_avg_sq as Tensor) : null;
    adamStep_(p, gradData(p, this.opName), s.exp_avg as Tensor, s.exp_avg_sq as Tensor, vmax, { b1, b2, stepSize, bc2Sqrt, eps, sign, l2, decay });
  }
}
