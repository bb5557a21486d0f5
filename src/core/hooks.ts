/**
 * Tensor hooks (`tensor.registerHook(grad => grad?)`, PyTorch's `register_hook`) and
 * the `RemovableHandle` every hook registration returns. A hook lives on the tensor's
 * autograd node (its grad_fn, or the AccumulateGrad node of a leaf), where the engine
 * runs it on the summed incoming gradient before the node's backward (or before
 * accumulating into `.grad`) — PyTorch's tensor pre-hooks.
 */
import type { GradHook } from "./autograd.js";
import { Tensor } from "./tensor.js";

/** What `register*Hook` returns: `remove()` unregisters the hook (idempotent). */
export class RemovableHandle {
  private removed = false;
  constructor(private readonly onRemove: () => void) {}

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.onRemove();
  }
}

/** Removes `item` from `list` in place (by identity, first occurrence). */
export function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

declare module "./tensor.js" {
  interface Tensor {
    /**
     * Registers `hook(grad)` to run each time the gradient with respect to this tensor
     * is computed; returning a tensor replaces the gradient (PyTorch's `register_hook`).
     * @example const h = x.registerHook((g) => g.mul(2)); y.backward(); h.remove();
     */
    registerHook(hook: GradHook): RemovableHandle;
  }
}

Tensor.prototype.registerHook = function (this: Tensor, hook: GradHook): RemovableHandle {
  if (typeof hook !== "function") throw new TypeError(`registerHook: hook must be a function, got ${typeof hook}`);
  const node = this._gradEdge();
  if (!node) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient");
  const hooks = (node.preHooks ??= []);
  hooks.push(hook);
  return new RemovableHandle(() => {
    removeFrom(hooks, hook);
    if (hooks.length === 0 && node.preHooks === hooks) node.preHooks = null;
  });
};
