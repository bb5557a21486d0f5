/**
 * Layer attributions after Captum: LayerActivation, LayerGradCam, GuidedGradCam,
 * LayerConductance, LayerIntegratedGradients (e.g. on an embedding layer, for text) and
 * LayerAttribution.interpolate. A layer's output is read, or replaced, with a forward
 * hook on the layer module for the duration of one call.
 */
import { fmtShape } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { enableGrad, noGrad } from "../core/autograd.js";
import { grad } from "../core/engine.js";
import { zerosLike } from "../ops/creation.js";
import { cat } from "../ops/shape.js";
import { Module } from "../nn/module.js";
import * as F from "../nn/functional/index.js";
import {
  type Baselines, type ForwardFn, type Inputs, type Target, checkOptions, expandTarget, formatBaselines, fromList, repeatBatch,
  runForward, selectTarget, toList,
} from "./common.js";
import { type IGOptions, IG_OPTIONS, Attribution, GuidedBackprop, approximationParameters, integrateGradients, type IGMethod } from "./gradient.js";

function layerOutput(o: unknown, layer: Module, op: string): Tensor {
  if (!(o instanceof Tensor)) throw new Error(`${op}: the layer ${layer.constructor.name} returns ${Array.isArray(o) ? "an array" : typeof o}; layer attribution needs a layer whose output is one Tensor`);
  return o;
}

/**
 * Runs f on `inputs` with the layer's output captured (and, with `replace`, substituted:
 * the function gets the layer's real output and returns the one to use).
 */
export function withLayer<T>(f: ForwardFn, layer: Module, op: string, run: (grab: () => Tensor) => T, replace?: (real: Tensor) => Tensor): T {
  if (!(layer instanceof Module)) throw new TypeError(`${op}: layer must be an nn.Module`);
  let got: Tensor | null = null;
  const h = layer.registerForwardHook((_m, _i, o) => {
    if (got) throw new Error(`${op}: the layer is called more than once in one forward; attribute to a layer used once`);
    got = replace ? replace(layerOutput(o, layer, op)) : layerOutput(o, layer, op);
    return got;
  });
  try {
    return run(() => {
      if (!got) throw new Error(`${op}: the layer was not called by the forward function`);
      const g = got;
      got = null;
      return g;
    });
  } finally {
    h.remove();
  }
}

/** Gradients of the target with respect to the layer output, and the layer output. */
export function layerGradientsAndEval(f: ForwardFn, layer: Module, xs: Tensor[], target: Target, op: string): [Tensor, Tensor] {
  return enableGrad(() => withLayer(f, layer, op, (grab) => {
    const sel = selectTarget(runForward(f, xs), target, op);
    const act = grab();
    if (!act.requiresGrad) throw new Error(`${op}: the layer output does not depend on anything that requires grad; nothing to differentiate`);
    const [g] = grad(sel.sum(), [act], { allowUnused: true });
    return [g ?? zerosLike(act), act.detach()] as [Tensor, Tensor];
  }, (real) => (real.requiresGrad ? real : real.detach().requiresGrad_(true))));
}

abstract class LayerAttributionBase extends Attribution {
  constructor(forwardFunc: ForwardFn, readonly layer: Module) {
    super(forwardFunc);
    if (!(layer instanceof Module)) throw new TypeError(`${this.constructor.name}: the layer (second argument) must be an nn.Module`);
  }
}

/** The layer's output for the inputs. */
export class LayerActivation extends LayerAttributionBase {
  attribute(inputs: Inputs, opts: object = {}): Tensor {
    checkOptions(opts, [], "LayerActivation.attribute");
    const [xs] = toList(inputs, "LayerActivation.attribute");
    return noGrad(() => withLayer(this.forwardFunc, this.layer, "LayerActivation.attribute", (grab) => {
      runForward(this.forwardFunc, xs);
      return grab();
    }));
  }
}

/**
 * Grad-CAM (Selvaraju et al. 2017): the layer's channels weighted by their mean gradient,
 * summed over channels → [N, 1, ...spatial].
 */
export class LayerGradCam extends LayerAttributionBase {
  attribute(inputs: Inputs, opts: { target?: Target; reluAttributions?: boolean } = {}): Tensor {
    const op = "LayerGradCam.attribute";
    checkOptions(opts, ["target", "reluAttributions"], op);
    const [xs] = toList(inputs, op);
    const [g, act] = layerGradientsAndEval(this.forwardFunc, this.layer, xs, opts.target, op);
    return noGrad(() => {
      const dims = Array.from({ length: g.ndim - 2 }, (_, i) => i + 2);
      const w = dims.length ? g.mean(dims, true) : g;
      const cam = w.mul(act).sum(1, true);
      return opts.reluAttributions ? cam.relu() : cam;
    });
  }
}

/** Layer attribution helpers (Captum's LayerAttribution). */
export const LayerAttribution = {
  /** Resizes a layer attribution [N, C, ...] to the input's spatial size. */
  interpolate(layerAttribution: Tensor, interpolateDims: number | number[], interpolateMode = "nearest"): Tensor {
    const size = typeof interpolateDims === "number" ? new Array<number>(layerAttribution.ndim - 2).fill(interpolateDims) : interpolateDims;
    return F.interpolate(layerAttribution, { size, mode: interpolateMode as "nearest" });
  },
};

/** Guided Grad-CAM: GuidedBackprop times the (ReLU'd) Grad-CAM map upsampled to the input. */
export class GuidedGradCam extends LayerAttributionBase {
  constructor(readonly model: Module, layer: Module) {
    super(model, layer);
  }

  attribute<I extends Inputs>(inputs: I, opts: { target?: Target; interpolateMode?: string } = {}): I {
    const op = "GuidedGradCam.attribute";
    checkOptions(opts, ["target", "interpolateMode"], op);
    const [xs, arr] = toList(inputs, op);
    const cam = new LayerGradCam(this.model, this.layer).attribute(xs, { target: opts.target, reluAttributions: true });
    const guided = new GuidedBackprop(this.model).attribute(xs, { target: opts.target }) as Tensor[];
    return fromList(guided.map((g, i) => g.mul(LayerAttribution.interpolate(cam, xs[i].shape.slice(2), opts.interpolateMode ?? "nearest"))), arr);
  }
}

/**
 * Conductance (Dhamdhere et al. 2018): the layer's share of the integrated gradients,
 * Σ_k (L(α_{k+1}) - L(α_k)) · ∂F/∂L(α_k) over nSteps + 1 points of Captum's rule.
 */
export class LayerConductance extends LayerAttributionBase {
  attribute(inputs: Inputs, opts: { baselines?: Baselines; target?: Target; nSteps?: number; method?: IGMethod } = {}): Tensor {
    const op = "LayerConductance.attribute";
    checkOptions(opts, ["baselines", "target", "nSteps", "method"], op);
    const [xs] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const steps = (opts.nSteps ?? 50) + 1;
    const { alphas } = approximationParameters(opts.method ?? "gausslegendre", steps);
    const n = xs[0].shape[0];
    const pts = noGrad(() => xs.map((x, i) => repeatPath(x, bs[i], alphas)));
    const [g, act] = layerGradientsAndEval(this.forwardFunc, this.layer, pts, expandTarget(opts.target, steps, "repeat"), op);
    return noGrad(() => {
      const rest = act.shape.slice(1);
      const diffs = act.narrow(0, n, n * (steps - 1)).sub(act.narrow(0, 0, n * (steps - 1)));
      return diffs.mul(g.narrow(0, 0, n * (steps - 1))).reshape([steps - 1, n, ...rest]).sum(0);
    });
  }
}

/** [b + α_1 (x - b); b + α_2 (x - b); ...]. */
function repeatPath(x: Tensor, b: Tensor, alphas: number[]): Tensor {
  const d = x.sub(b);
  return cat(alphas.map((a) => b.add(d.mul(a))), 0);
}

/**
 * Integrated gradients with respect to a layer's output (Captum's LayerIntegratedGradients):
 * the path runs from the layer's output on the baselines to its output on the inputs, the
 * model's inputs stay as given. For text: the embedding layer, with baseline token ids.
 */
export class LayerIntegratedGradients extends LayerAttributionBase {
  attribute(inputs: Inputs, opts: IGOptions & { returnConvergenceDelta: true }): [Tensor, Tensor];
  attribute(inputs: Inputs, opts?: IGOptions): Tensor;
  attribute(inputs: Inputs, opts: IGOptions = {}): Tensor | [Tensor, Tensor] {
    const op = "LayerIntegratedGradients.attribute";
    checkOptions(opts, IG_OPTIONS, op);
    const [xs] = toList(inputs, op);
    const bs = formatBaselines(opts.baselines, xs, op);
    const f = this.forwardFunc, layer = this.layer;
    const evalAt = (ins: Tensor[]): Tensor => noGrad(() => withLayer(f, layer, op, (grab) => { runForward(f, ins); return grab(); }));
    const xl = evalAt(xs), bl = evalAt(bs);
    const n = xs[0].shape[0];
    const gradAt = (points: Tensor[], t: Target): Tensor[] => {
      const k = points[0].shape[0] / n;
      const z = points[0].detach().requiresGrad_(true);
      return enableGrad(() => withLayer(f, layer, op, () => {
        const sel = selectTarget(runForward(f, xs.map((x) => repeatBatch(x, k))), t, op);
        const [g] = grad(sel.sum(), [z], { allowUnused: true });
        return [g ?? zerosLike(z)];
      }, (real) => {
        if (real.shape.join() !== z.shape.join()) throw new Error(`${op}: the layer output has shape ${fmtShape(real.shape)}, expected ${fmtShape(z.shape)}`);
        return z;
      }));
    };
    const sums = integrateGradients([xl], [bl], opts.target, opts.method ?? "gausslegendre", opts.nSteps ?? 50, opts.internalBatchSize, gradAt, op);
    const attr = sums[0].mul(xl.sub(bl));
    if (!opts.returnConvergenceDelta) return attr;
    const delta = noGrad(() => {
      const end = selectTarget(runForward(f, xs), opts.target, op), start = selectTarget(runForward(f, bs), opts.target, op);
      return attr.reshape([n, -1]).sum(1).sub(end.sub(start));
    });
    return [attr, delta];
  }
}
