/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay
 * (`p *= 1 - lr * weightDecay` before the Adam update), weightDecay default 1e-2.
 */
import { Adam, type AdamOptions } from "./adam.js";
import type { ParamsInput } from "./optimizer.js";
import { stripUndefined } from "./util.js";
import { argSpec, type PyArgs } from "../ops/args.js";

const SPEC = argSpec("optim.AdamW", 1, ["lr", "betas", "eps", "weightDecay", "amsgrad", "*", "maximize", "foreach", "capturable"]);

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's AdamW.
 * @example const opt = new optim.AdamW(params, {lr: 1e-3, weightDecay: 0.01});
 */
export class AdamW extends Adam {
  constructor(params: ParamsInput, ...args: PyArgs<AdamOptions, typeof SPEC.names>) {
    const opts = SPEC.parse<AdamOptions>(args);
    super(params, { weightDecay: 1e-2, ...stripUndefined(opts) });
  }

  protected override get decoupled(): boolean {
    return true;
  }
}
