/**
 * The Optimizer base class (torch.optim.Optimizer): parameter groups with per-group
 * options, per-parameter state, zeroGrad, and state dicts in PyTorch's layout
 * (`{state: {0: {step, exp_avg, ...}}, param_groups: [{lr, ..., params: [0, 1]}]}`,
 * PyTorch's snake_case keys) so saved state maps 1:1 between the two libraries.
 * Subclasses implement `step()` with fused per-element loops over the TypedArrays.
 */
import { kernelData, readData } from "../ops/data.js";
import { Tensor } from "../core/tensor.js";
import { enableGrad } from "../core/autograd.js";
import { isFloating } from "../core/dtype.js";
import { deepCopyState, toCamel, toSnake } from "./util.js";
import { full } from "../ops/creation.js";

/** A parameter group as passed by the user: tensors plus options overriding the defaults. */
export interface ParamGroupInput {
  params: Iterable<Tensor> | Tensor;
  [option: string]: unknown;
}

/** A parameter group held by an optimizer (`opt.paramGroups[i]`); options are camelCase. */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [option: string]: any;
}

/** What optimizers accept: tensors, or groups of tensors with their own options. */
export type ParamsInput = Iterable<Tensor> | Iterable<ParamGroupInput>;

/** A closure re-evaluates the model and returns the loss (after calling backward). */
export type Closure = () => Tensor | number;

/** Optimizer state in PyTorch's layout (snake_case keys; tensors are myelin Tensors). */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

/** Per-parameter state: PyTorch's keys (`step`, `exp_avg`, `momentum_buffer`, ...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ParamState = Record<string, any>;

/**
 * Base class of all optimizers. `params` is an iterable of tensors or of groups
 * `{params, lr, ...}`; group options override `defaults`.
 * @example const opt = new optim.SGD([w, b], {lr: 0.1}); loss.backward(); opt.step(); opt.zeroGrad();
 */
export abstract class Optimizer {
  /** Default options (camelCase), applied to every group that doesn't set them. */
  readonly defaults: Record<string, unknown>;
  /** The parameter groups; edit `lr` etc. here (schedulers do). */
  paramGroups: ParamGroup[] = [];
  /** Per-parameter state, keyed by the parameter tensor. */
  state: Map<Tensor, ParamState> = new Map();
  /** Name used in error messages. */
  protected readonly opName: string;

  constructor(params: ParamsInput | Tensor, defaults: Record<string, unknown>, opName: string) {
    this.defaults = defaults;
    this.opName = opName;
    if (params instanceof Tensor) {
      throw new TypeError(`${opName}: params argument given to the optimizer should be an iterable of Tensors or of param groups, but got a Tensor`);
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput>);
    if (list.length === 0) throw new Error(`${opName}: optimizer got an empty parameter list`);
    const groups: ParamGroupInput[] = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroupInput[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Adds a group of parameters (with optional per-group options), e.g. to unfreeze
   * layers during fine-tuning. Throws if a parameter is already in another group.
   */
  addParamGroup(group: ParamGroupInput): void {
    const op = this.opName;
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new TypeError(`${op}: a param group must be an object with a 'params' field`);
    }
    const params = group.params instanceof Tensor ? [group.params] : Array.from(group.params);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${op}: optimizer can only optimize Tensors, but params[${i}] is ${typeof p}`);
      if (!isFloating(p.dtype)) throw new TypeError(`${op}: can only optimize floating-point tensors, but params[${i}] has dtype ${p.dtype}`);
      if (!p.isLeaf) throw new Error(`${op}: can't optimize a non-leaf Tensor (params[${i}] was produced by an op; use a leaf created with requiresGrad)`);
    });
    const full: ParamGroup = { ...this.defaults, ...(group as Record<string, unknown>), params } as ParamGroup;
    for (const [k, v] of Object.entries(full)) {
      if (v === undefined && k in this.defaults) full[k] = this.defaults[k];
    }
    if (new Set(params).size !== params.length) throw new Error(`${op}: a parameter group contains duplicate parameters`);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (params.includes(p)) throw new Error(`${op}: some parameters appear in more than one parameter group`);
      }
    }
    this.paramGroups.push(full);
  }

  /**
   * Clears every parameter's gradient: sets `.grad` to null (default, as PyTorch 2) or,
   * with `{setToNone: false}`, fills it with zeros.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          p.grad = p.grad.detach();
          p.grad.zero_();
        }
      }
    }
  }

  /** Performs one optimization step; `closure` (re-evaluating the loss) is optional except for LBFGS. */
  abstract step(closure?: Closure): Tensor | number | undefined;

  /** Runs the closure with grad mode on (as PyTorch does) and returns its loss. */
  protected evalClosure(closure?: Closure): Tensor | number | undefined {
    return closure ? enableGrad(closure) : undefined;
  }

  /** The state object of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = {}));
    return s;
  }

  /**
   * The optimizer state in PyTorch's layout: parameters are numbered in group order,
   * options and state keys are snake_case, tensors are copied.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") packed[toSnake(k)] = deepCopyState(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, next++);
        return index.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = deepCopyState(s) as Record<string, unknown>;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Restores state saved by `stateDict()` (from myelin, or PyTorch's layout converted to
   * myelin Tensors). Groups must match in number and size; state tensors are copied and
   * cast to their parameter's dtype (except `step`).
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = this.opName;
    const saved = sd.param_groups;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length) {
      throw new Error(`${op}.loadStateDict: loaded state dict has ${saved?.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    saved.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) {
        throw new Error(`${op}.loadStateDict: loaded parameter group ${i} has ${g.params.length} parameters, the optimizer's has ${this.paramGroups[i].params.length}`);
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => idMap.set(Number(id), this.paramGroups[i].params[j])));
    const state = new Map<Tensor, ParamState>();
    for (const [k, v] of Object.entries(sd.state)) {
      const p = idMap.get(Number(k));
      if (!p) continue;
      const s: ParamState = {};
      for (const [key, val] of Object.entries(v)) s[key] = key === "step" ? deepCopyState(val) : deepCopyState(val, p.dtype);
      state.set(p, s);
    }
    this.state = state;
    this.paramGroups = saved.map((g, i) => {
      const ng: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") ng[toCamel(k)] = deepCopyState(v);
      ng.params = this.paramGroups[i].params;
      return ng as ParamGroup;
    });
  }
}

/** Float storage of a parameter or state tensor, for the fused update loops. */
export type FloatArray = Float32Array | Float64Array;

/** A zero-filled state tensor shaped like `p` (PyTorch's `torch.zeros_like(p)`). */
export function zerosLikeParam(p: Tensor, fill = 0): Tensor {
  return full(p.shape, fill, { dtype: p.dtype, device: p.device });
}

/** The step count stored in state (a number here; a 0-d tensor in PyTorch 1.12+). */
export function stepOf(s: ParamState): number {
  const v = s.step;
  return v instanceof Tensor ? v.item() : (v as number);
}

/** The gradient storage of `p`, checked to match the parameter's size and dtype. */
export function gradData(p: Tensor, op: string): FloatArray {
  const g = p.grad!;
  if (g.numel() !== p.numel() || g.dtype !== p.dtype) {
    throw new Error(`${op}.step: gradient of shape [${g.shape}] (${g.dtype}) does not match its parameter of shape [${p.shape}] (${p.dtype})`);
  }
  if (g.device !== p.device) throw new Error(`${op}.step: gradient on "${g.device}" but its parameter on "${p.device}"; move the model before backward`);
  return (g.device === "cpu" ? readData(g) : kernelData(g)) as FloatArray;
}
