/**
 * SGD (torch.optim.SGD): plain, momentum, dampening, Nesterov, L2 weight decay and
 * maximize, as one fused loop per parameter.
 */
import { noGrad } from "../core/autograd.js";
import type { Tensor } from "../core/tensor.js";
import { Optimizer, gradData, zerosLikeParam, type Closure, type FloatArray, type ParamsInput } from "./optimizer.js";
import { check, stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

/** SGD options (PyTorch's names, camelCase). */
export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing (default false). */
  maximize?: boolean;
}

const SPEC = argSpec("optim.SGD", 1, ["lr", "momentum", "dampening", "weightDecay", "nesterov", "*", "maximize", "foreach", "differentiable"]);

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, as PyTorch:
 * `buf = momentum * buf + (1 - dampening) * g` (buf = g on the first step), then
 * `p -= lr * (nesterov ? g + momentum * buf : buf)`.
 * @example const opt = new optim.SGD(params, {lr: 0.1, momentum: 0.9});
 */
export class SGD extends Optimizer {
  constructor(params: ParamsInput, ...args: PyArgs<SGDOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<SGDOptions>(args);
    const d = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...stripUndefined(opts) };
    check(d.lr >= 0, "SGD", `invalid learning rate: ${d.lr} (must be >= 0)`);
    check(d.momentum >= 0, "SGD", `invalid momentum value: ${d.momentum} (must be >= 0)`);
    check(d.weightDecay >= 0, "SGD", `invalid weightDecay value: ${d.weightDecay} (must be >= 0)`);
    if (d.nesterov && (d.momentum <= 0 || d.dampening !== 0)) {
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
    super(params, d, "SGD");
  }

  /** One SGD update of every parameter that has a gradient. */
  step(closure?: Closure): Tensor | number | undefined {
    const loss = this.evalClosure(closure);
    for (const g of this.paramGroups) {
      const lr = g.lr as number, momentum = g.momentum as number, dampening = g.dampening as number;
      const wd = g.weightDecay as number, nesterov = !!g.nesterov, sign = g.maximize ? -1 : 1;
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (p.device !== "cpu") {
          this.stepOnDevice(p, lr, momentum, dampening, wd, nesterov, sign);
          continue;
        }
        const pd = mutableData(p, "SGD") as FloatArray, gd = gradData(p, "SGD"), n = pd.length;
        if (momentum !== 0) {
          const s = this.stateOf(p);
          let first = false;
          if (!s.momentum_buffer) {
            s.momentum_buffer = zerosLikeParam(p);
            first = true;
          }
          const bd = mutableData(s.momentum_buffer as Tensor, "SGD") as FloatArray;
          const keep = 1 - dampening;
          for (let i = 0; i < n; i++) {
            let d = sign * gd[i];
            if (wd !== 0) d += wd * pd[i];
            const b = first ? d : momentum * bd[i] + keep * d;
            bd[i] = b;
            pd[i] -= lr * (nesterov ? d + momentum * bd[i] : bd[i]);
          }
        } else {
          // PyTorch records an empty momentum buffer for every stepped parameter.
          if (!this.state.has(p)) this.state.set(p, { momentum_buffer: null });
          for (let i = 0; i < n; i++) {
            let d = sign * gd[i];
            if (wd !== 0) d += wd * pd[i];
            pd[i] -= lr * d;
          }
        }
        p._bump();
      }
    }
    return loss;
  }

  /** The same update as the CPU loop, in tensor ops, for a parameter on a GPU. */
  private stepOnDevice(p: Tensor, lr: number, momentum: number, dampening: number, wd: number, nesterov: boolean, sign: number): void {
    gradData(p, "SGD"); // checks shape, dtype and device
    noGrad(() => {
      let d = sign === 1 ? p.grad! : p.grad!.neg();
      if (wd !== 0) d = d.add(p, { alpha: wd });
      let step = d;
      if (momentum !== 0) {
        const s = this.stateOf(p);
        const buf = s.momentum_buffer as Tensor | null | undefined;
        if (!buf) s.momentum_buffer = d.clone();
        else buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
        const b = s.momentum_buffer as Tensor;
        step = nesterov ? d.add(b, { alpha: momentum }) : b;
      } else if (!this.state.has(p)) this.state.set(p, { momentum_buffer: null });
      p.sub_(step, { alpha: lr });
    });
  }
}

