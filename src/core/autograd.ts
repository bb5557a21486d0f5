/**
 * Autograd graph nodes and grad mode. A Node is the backward function of one op
 * output (PyTorch's grad_fn); it points at the nodes of the op's inputs, so in-place
 * ops can re-base a tensor onto a new node while old nodes keep their edges.
 * The engine that walks these nodes lives in engine.ts.
 */
import type { Tensor } from "./tensor.js";

/** A tensor hook: sees the gradient of one tensor and may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | null | undefined | void;

/** Returns the gradient for each input of the op (null where it has none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null | undefined)[];

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets grad mode and returns the previous value (internal; users call noGrad/enableGrad). */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * Runs `fn` with gradient recording off, like `with torch.no_grad():`.
 * @example const y = my.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Runs `fn` with gradient recording on (inside a `noGrad` block, say). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

export class Node {
  /** Set when the graph was freed by a backward pass without retainGraph. */
  freed = false;
  /** Tensors whose `.grad` should receive this node's incoming gradient (retainGrad). */
  retained: Tensor[] | null = null;
  /**
   * Tensor hooks (`tensor.registerHook`) on the gradient arriving at this node, run
   * in registration order before the node's backward; null (the common case) costs
   * one field check per node.
   */
  preHooks: GradHook[] | null = null;
  private savedVersions: number[] | null;

  constructor(
    readonly name: string,
    readonly next: (Node | null)[],
    public fn: BackwardFn | null,
    public saved: Tensor[] | null,
  ) {
    this.savedVersions = saved && saved.length ? saved.map((t) => t._version.v) : null;
  }

  /** Checks that no saved tensor was modified in place since the forward pass. */
  checkSaved(): void {
    if (this.freed) {
      throw new Error(
        `backward: trying to backward through the graph a second time (at ${this.name}); ` +
          `the saved tensors were freed by the first backward. Pass {retainGraph: true} to the first backward() if you need to call it twice.`,
      );
    }
    const saved = this.saved;
    const vers = this.savedVersions;
    if (!saved || !vers) return;
    for (let i = 0; i < saved.length; i++) {
      const t = saved[i];
      if (t._version.v !== vers[i]) {
        throw new Error(
          `backward: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
            `a ${t.dtype} tensor of shape [${t.shape.join(", ")}] (saved by ${this.name}) is at version ${t._version.v}; expected version ${vers[i]}. ` +
            `Use an out-of-place op (e.g. x.add(y) instead of x.add_(y)) or clone() the tensor before modifying it.`,
        );
      }
    }
  }

  /** Runs the tensor hooks on gradient `g` (a hook returning a tensor replaces it). */
  runPreHooks(g: Tensor): Tensor {
    for (const h of this.preHooks!.slice()) {
      const r = h(g);
      if (r !== undefined && r !== null) {
        const shape = r.shape, want = g.shape;
        if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
          throw new Error(`registerHook: a hook returned a gradient of shape [${shape.join(", ")}] for a tensor of shape [${want.join(", ")}]; the shapes must match`);
        }
        g = r;
      }
    }
    return g;
  }

  release(): void {
    this.fn = null;
    this.saved = null;
    this.freed = true;
  }
}

/** Leaf node: accumulates the incoming gradient into `tensor.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly tensor: Tensor) {
    super("AccumulateGrad", [], null, null);
  }
  override checkSaved(): void {}
  override release(): void {}
}
