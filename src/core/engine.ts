/**
 * The backward engine: walks the graph of Nodes from the outputs in dependency
 * order (Kahn's algorithm), summing the gradients that reach each node, then
 * accumulating into leaves' `.grad` (backward) or returning them (grad).
 */
import { AccumulateGrad, Node, setGradEnabled } from "./autograd.js";
import { Tensor, make } from "./tensor.js";
import { fmtShape, shapesEqual } from "./shape.js";
import { allocArray } from "./dtype.js";

/** Options of `tensor.backward()` and {@link backward}. */
export interface BackwardOptions {
  /** Keep the graph's saved tensors so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
}

/** Options of {@link grad}. */
export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (required for non-scalar outputs). */
  gradOutputs?: (Tensor | null | undefined)[] | Tensor;
  /** Return null for inputs the outputs do not depend on, instead of raising. */
  allowUnused?: boolean;
}

function rootGrad(out: Tensor, g: Tensor | null | undefined, op: string): Tensor {
  if (g === null || g === undefined) {
    if (out.numel() !== 1) {
      throw new Error(`${op}: grad can be implicitly created only for scalar outputs, but the output has shape ${fmtShape(out.shape)}; pass a gradient of that shape`);
    }
    // The implicit seed of a scalar output: one 1 of its dtype and shape (core builds
    // it itself rather than import ops/creation, so core depends on nothing above it).
    return make(allocArray(out.dtype, 1).fill(1), out.shape.slice(), out.dtype);
  }
  if (!shapesEqual(g.shape, out.shape)) {
    throw new Error(`${op}: gradient has shape ${fmtShape(g.shape)} but the output has shape ${fmtShape(out.shape)}; they must match`);
  }
  return g.dtype === out.dtype ? g : g.to(out.dtype);
}

function checkGradOutputs(outs: Tensor[], gos: unknown[], op: string): void {
  if (gos.length && gos.length !== outs.length) {
    throw new Error(`${op}: got ${gos.length} gradOutputs for ${outs.length} outputs; pass one gradient (or null) per output`);
  }
}

/** Counts, for every node reachable from the roots, how many edges lead into it. */
function dependencies(roots: Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  // Roots are deduplicated: the same output passed twice must not count its edges twice.
  const seen = new Set<Node>(roots);
  const stack = [...seen];
  while (stack.length) {
    const n = stack.pop()!;
    for (const next of n.next) {
      if (!next) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return deps;
}

/** Nodes from which some target can be reached (only those need to run for grad()). */
function needed(roots: Node[], targets: Set<Node>): Set<Node> {
  const memo = new Map<Node, boolean>();
  const visit = (n: Node): boolean => {
    const m = memo.get(n);
    if (m !== undefined) return m;
    memo.set(n, false);
    let r = targets.has(n);
    for (const next of n.next) if (next && visit(next)) r = true;
    memo.set(n, r);
    return r;
  };
  // Iterative deepening is unnecessary for typical depths; guard very deep graphs by explicit stack.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = roots.map((r) => [r, 0]);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [n, i] = top;
    if (i === 0) {
      if (seen.has(n)) { stack.pop(); continue; }
      seen.add(n);
    }
    if (i < n.next.length) {
      top[1]++;
      const c = n.next[i];
      if (c && !seen.has(c)) stack.push([c, 0]);
    } else {
      stack.pop();
      order.push(n);
    }
  }
  for (const n of order) visit(n);
  const out = new Set<Node>();
  for (const [n, v] of memo) if (v) out.add(n);
  return out;
}

function addGrad(a: Tensor | undefined, b: Tensor): Tensor {
  return a === undefined ? b : a.add(b);
}

/**
 * Runs the backward pass. With `captures`, returns the gradient reaching each
 * captured node instead of accumulating into leaves.
 */
function runBackward(
  outputs: Tensor[], grads: Tensor[], opts: BackwardOptions, captures: Node[] | null, unreachable?: (i: number) => never,
): Map<Node, Tensor> {
  const roots: Node[] = [];
  const pending = new Map<Node, Tensor>();
  outputs.forEach((o, i) => {
    const node = o._gradEdge();
    if (!node) return;
    roots.push(node);
    pending.set(node, addGrad(pending.get(node), grads[i]));
  });
  const captured = new Map<Node, Tensor>();
  if (!roots.length) return captured;
  const targets = captures ? new Set(captures) : null;
  const run = targets ? needed(roots, targets) : null;
  if (run && unreachable) {
    // Fail before running anything, so the graph is not freed by a call that raises.
    captures!.forEach((c, i) => { if (!run.has(c)) unreachable(i); });
  }
  const deps = dependencies(roots);
  const ready: Node[] = [];
  for (const r of new Set(roots)) if (!deps.get(r)) ready.push(r);
  const prev = setGradEnabled(!!opts.createGraph);
  const executed: Node[] = [];
  try {
    while (ready.length) {
      const node = ready.pop()!;
      let g = pending.get(node);
      pending.delete(node);
      const active = run === null || run.has(node);
      if (g && active && node.preHooks) g = node.runPreHooks(g);
      if (g && active) {
        if (targets?.has(node)) captured.set(node, g);
        if (node.retained && !targets) {
          for (const t of node.retained) if (t._gradFn === node) t.grad = accumulate(t.grad, g, opts);
        }
        if (node instanceof AccumulateGrad) {
          if (!targets) node.tensor.grad = accumulate(node.tensor.grad, g, opts);
        } else if (!(targets?.has(node) && run !== null && !node.next.some((n) => n && run.has(n)))) {
          node.checkSaved();
          const inGrads = node.fn!(g);
          executed.push(node);
          for (let i = 0; i < node.next.length; i++) {
            const nx = node.next[i];
            const gi = inGrads[i];
            if (nx && gi) pending.set(nx, addGrad(pending.get(nx), gi));
          }
        }
      }
      for (const nx of node.next) {
        if (!nx) continue;
        const d = deps.get(nx)! - 1;
        deps.set(nx, d);
        if (d === 0) ready.push(nx);
      }
    }
  } finally {
    setGradEnabled(prev);
  }
  // As PyTorch, retainGraph defaults to createGraph (the new graph reuses the old nodes).
  if (!(opts.retainGraph ?? opts.createGraph)) for (const n of executed) n.release();
  return captured;
}

function accumulate(existing: Tensor | null, g: Tensor, opts: BackwardOptions): Tensor {
  // A fresh copy on first store: the incoming gradient may be shared with other leaves.
  // A strided view (the gradient of a permute, say) is stored contiguous, as PyTorch's
  // AccumulateGrad does, so optimizers can write `.grad` in place.
  if (!existing) return opts.createGraph ? (g.isContiguous() ? g : g.contiguous()) : g.detach().clone();
  return opts.createGraph ? existing.add(g) : existing.detach().add(g.detach());
}

/**
 * Computes gradients of `outputs` with respect to `inputs` and returns them
 * (nothing is accumulated into `.grad`). PyTorch's `torch.autograd.grad`.
 * @example const [gx] = my.grad(y, [x], {createGraph: true});
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = opts.gradOutputs === undefined ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  outs.forEach((o) => {
    if (!o.requiresGrad) throw new Error("grad: an output does not require grad and has no gradFn; nothing connects it to the inputs");
  });
  checkGradOutputs(outs, gos, "grad");
  const grads = outs.map((o, i) => rootGrad(o, gos[i], "grad"));
  const nodes = ins.map((t, i) => {
    const n = t._gradEdge();
    if (!n) throw new Error(`grad: input ${i} does not require grad`);
    return n;
  });
  const unused = (i: number): never => {
    throw new Error(`grad: input ${i} (shape ${fmtShape(ins[i].shape)}) was not used to compute the outputs; pass {allowUnused: true} to get null for it`);
  };
  const captured = runBackward(outs, grads, opts, nodes, opts.allowUnused ? undefined : unused);
  return nodes.map((n, i) => {
    const g = captured.get(n);
    if (!g) {
      if (!opts.allowUnused) unused(i);
      return null;
    }
    return opts.createGraph ? g : g.detach();
  });
}

/** Backward from several outputs at once (`torch.autograd.backward`). */
export function backward(outputs: Tensor | Tensor[], gradOutputs?: (Tensor | null | undefined)[] | Tensor, opts: BackwardOptions = {}): void {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const gos = gradOutputs === undefined ? [] : Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs];
  outs.forEach((o) => {
    if (!o.requiresGrad) {
      throw new Error("backward: the tensor does not require grad and has no gradFn (did you forget requiresGrad: true, or run under noGrad?)");
    }
  });
  checkGradOutputs(outs, gos, "backward");
  runBackward(outs, outs.map((o, i) => rootGrad(o, gos[i], "backward")), opts, null);
}

declare module "./tensor.js" {
  interface Tensor {
    /**
     * Accumulates d(this)/d(leaf) into every leaf's `.grad`. Non-scalar tensors
     * need `gradient` (same shape).
     * @example loss.backward(); optimizer.step();
     */
    backward(gradient?: Tensor | null, opts?: BackwardOptions): void;
  }
}

Tensor.prototype.backward = function (gradient?: Tensor | null, opts: BackwardOptions = {}) {
  backward([this], gradient ? [gradient] : undefined, opts);
};
