/**
 * Module hooks as PyTorch: `registerForwardPreHook`, `registerForwardHook`,
 * `registerFullBackwardHook`. myelin has no `__call__`: every caller (Sequential,
 * layers, user code) calls `module.forward(...)` directly. So registering the first
 * hook on a module gives that instance an own, non-enumerable `forward` that runs
 * PyTorch's `_call_impl` sequence around the class's forward, and removing the last
 * hook deletes it again: a module without hooks runs exactly the code it ran before
 * (zero cost), hooks fire whoever calls `forward`, and nothing is added to the
 * fields that reflection (parameters, stateDict) looks at.
 *
 * Full backward hooks follow torch.utils.hooks.BackwardHook: the module's tensor
 * inputs and outputs pass through identity nodes. myelin's graph nodes have one
 * output each, so the identities of a group feed one "gather" node through a packed
 * gradient (each identity places its gradient in its own slice of a flat vector; the
 * engine sums them, which concatenates): the gather node sees every gradient at once.
 */
import { Tensor } from "../core/tensor.js";
import { Node, isGradEnabled } from "../core/autograd.js";
import { RemovableHandle, removeFrom } from "../core/hooks.js";
import { isFloating } from "../core/dtype.js";
import { zeros } from "../ops/creation.js";
import { cat, narrow } from "../ops/shape.js";
import { Module } from "./module.js";

export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;
export type ForwardHook = (module: Module, inputs: unknown[], output: any) => unknown;
export type FullBackwardHook = (module: Module, gradInputs: (Tensor | null)[], gradOutputs: (Tensor | null)[]) => (Tensor | null)[] | null | undefined | void;

interface HookState {
  pre: ForwardPreHook[];
  fwd: ForwardHook[];
  bwd: FullBackwardHook[];
  /** An own `forward` the instance had before the first hook (restored on removal). */
  own: PropertyDescriptor | undefined;
}

const STATE = new WeakMap<Module, HookState>();

function stateOf(m: Module): HookState {
  let st = STATE.get(m);
  if (!st) {
    st = { pre: [], fwd: [], bwd: [], own: Object.getOwnPropertyDescriptor(m, "forward") };
    STATE.set(m, st);
    const hooked = function (this: Module, ...args: unknown[]): unknown {
      return callWithHooks(m, st!, args);
    };
    Object.defineProperty(m, "forward", { value: hooked, enumerable: false, configurable: true, writable: true });
  }
  return st;
}

function release(m: Module, st: HookState): void {
  if (st.pre.length || st.fwd.length || st.bwd.length || STATE.get(m) !== st) return;
  STATE.delete(m);
  delete (m as unknown as Record<string, unknown>).forward;
  if (st.own) Object.defineProperty(m, "forward", st.own);
}

function register<T>(m: Module, kind: "pre" | "fwd" | "bwd", hook: T, op: string): RemovableHandle {
  if (!(m instanceof Module)) throw new TypeError(`${op}: called on something that is not an nn.Module`);
  if (typeof hook !== "function") throw new TypeError(`${op}: hook must be a function, got ${typeof hook}`);
  const st = stateOf(m);
  (st[kind] as T[]).push(hook);
  return new RemovableHandle(() => {
    removeFrom(st[kind] as T[], hook);
    release(m, st);
  });
}

/** PyTorch's Module._call_impl: pre-hooks, backward-hook inputs, forward, forward hooks, backward-hook outputs. */
function callWithHooks(m: Module, st: HookState, args: unknown[]): unknown {
  const inner = (st.own ? st.own.value : Object.getPrototypeOf(m).forward) as (...a: unknown[]) => unknown;
  for (const h of st.pre.slice()) {
    const r = h(m, args);
    if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
  }
  const bw = st.bwd.length ? new BackwardHookCall(m, st.bwd.slice(), args.length) : null;
  if (bw) args = bw.wrapInputs(args);
  let result = inner.apply(m, args);
  for (const h of st.fwd.slice()) {
    const r = h(m, args, result);
    if (r !== undefined && r !== null) result = r;
  }
  if (bw) result = bw.wrapOutputs(result);
  return result;
}

const isGradTensor = (x: unknown): x is Tensor => x instanceof Tensor && isFloating(x.dtype);

/**
 * Routes the gradients of `ts` through identities that feed one gather node. `onGather`
 * receives the gradients (null where none arrived) and returns those to pass on.
 * Returns the identity outputs (aliases of `ts` sharing storage).
 */
function gatherThrough(ts: Tensor[], name: string, onGather: (grads: (Tensor | null)[]) => (Tensor | null)[]): Tensor[] {
  const sizes = ts.map((t) => t.numel());
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  const filled = ts.map(() => false);
  const gather = new Node(name, ts.map((t) => t._gradEdge()), (packed) => {
    const grads = ts.map((t, i) => (filled[i] ? narrow(packed, 0, offsets[i], sizes[i]).reshape(t.shape).to(t.dtype) : null));
    filled.fill(false);
    return onGather(grads);
  }, null);
  return ts.map((t, i) => {
    const alias = t.detach(); // shares storage and version counter, as PyTorch's identity views do
    alias._gradFn = new Node(name, [gather], (g) => {
      filled[i] = true;
      const parts: Tensor[] = [];
      if (offsets[i] > 0) parts.push(zeros([offsets[i]], { dtype: g.dtype }));
      parts.push(g.reshape([-1]));
      const after = total - offsets[i] - sizes[i];
      if (after > 0) parts.push(zeros([after], { dtype: g.dtype }));
      return [parts.length === 1 ? parts[0] : cat(parts, 0)];
    }, null);
    return alias;
  });
}

/** One forward call's BackwardHook: remembers the output gradients until the input side runs. */
class BackwardHookCall {
  private gradOutputs: (Tensor | null)[] | null = null;
  private inputsWrapped = false;

  constructor(private readonly m: Module, private readonly hooks: FullBackwardHook[], private readonly nArgs: number) {}

  wrapInputs(args: unknown[]): unknown[] {
    const idx = args.map((a, i) => (isGradTensor(a) ? i : -1)).filter((i) => i >= 0);
    if (!isGradEnabled() || !idx.some((i) => (args[i] as Tensor).requiresGrad)) return args;
    this.inputsWrapped = true;
    const wrapped = gatherThrough(idx.map((i) => args[i] as Tensor), "BackwardHookFunctionBackward", (grads) => {
      if (this.gradOutputs === null) return grads; // gradient reached the inputs without passing the outputs
      let res: (Tensor | null)[] = args.map(() => null);
      idx.forEach((a, k) => (res[a] = grads[k]));
      for (const h of this.hooks) {
        const out = h(this.m, res, this.gradOutputs);
        if (out === undefined || out === null) continue;
        if (!Array.isArray(out) || out.length !== res.length) {
          throw new Error(`registerFullBackwardHook: a backward hook returned ${Array.isArray(out) ? out.length : "a non-array"} grad_input(s), but expected an array of ${res.length} (one per forward argument)`);
        }
        out.forEach((g, k) => {
          if (g && res[k] && g.shape.join() !== res[k]!.shape.join()) {
            throw new Error(`registerFullBackwardHook: the hook's grad_input ${k} has shape [${g.shape}] but the input has shape [${res[k]!.shape}]`);
          }
        });
        res = out;
      }
      this.gradOutputs = null;
      return idx.map((a) => res[a] ?? null);
    });
    const out = args.slice();
    idx.forEach((a, k) => (out[a] = wrapped[k]));
    return out;
  }

  wrapOutputs(result: unknown): unknown {
    const single = result instanceof Tensor;
    const items = single ? [result] : Array.isArray(result) ? result : null;
    if (!items) return result;
    const idx = items.map((a, i) => (isGradTensor(a) ? i : -1)).filter((i) => i >= 0);
    if (!isGradEnabled() || !idx.some((i) => (items[i] as Tensor).requiresGrad)) return result;
    const wrapped = gatherThrough(idx.map((i) => items[i] as Tensor), "BackwardHookFunctionBackward", (grads) => {
      const go: (Tensor | null)[] = items.map(() => null);
      idx.forEach((a, k) => (go[a] = grads[k]));
      this.gradOutputs = go;
      if (!this.inputsWrapped) {
        // No input requires grad: the hooks run here, with grad_input all None (as PyTorch).
        const gi = new Array<Tensor | null>(this.nArgs).fill(null);
        for (const h of this.hooks) {
          const r = h(this.m, gi, go);
          if (r && !(Array.isArray(r) && r.every((x) => x === null || x === undefined))) {
            throw new Error("registerFullBackwardHook: backward hook for a module where no input requires gradient should always return null or null for all gradients");
          }
        }
        this.gradOutputs = null;
      }
      return grads;
    });
    if (single) return wrapped[0];
    const out = items.slice();
    idx.forEach((a, k) => (out[a] = wrapped[k]));
    return out;
  }
}

declare module "./module.js" {
  interface Module {
    /**
     * `hook(module, inputs)` runs before each forward; returning a value (an array, or
     * one value wrapped into an array) replaces the inputs. PyTorch's `register_forward_pre_hook`.
     */
    registerForwardPreHook(hook: ForwardPreHook): RemovableHandle;
    /**
     * `hook(module, inputs, output)` runs after each forward; returning a value replaces
     * the output. PyTorch's `register_forward_hook`.
     * @example const h = conv.registerForwardHook((m, i, o) => { acts = o; }); h.remove();
     */
    registerForwardHook(hook: ForwardHook): RemovableHandle;
    /**
     * `hook(module, gradInputs, gradOutputs)` runs when the gradients with respect to the
     * module's inputs are computed; returning an array (one entry per forward argument)
     * replaces `gradInputs`. PyTorch's `register_full_backward_hook`.
     */
    registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle;
  }
}

Module.prototype.registerForwardPreHook = function (hook: ForwardPreHook) {
  return register(this, "pre", hook, "registerForwardPreHook");
};
Module.prototype.registerForwardHook = function (hook: ForwardHook) {
  return register(this, "fwd", hook, "registerForwardHook");
};
Module.prototype.registerFullBackwardHook = function (hook: FullBackwardHook) {
  return register(this, "bwd", hook, "registerFullBackwardHook");
};
