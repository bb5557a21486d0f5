/**
 * ONNX emitter of nn.LSTMCell (ONNX has no cell op): the gates x·W_ihᵀ + b_ih +
 * h·W_hhᵀ + b_hh as two Gemms, split in PyTorch's i, f, g, o order, then
 * c' = σ(f)·c + σ(i)·tanh(g) and h' = σ(o)·tanh(c'). Without a state, h = c = 0.
 */
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import * as C from "../../ops/creation.js";
import type { ModuleExporter, OnnxValue } from "./export-context.js";

type Cell = { weightIh: Tensor; weightHh: Tensor; biasIh: Tensor | null; biasHh: Tensor | null; hiddenSize: number; forward(x: Tensor, s?: [Tensor, Tensor]): [Tensor, Tensor] };

export const lstmCell: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as unknown as Cell;
  const [x, h0, c0] = xs;
  if (x.t.ndim !== 2 || (xs.length !== 1 && xs.length !== 3)) throw new Error(`exportOnnx: LSTMCell is exported for a batched input [B, I] and an optional [h, c], got ${xs.length} tensors, input of ${x.t.ndim} dims`);
  const [h1, c1] = noGrad(() => m.forward(x.t, h0 ? [h0.t, c0.t] : undefined));
  const zero = () => ctx.constant(C.zeros([x.t.shape[0], m.hiddenSize], { dtype: x.t.dtype }));
  const h = h0 ? h0.name : zero(), c = c0 ? c0.name : zero();
  const gemm = (v: string, w: Tensor, b: Tensor | null) => ctx.op("Gemm", b ? [v, ctx.tensor(w), ctx.tensor(b)] : [v, ctx.tensor(w)], { transB: 1 })[0];
  const gates = ctx.op("Add", [gemm(x.name, m.weightIh, m.biasIh), gemm(h, m.weightHh, m.biasHh)])[0];
  const [i, f, g, o] = ctx.op("Split", [gates], { axis: 1 }, 4);
  const sig = (v: string) => ctx.op("Sigmoid", [v])[0];
  const c2 = ctx.op("Add", [ctx.op("Mul", [sig(f), c])[0], ctx.op("Mul", [sig(i), ctx.op("Tanh", [g])[0]])[0]])[0];
  const h2 = ctx.op("Mul", [sig(o), ctx.op("Tanh", [c2])[0]])[0];
  return [ctx.value(h2, h1), ctx.value(c2, c1)] as OnnxValue[];
};
