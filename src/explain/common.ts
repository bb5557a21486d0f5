/**
 * Shared machinery of the attribution methods (Captum's `_utils/common.py` and
 * `_utils/gradient.py` in spirit): running the function to explain, picking the
 * target output per example, gradients of the target with respect to the inputs,
 * baselines broadcast to the inputs, batch expansion, and strict option checking
 * (an unknown or misspelt option throws instead of being ignored).
 */
import { fmtShape } from "../core/shape.js";
import { Tensor } from "../core/tensor.js";
import { grad } from "../core/engine.js";
import { enableGrad } from "../core/autograd.js";
import { tensor, zerosLike, fullLike } from "../ops/creation.js";
import { cat } from "../ops/shape.js";
import { Module } from "../nn/module.js";
import "../ops/indexing.js";

/** The function to explain: a Module (its `forward` is called) or `(...inputs) => output`. */
export type ForwardFn = Module | ((...inputs: Tensor[]) => Tensor);

/**
 * Which output to explain: a class index for every example, one index per example
 * (array or int tensor), a function of the output returning one value per example,
 * or omitted when the output already has one value per example.
 */
export type Target = number | number[] | Tensor | ((output: Tensor) => Tensor) | undefined;

/** One input tensor, or several (then attributions come back as an array too). */
export type Inputs = Tensor | Tensor[];

/** Baselines: a number, a tensor (per input), or an array of them (one per input). */
export type Baselines = number | Tensor | (number | Tensor)[] | undefined;

/** Throws if `opts` has a key outside `allowed`, naming the method and the key. */
export function checkOptions(opts: object, allowed: readonly string[], op: string): void {
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new Error(`${op}: unknown option "${k}"; the options are ${allowed.join(", ")}`);
  }
}

export function checkForwardFn(f: unknown, op: string): void {
  if (!(f instanceof Module) && typeof f !== "function") throw new TypeError(`${op}: forwardFunc must be an nn.Module or a function, got ${typeof f}`);
}

/** Normalises inputs to a list and remembers whether the caller passed one tensor. */
export function toList(inputs: Inputs, op: string): [Tensor[], boolean] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (!list.length) throw new Error(`${op}: inputs must not be empty`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: inputs[${i}] is not a Tensor`);
    if (t.ndim < 1) throw new Error(`${op}: inputs[${i}] must have a batch dimension, got a scalar`);
  });
  const n = list[0].shape[0];
  list.forEach((t, i) => {
    if (t.shape[0] !== n) throw new Error(`${op}: inputs[${i}] has batch size ${t.shape[0]} but inputs[0] has ${n}; all inputs share the batch dimension`);
  });
  return [list, Array.isArray(inputs)];
}

/** Returns a list as the caller passed the inputs: a single tensor or an array. */
export function fromList<I extends Inputs>(list: Tensor[], wasArray: boolean): I {
  return (wasArray ? list : list[0]) as I;
}

/** Runs the function to explain on the inputs. */
export function runForward(f: ForwardFn, inputs: Tensor[]): Tensor {
  const out = f instanceof Module ? f.forward(...inputs) : f(...inputs);
  if (!(out instanceof Tensor)) throw new Error("explain: the forward function must return a Tensor (select the output to explain inside a wrapper function)");
  return out;
}

/** The explained value per example, shape [N]. */
export function selectTarget(out: Tensor, target: Target, op: string): Tensor {
  const n = out.shape[0];
  if (typeof target === "function") {
    const t = target(out);
    if (!(t instanceof Tensor) || t.ndim !== 1 || t.shape[0] !== n) {
      throw new Error(`${op}: a target function must return one value per example (shape [${n}]), got ${t instanceof Tensor ? `${fmtShape(t.shape)}` : typeof t}`);
    }
    return t;
  }
  if (target === undefined || target === null) {
    if (out.ndim === 0) return out.reshape([1]);
    if (out.numel() !== n) throw new Error(`${op}: the output has shape ${fmtShape(out.shape)}, more than one value per example; pass a target`);
    return out.reshape([n]);
  }
  if (out.ndim !== 2) throw new Error(`${op}: target indices need an output of shape [N, classes], got ${fmtShape(out.shape)}`);
  if (typeof target === "number") {
    if (!Number.isInteger(target) || target < 0 || target >= out.shape[1]) throw new Error(`${op}: target ${target} is out of range for ${out.shape[1]} outputs`);
    return out.select(1, target);
  }
  const idx = target instanceof Tensor ? target.to("int32") : tensor(target, { dtype: "int32" });
  if (idx.numel() !== n) throw new Error(`${op}: got ${idx.numel()} targets for a batch of ${n}; pass one per example (or one number for all)`);
  return out.gather(1, idx.reshape([n, 1])).reshape([n]);
}

/** Repeats per-example targets for a batch expanded `k` times ("repeat": whole batch k times; "interleave": each example k times). */
export function expandTarget(target: Target, k: number, mode: "repeat" | "interleave"): Target {
  if (target === undefined || typeof target === "number" || typeof target === "function" || k === 1) return target;
  const arr = Array.from((target instanceof Tensor ? target.to("int32").data() : target) as ArrayLike<number>);
  return mode === "repeat" ? Array.from({ length: k }, () => arr).flat() : arr.flatMap((v) => new Array<number>(k).fill(v));
}

/** The whole batch `k` times ([x; x; ...]). */
export function repeatBatch(t: Tensor, k: number): Tensor {
  return k === 1 ? t : cat(new Array<Tensor>(k).fill(t), 0);
}

/** Each example `k` times in a row (PyTorch's repeat_interleave on dim 0). */
export function repeatInterleave(t: Tensor, k: number): Tensor {
  if (k === 1) return t;
  const [n, ...rest] = t.shape;
  return t.unsqueeze(1).expand([n, k, ...rest]).reshape([n * k, ...rest]);
}

/** Baselines broadcast to each input's shape (default zeros). */
export function formatBaselines(baselines: Baselines, inputs: Tensor[], op: string): Tensor[] {
  const list = Array.isArray(baselines) ? baselines : inputs.map(() => baselines);
  if (list.length !== inputs.length) throw new Error(`${op}: got ${list.length} baselines for ${inputs.length} inputs`);
  return inputs.map((x, i) => {
    const b = list[i];
    if (b === undefined || b === null) return zerosLike(x);
    if (typeof b === "number") return fullLike(x, b);
    if (!(b instanceof Tensor)) throw new TypeError(`${op}: baselines[${i}] must be a number or a Tensor`);
    const okShape = b.ndim === x.ndim ? (b.shape[0] === x.shape[0] || b.shape[0] === 1) : b.ndim === x.ndim - 1;
    if (!okShape) throw new Error(`${op}: baselines[${i}] has shape ${fmtShape(b.shape)}; expected ${fmtShape(x.shape)}, [1, ${x.shape.slice(1)}] or ${fmtShape(x.shape.slice(1))}`);
    return b.to(x.dtype).expand(x.shape).contiguous();
  });
}

/** Fresh leaves that require grad, sharing the values of `xs`. */
export function leaves(xs: Tensor[]): Tensor[] {
  return xs.map((x) => x.detach().requiresGrad_(true));
}

/**
 * Gradients of the summed target outputs with respect to `inputs` (Captum's
 * compute_gradients); an input the output does not depend on gets zeros.
 */
export function gradients(f: ForwardFn, inputs: Tensor[], target: Target, op: string): Tensor[] {
  return enableGrad(() => {
    const xs = leaves(inputs);
    const sel = selectTarget(runForward(f, xs), target, op);
    const gs = grad(sel.sum(), xs, { allowUnused: true });
    return gs.map((g, i) => g ?? zerosLike(xs[i]));
  });
}

/** Sum over all dims but the first: [N, ...] -> [N]. */
export function rowSum(t: Tensor): Tensor {
  return t.reshape([t.shape[0], -1]).sum(1);
}
