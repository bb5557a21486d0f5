/**
 * DeepLift with the rescale rule (Shrikumar et al. 2017), as Captum implements it: the
 * model runs once on [inputs; baselines]; full backward hooks on its nonlinear modules
 * replace each gradient by the multiplier Δout/Δin (where |Δin| > 1e-10), and
 * max-pooling modules get Captum's max-pool rule; attributions are (x - b) · multiplier.
 * Only modules count: a functional F.relu inside a forward is treated as linear, as in Captum.
 */
import { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { cat } from "../ops/shape.js";
import { maximum, where } from "../ops/elementwise.js";
import { Module } from "../nn/module.js";
import { ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from "../nn/layers/activation.js";
import { MaxPool1d, MaxPool2d } from "../nn/layers/pooling.js";
import * as F from "../nn/functional/index.js";
import { type Baselines, type Inputs, type Target, checkOptions, expandTarget, formatBaselines, fromList, gradients, toList } from "./common.js";
import { Attribution, convergenceDelta } from "./gradient.js";

const EPS = 1e-10;

const isElementwise = (m: Module): boolean => m instanceof ReLU || m instanceof ELU || m instanceof LeakyReLU || m instanceof Sigmoid || m instanceof Tanh;
const isMaxPool = (m: Module): m is MaxPool1d | MaxPool2d => m instanceof MaxPool1d || m instanceof MaxPool2d;

/** The two halves' difference, repeated for both halves: [x - r; x - r]. */
function deltas(t: Tensor): Tensor {
  const n = t.shape[0] / 2;
  const d = t.narrow(0, 0, n).sub(t.narrow(0, n, n));
  return cat([d, d], 0);
}

function maxPoolRule(m: MaxPool1d | MaxPool2d, input: Tensor, output: Tensor, gi: Tensor, go: Tensor): Tensor {
  const n = input.shape[0] / 2;
  const dIn = deltas(input);
  const out = output.narrow(0, 0, n), ref = output.narrow(0, n, n);
  const xmax = maximum(out, ref);
  const dOut = cat([xmax.sub(ref), out.sub(xmax)], 0);
  const two = m instanceof MaxPool2d;
  const opts = { stride: m.stride, padding: m.padding, dilation: m.dilation, ceilMode: m.ceilMode, returnIndices: true as const };
  const [, idx] = two ? F.maxPool2d(input, m.kernelSize, opts) : F.maxPool1d(input, m.kernelSize, opts);
  const uopts = { stride: m.stride, padding: m.padding, outputSize: input.shape };
  const unpooled = two ? F.maxUnpool2d(go.mul(dOut), idx, m.kernelSize, uopts) : F.maxUnpool1d(go.mul(dOut), idx, m.kernelSize, uopts);
  const u = unpooled.narrow(0, 0, n).add(unpooled.narrow(0, n, n));
  return where(dIn.abs().lt(EPS), gi, cat([u, u], 0).div(dIn));
}

/**
 * DeepLift, rescale rule.
 * @example new explain.DeepLift(model).attribute(x, {baselines: 0, target: 7})
 */
export class DeepLift extends Attribution {
  constructor(readonly model: Module) {
    super(model);
    if (!(model instanceof Module)) throw new TypeError("DeepLift: the model must be an nn.Module (its nonlinear modules are hooked)");
  }

  attribute<I extends Inputs>(inputs: I, opts: { baselines?: Baselines; target?: Target; returnConvergenceDelta: true }): [I, Tensor];
  attribute<I extends Inputs>(inputs: I, opts?: { baselines?: Baselines; target?: Target; returnConvergenceDelta?: boolean }): I;
  attribute<I extends Inputs>(inputs: I, opts: { baselines?: Baselines; target?: Target; returnConvergenceDelta?: boolean } = {}): I | [I, Tensor] {
    const op = "DeepLift.attribute";
    checkOptions(opts, ["baselines", "target", "returnConvergenceDelta"], op);
    const [xs, arr] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const mods = [...this.model.modules()];
    const soft = mods.find((m) => m instanceof Softmax);
    if (soft) throw new Error(`${op}: the model contains an nn.Softmax module, for which only Captum's softmax rule is right and it is not implemented; explain the logits instead`);
    const hooked = mods.filter((m) => isElementwise(m) || isMaxPool(m));
    const seen = new Map<Module, [Tensor, Tensor]>();
    const handles = hooked.flatMap((m) => [
      m.registerForwardHook((mod, args, out) => {
        if (seen.has(mod)) throw new Error(`${op}: the ${mod.constructor.name} module is called more than once in one forward; DeepLift needs a separate module per use`);
        seen.set(mod, [args[0] as Tensor, out as Tensor]);
      }),
      m.registerFullBackwardHook((mod, gi, go) => noGrad(() => {
        const [input, output] = seen.get(mod)!;
        if (!gi[0] || !go[0]) return gi;
        if (isMaxPool(mod)) return [maxPoolRule(mod, input, output, gi[0], go[0])];
        const dIn = deltas(input);
        return [where(dIn.abs().lt(EPS), gi[0], go[0].mul(deltas(output)).div(dIn))];
      })),
    ]);
    let gs: Tensor[];
    try {
      const both = (...ins: Tensor[]): Tensor => this.model.forward(...ins.map((x, i) => cat([x, bs[i]], 0))) as Tensor;
      gs = gradients(both, xs, expandTarget(opts.target, 2, "repeat"), op);
    } finally {
      handles.forEach((h) => h.remove());
    }
    const attrs = gs.map((g, i) => g.mul(xs[i].sub(bs[i])));
    if (!opts.returnConvergenceDelta) return fromList<I>(attrs, arr);
    return [fromList<I>(attrs, arr), convergenceDelta(this.model, attrs, xs, bs, opts.target, op)];
  }
}
