/**
 * Trace-based export, as torch.onnx.export: the model's forward runs on the example
 * inputs while every op it performs on values that depend on the inputs is written
 * as ONNX. Two levels:
 *  - a layer the module walk knows (Linear, Conv, BatchNorm, LSTM, LSTMCell, …) or a
 *    module with a `toOnnx` hook is written whole, by its emitter (exact attributes;
 *    one ONNX LSTM instead of per-step nodes): its `forward` is wrapped for the trace;
 *  - any other op is seen where it records its autograd node (`setOpTracer`): the
 *    inputs are made to require grad, so every op that depends on them records, and
 *    trace-ops.ts maps the node to ONNX. Ops on constants only (parameters, tensors
 *    made inside forward) are folded into initialisers, as PyTorch's tracer does.
 * As in PyTorch, Python-style control flow is baked in for the example inputs. An op
 * the tracer cannot write throws, naming it.
 */
import { Tensor, setOpTracer } from "../../core/tensor.js";
import { enableGrad, noGrad } from "../../core/autograd.js";
import { isFloating } from "../../core/dtype.js";
import { sparse, type SparseTensor } from "../../ops/sparse.js";
import * as C from "../../ops/creation.js";
import type { Module } from "../../nn/module.js";
import type { OnnxExportContext, OnnxValue } from "./export-context.js";
import { TRACED_OPS, emitRecorded, viewOf } from "./trace-ops.js";

/** Example inputs / outputs: tensors in nested arrays (PyTorch's nested tuples). */
export type Nested = Tensor | readonly Nested[];

/** Tensors of a nested structure, depth-first (the order PyTorch flattens them in). */
export function flattenNested(x: unknown, where: string): Tensor[] {
  if (x instanceof Tensor) return [x];
  if (Array.isArray(x)) return x.flatMap((v) => flattenNested(v, where));
  throw new TypeError(`exportOnnx: ${where} must be Tensors in (nested) arrays, found ${x === null ? "null" : typeof x}`);
}

function mapNested(x: Nested, fn: (t: Tensor) => Tensor): Nested {
  return x instanceof Tensor ? fn(x) : x.map((v) => mapNested(v, fn));
}

/** Runs `model.forward(...args)` under the tracer; returns the flattened outputs as graph values. */
export function traceForward(ctx: OnnxExportContext, model: Module, args: Nested[], inputNames: string[]): OnnxValue[] {
  const traced = new Map<Tensor, string>();
  let suspended = 0;
  const valueOf = (t: Tensor): OnnxValue => ({ name: traced.get(t) ?? ctx.tensor(t), t });
  const mark = (t: Tensor, name: string): void => {
    traced.set(t, name);
    // So that the ops applied to it afterwards record (and reach the tracer).
    if (isFloating(t.dtype) && !t.requiresGrad && t.isLeaf) t.requiresGrad_(true);
  };
  const isTraced = (ts: Tensor[]) => ts.some((t) => traced.has(t));

  setOpTracer((name, inputs, out) => {
    if (suspended > 0 || !isTraced(inputs as Tensor[])) return;
    if (inputs.includes(out)) throw new Error(`exportOnnx: the forward of ${model.constructor.name} modifies a traced value in place (${name}); the tracer records out-of-place ops only`);
    const ins = inputs.map(valueOf);
    const res = inputs.length === 1 && out._storage === inputs[0]._storage ? viewOf(ctx, ins[0], out) : emitRecorded(ctx, name, ins, out);
    if (res === null) {
      throw new Error(`exportOnnx: the forward of ${model.constructor.name} ran ${name} on values that depend on the inputs, which the tracer cannot write as ONNX ` +
        `(it writes ${TRACED_OPS.join(", ")} and the layers of the module walk); give the module that runs it a toOnnx(ctx, ...inputs) method`);
    }
    traced.set(out, res);
  });

  // Layers the module walk knows are written whole: wrap their forward for the trace.
  const restore: (() => void)[] = [];
  for (const m of model.modules()) {
    if (!ctx.canCall(m)) continue;
    const own = Object.prototype.hasOwnProperty.call(m, "forward");
    const orig = (m as unknown as { forward: (...a: unknown[]) => unknown }).forward;
    (m as unknown as { forward: unknown }).forward = function (this: Module, ...a: unknown[]) {
      const given = a.filter((v) => v !== undefined && v !== null);
      const leaves = given.every((v) => v instanceof Tensor || Array.isArray(v)) ? flattenNested(given, `${m.constructor.name}.forward's arguments`) : [];
      if (suspended > 0 || !isTraced(leaves)) return orig.apply(this, a);
      suspended++;
      let res: OnnxValue | OnnxValue[];
      try {
        res = ctx.call(m, ...leaves.map(valueOf));
      } finally {
        suspended--;
      }
      const outs = Array.isArray(res) ? res : [res];
      for (const v of outs) mark(v.t, v.name);
      return regroup(m, outs.map((v) => v.t), Array.isArray(res));
    };
    restore.push(() => {
      if (own) (m as unknown as { forward: unknown }).forward = orig;
      else delete (m as unknown as { forward?: unknown }).forward;
    });
  }

  // sparse.mm(A, B): A's COO entries become constants; A @ B = scatter-add of A's values times B's rows.
  const mm = sparse.mm;
  (sparse as { mm: typeof mm }).mm = (a: SparseTensor, b: Tensor): Tensor => {
    if (suspended > 0 || !traced.has(b)) return mm(a, b);
    suspended++;
    let y: Tensor;
    try {
      y = noGrad(() => mm(a, b));
    } finally {
      suspended--;
    }
    const rows = a.indices.select(0, 0).contiguous(), cols = a.indices.select(0, 1).contiguous();
    const picked = ctx.op("Gather", [valueOf(b), ctx.constant(cols)], { axis: 0 })[0];
    const vals = ctx.constant(a.values.to(b.dtype).unsqueeze(1).contiguous());
    const contrib = ctx.op("Mul", [picked, vals])[0];
    const zeros = ctx.constant(C.zeros(y.shape, { dtype: y.dtype }));
    const out = ctx.op("ScatterND", [zeros, ctx.constant(rows.unsqueeze(1).contiguous()), contrib], { reduction: "add" })[0];
    mark(y, out);
    return y;
  };
  restore.push(() => { (sparse as { mm: typeof mm }).mm = mm; });

  try {
    let k = 0;
    const traceArgs = args.map((a) => mapNested(a, (t) => {
      // A fresh leaf per input: float inputs require grad so that every op on them records.
      const tt = isFloating(t.dtype) ? noGrad(() => t.detach().clone()) : C.tensor(t);
      mark(tt, inputNames[k++]);
      return tt;
    }));
    const res = enableGrad(() => (model.forward as (...a: unknown[]) => unknown)(...traceArgs));
    return flattenNested(res, `${model.constructor.name}.forward's outputs`).map(valueOf);
  } finally {
    setOpTracer(null);
    for (const r of restore.reverse()) r();
  }
}

/** The return structure of a layer written whole: LSTM → [y, [h, c]], GRU/RNN → [y, h], others as the emitter gave them. */
function regroup(m: Module, ts: Tensor[], isArray: boolean): unknown {
  const mode = (m as unknown as { mode?: string }).mode;
  if (mode === "LSTM" && ts.length === 3) return [ts[0], [ts[1], ts[2]]];
  return isArray ? ts : ts[0];
}
