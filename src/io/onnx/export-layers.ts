/**
 * ONNX emitters for myelin's layer classes. Each computes the layer's real output
 * with its own forward (so shapes are exact) and emits the equivalent ONNX nodes.
 * Recurrent weights are re-ordered into ONNX's gate order (PyTorch LSTM i,f,g,o →
 * ONNX i,o,f,c; GRU r,z,n → z,r,h with linear_before_reset=1).
 */
import type { Tensor } from "../../core/tensor.js";
import { noGrad } from "../../core/autograd.js";
import * as S from "../../ops/shape.js";
import * as C from "../../ops/creation.js";
import type { Module } from "../../nn/module.js";
import * as nn from "../../nn/index.js";
import { type ModuleExporter, type OnnxExportContext, type OnnxValue, f } from "./export-context.js";
import { lstmCell } from "./export-cells.js";

type AnyMod = Module & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function run(m: Module, xs: OnnxValue[]): Tensor {
  return noGrad(() => (m.forward as (...a: Tensor[]) => Tensor)(...xs.map((x) => x.t)));
}

/** Emits a single-output node whose real value is the module's forward. */
function simple(opType: string, attrs: (m: AnyMod, x: OnnxValue) => Record<string, unknown> = () => ({})): ModuleExporter {
  return (ctx, m, xs) => ctx.value(ctx.op(opType, [xs[0]], attrs(m as AnyMod, xs[0]) as never)[0], run(m, xs));
}

const tup = (v: number | number[], n: number): number[] => (Array.isArray(v) ? v : new Array<number>(n).fill(v));

function linear(ctx: OnnxExportContext, m: AnyMod, x: OnnxValue): OnnxValue {
  const y = run(m, [x]);
  const w = ctx.tensor(m.weight);
  if (x.t.ndim === 2) {
    return ctx.value(ctx.op("Gemm", m.bias ? [x, w, ctx.tensor(m.bias)] : [x, w], { transB: 1 })[0], y);
  }
  const wt = ctx.op("Transpose", [w], { perm: [1, 0] })[0];
  let out = ctx.op("MatMul", [x, wt])[0];
  if (m.bias) out = ctx.op("Add", [out, ctx.tensor(m.bias)])[0];
  return ctx.value(out, y);
}

function convLike(opType: "Conv" | "ConvTranspose"): ModuleExporter {
  return (ctx, mod, xs) => {
    const m = mod as AnyMod;
    const x = xs[0];
    const nd = x.t.ndim - 2;
    if (m.paddingMode && m.paddingMode !== "zeros") throw new Error(`exportOnnx: ${m.constructor.name} with paddingMode "${m.paddingMode}" is not supported`);
    const k: number[] = m.weight.shape.slice(2);
    let pad: number[];
    if (m.padding === "same") pad = k.map((kk, i) => Math.floor((tup(m.dilation, nd)[i] * (kk - 1)) / 2));
    else if (m.padding === "valid") pad = k.map(() => 0);
    else pad = tup(m.padding, nd);
    const attrs: Record<string, number | number[]> = {
      kernel_shape: k, strides: tup(m.stride, nd), dilations: tup(m.dilation, nd), group: m.groups, pads: [...pad, ...pad],
    };
    if (m.padding === "same") {
      // PyTorch puts the odd extra padding at the end, as ONNX's SAME_UPPER with stride 1.
      const total = k.map((kk, i) => tup(m.dilation, nd)[i] * (kk - 1));
      attrs.pads = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
    }
    if (opType === "ConvTranspose") attrs.output_padding = tup(m.outputPadding ?? 0, nd);
    const ins = [x.name, ctx.tensor(m.weight), ...(m.bias ? [ctx.tensor(m.bias)] : [])];
    return ctx.value(ctx.op(opType, ins, attrs)[0], run(m, xs));
  };
}

function pool(kind: "max" | "avg"): ModuleExporter {
  return (ctx, mod, xs) => {
    const m = mod as AnyMod;
    const nd = xs[0].t.ndim - 2;
    const k = tup(m.kernelSize, nd), s = tup(m.stride ?? m.kernelSize, nd), p = tup(m.padding ?? 0, nd);
    const attrs: Record<string, number | number[]> = { kernel_shape: k, strides: s, pads: [...p, ...p], ceil_mode: m.ceilMode ? 1 : 0 };
    if (kind === "max") attrs.dilations = tup(m.dilation ?? 1, nd);
    else {
      if (m.divisorOverride) throw new Error(`exportOnnx: AvgPool with divisorOverride has no ONNX equivalent`);
      attrs.count_include_pad = m.countIncludePad === false ? 0 : 1;
    }
    return ctx.value(ctx.op(kind === "max" ? "MaxPool" : "AveragePool", [xs[0]], attrs)[0], run(m, xs));
  };
}

const adaptiveAvg: ModuleExporter = (ctx, m, xs) => {
  const x = xs[0], y = run(m, xs);
  const inSp = x.t.shape.slice(2), outSp = y.shape.slice(2);
  if (outSp.every((o) => o === 1)) return ctx.value(ctx.op("GlobalAveragePool", [x])[0], y);
  if (inSp.some((d, i) => d % outSp[i] !== 0)) throw new Error(`exportOnnx: adaptive average pooling from [${inSp}] to [${outSp}] is only exported when sizes divide evenly`);
  const k = inSp.map((d, i) => d / outSp[i]);
  return ctx.value(ctx.op("AveragePool", [x], { kernel_shape: k, strides: k })[0], y);
};

const batchNorm: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod;
  if (!m.runningMean) throw new Error(`exportOnnx: ${m.constructor.name} without running statistics cannot be exported in eval mode`);
  const c = m.runningMean.shape[0];
  const w = m.weight ? ctx.tensor(m.weight) : ctx.constant(C.ones([c]));
  const b = m.bias ? ctx.tensor(m.bias) : ctx.constant(C.zeros([c]));
  const ins = [xs[0].name, w, b, ctx.tensor(m.runningMean), ctx.tensor(m.runningVar)];
  return ctx.value(ctx.op("BatchNormalization", ins, { epsilon: f(m.eps) })[0], run(m, xs));
};

const layerNorm: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod;
  const ns: number[] = m.normalizedShape;
  const w = m.weight ? ctx.tensor(m.weight) : ctx.constant(C.ones(ns));
  const ins = [xs[0].name, w, ...(m.bias ? [ctx.tensor(m.bias)] : [])];
  return ctx.value(ctx.op("LayerNormalization", ins, { axis: -ns.length, epsilon: f(m.eps) })[0], run(m, xs));
};

/** GELU as x·½·(1 + erf(x/√2)) (or PyTorch's tanh approximation). */
function gelu(ctx: OnnxExportContext, x: OnnxValue, approximate: string): string {
  const c = (v: number) => ctx.constant(C.tensor(v));
  if (approximate === "tanh") {
    const x3 = ctx.op("Mul", [ctx.op("Mul", [x, x])[0], x])[0];
    const inner = ctx.op("Mul", [ctx.op("Add", [x, ctx.op("Mul", [x3, c(0.044715)])[0]])[0], c(Math.sqrt(2 / Math.PI))])[0];
    const t = ctx.op("Add", [ctx.op("Tanh", [inner])[0], c(1)])[0];
    return ctx.op("Mul", [ctx.op("Mul", [x, t])[0], c(0.5)])[0];
  }
  const e = ctx.op("Erf", [ctx.op("Div", [x, c(Math.SQRT2)])[0]])[0];
  return ctx.op("Mul", [ctx.op("Mul", [x, ctx.op("Add", [e, c(1)])[0]])[0], c(0.5)])[0];
}

function activation(ctx: OnnxExportContext, name: string, x: OnnxValue): string {
  if (name === "relu") return ctx.op("Relu", [x])[0];
  if (name === "gelu") return gelu(ctx, x, "none");
  throw new Error(`exportOnnx: transformer activation "${name}" is not supported (use "relu" or "gelu")`);
}

const flatten: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod, x = xs[0], y = run(m, xs);
  const r = x.t.ndim;
  const s = m.startDim < 0 ? m.startDim + r : m.startDim, e = m.endDim < 0 ? m.endDim + r : m.endDim;
  if (e === r - 1) {
    if (s === 1) return ctx.value(ctx.op("Flatten", [x], { axis: 1 })[0], y);
  }
  // Keep leading dims symbolic (0 = copy) so a dynamic batch still works.
  const shape = [...x.t.shape.slice(0, s).map(() => 0), -1, ...x.t.shape.slice(e + 1)];
  return ctx.value(ctx.op("Reshape", [x.name, ctx.constant(C.tensor(shape, { dtype: "int32" }))])[0], y);
};

/** Re-orders PyTorch gate blocks along dim 0 (or the last dim for biases). */
function reorder(t: Tensor, order: number[], gates: number): Tensor {
  const parts = S.chunk(t, gates, 0);
  return S.cat(order.map((i) => parts[i]), 0);
}

const recurrent: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod;
  const mode: string = m.mode;
  if (mode !== "LSTM" && mode !== "GRU" && mode !== "RNN_TANH") throw new Error(`exportOnnx: ${mode} recurrent layers are not supported (LSTM, GRU and tanh RNN are)`);
  if (m.projSize) throw new Error(`exportOnnx: LSTM with projSize has no ONNX equivalent`);
  const nState = mode === "LSTM" ? 2 : 1;
  if (xs.length !== 1 && xs.length !== 1 + nState) throw new Error(`exportOnnx: ${m.constructor.name} takes the input and ${mode === "LSTM" ? "optionally [h0, c0]" : "optionally h0"}, got ${xs.length} tensors`);
  const init = xs.slice(1); // initial states [L*D, B, H], sliced per layer below
  const [out, state] = noGrad(() => m.forward(xs[0].t, init.length === 0 ? undefined : mode === "LSTM" ? init.map((v) => v.t) : init[0].t)) as [Tensor, Tensor | Tensor[]];
  const op = mode === "LSTM" ? "LSTM" : mode === "GRU" ? "GRU" : "RNN";
  const G = mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
  const order = mode === "LSTM" ? [0, 3, 1, 2] : mode === "GRU" ? [1, 0, 2] : [0];
  const D = m.bidirectional ? 2 : 1;
  const H: number = m.hiddenSize;
  let x = m.batchFirst ? ctx.op("Transpose", [xs[0]], { perm: [1, 0, 2] })[0] : xs[0].name;
  const hs: string[] = [], cs: string[] = [];
  const sd = m as unknown as Record<string, Tensor | null>;
  for (let l = 0; l < m.numLayers; l++) {
    const W: Tensor[] = [], R: Tensor[] = [], B: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const sfx = `L${l}${d ? "Reverse" : ""}`;
      W.push(reorder(sd[`weightIh${sfx}`]!, order, G));
      R.push(reorder(sd[`weightHh${sfx}`]!, order, G));
      const bi = sd[`biasIh${sfx}`], bh = sd[`biasHh${sfx}`];
      B.push(S.cat([bi ? reorder(bi, order, G) : C.zeros([G * H]), bh ? reorder(bh, order, G) : C.zeros([G * H])], 0));
    }
    const attrs: Record<string, number | string> = { hidden_size: H, direction: D === 2 ? "bidirectional" : "forward" };
    if (mode === "GRU") attrs.linear_before_reset = 1;
    const ins = [x, ctx.constant(S.stack(W, 0)), ctx.constant(S.stack(R, 0)), ctx.constant(S.stack(B, 0))];
    if (init.length > 0) {
      const layer = (v: OnnxValue) => ctx.op("Slice", [v.name, ctx.constant(C.tensor([l * D], { dtype: "int32" })), ctx.constant(C.tensor([(l + 1) * D], { dtype: "int32" })), ctx.constant(C.tensor([0], { dtype: "int32" }))])[0];
      ins.push("", ...init.map(layer)); // sequence_lens omitted
    }
    const [Y, Yh, Yc] = ctx.op(op, ins, attrs, mode === "LSTM" ? 3 : 2);
    hs.push(Yh);
    if (Yc) cs.push(Yc);
    // Y [T, D, B, H] → [T, B, D*H]
    const yt = ctx.op("Transpose", [Y], { perm: [0, 2, 1, 3] })[0];
    x = ctx.op("Reshape", [yt, ctx.constant(C.tensor([0, 0, -1], { dtype: "int32" }))])[0];
  }
  const y = m.batchFirst ? ctx.op("Transpose", [x], { perm: [1, 0, 2] })[0] : x;
  const cat = (names: string[]) => (names.length === 1 ? names[0] : ctx.op("Concat", names, { axis: 0 })[0]);
  const outV = ctx.value(y, out);
  if (mode === "LSTM") {
    const [hN, cN] = state as Tensor[];
    return [outV, ctx.value(cat(hs), hN), ctx.value(cat(cs), cN)];
  }
  return [outV, ctx.value(cat(hs), state as Tensor)];
};

/** Self-attention (query = key = value), decomposed into MatMul/Softmax; masks are not exported. */
function selfAttention(ctx: OnnxExportContext, m: AnyMod, x: OnnxValue): OnnxValue {
  if (!m.inProjWeight || m.biasK || m.addZeroAttn) throw new Error(`exportOnnx: MultiheadAttention is exported only with a packed in-projection and no bias_k/add_zero_attn`);
  const y = noGrad(() => (m.forward(x.t, x.t, x.t, { needWeights: false }) as Tensor[])[0]);
  const E: number = m.embedDim, h: number = m.numHeads, d = E / h;
  const shape = (v: number[]) => ctx.constant(C.tensor(v, { dtype: "int32" }));
  // Work batch-first: [B, T, E].
  let xb = m.batchFirst ? x.name : ctx.op("Transpose", [x], { perm: [1, 0, 2] })[0];
  const wT = ctx.op("Transpose", [ctx.tensor(m.inProjWeight)], { perm: [1, 0] })[0];
  let qkv = ctx.op("MatMul", [xb, wT])[0];
  if (m.inProjBias) qkv = ctx.op("Add", [qkv, ctx.tensor(m.inProjBias)])[0];
  const [q, k, v] = ctx.op("Split", [qkv, ctx.constant(C.tensor([E, E, E], { dtype: "int32" }))], { axis: -1 }, 3);
  const heads = (t: string, perm: number[]) => ctx.op("Transpose", [ctx.op("Reshape", [t, shape([0, 0, h, d])])[0]], { perm })[0];
  const qh = heads(q, [0, 2, 1, 3]), kh = heads(k, [0, 2, 3, 1]), vh = heads(v, [0, 2, 1, 3]);
  const scores = ctx.op("Mul", [ctx.op("MatMul", [qh, kh])[0], ctx.constant(C.tensor(1 / Math.sqrt(d)))])[0];
  const attn = ctx.op("Softmax", [scores], { axis: -1 })[0];
  const ctxv = ctx.op("Transpose", [ctx.op("MatMul", [attn, vh])[0]], { perm: [0, 2, 1, 3] })[0];
  const merged = ctx.op("Reshape", [ctxv, shape([0, 0, E])])[0];
  xb = linear(ctx, m.outProj, ctx.value(merged, y)).name;
  const out = m.batchFirst ? xb : ctx.op("Transpose", [xb], { perm: [1, 0, 2] })[0];
  return ctx.value(out, y);
}

const encoderLayer: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod;
  const y = run(m, xs);
  const sub = (mm: Module, v: OnnxValue) => ctx.call(mm, v) as OnnxValue;
  const sa = (v: OnnxValue) => selfAttention(ctx, m.selfAttn, v);
  const ff = (v: OnnxValue) => {
    const h1 = sub(m.linear1, v);
    const a = ctx.value(activation(ctx, typeof m.activation === "string" ? m.activation : "?", h1), h1.t);
    return sub(m.linear2, a);
  };
  const add = (a: OnnxValue, b: OnnxValue) => ctx.value(ctx.op("Add", [a, b])[0], a.t);
  let x = xs[0];
  if (m.normFirst) {
    x = add(x, sa(sub(m.norm1, x)));
    x = add(x, ff(sub(m.norm2, x)));
  } else {
    x = sub(m.norm1, add(x, sa(x)));
    x = sub(m.norm2, add(x, ff(x)));
  }
  return ctx.value(x.name, y);
};

const encoder: ModuleExporter = (ctx, mod, xs) => {
  const m = mod as AnyMod;
  let x = xs[0];
  for (const layer of m.layers.children()) x = ctx.call(layer, x) as OnnxValue;
  if (m.norm) x = ctx.call(m.norm, x) as OnnxValue;
  return x;
};

const sequential: ModuleExporter = (ctx, m, xs) => {
  let cur: OnnxValue | OnnxValue[] = xs;
  for (const child of m.children()) cur = ctx.call(child, ...(Array.isArray(cur) ? cur : [cur]));
  return cur;
};

/** Layer class → emitter. */
export function layerExporters(): Map<Function, ModuleExporter> {
  const act = (op: string) => simple(op);
  const e = new Map<Function, ModuleExporter>([
    [nn.Sequential, sequential],
    [nn.Linear, (ctx, m, xs) => linear(ctx, m as AnyMod, xs[0])],
    [nn.Conv1d, convLike("Conv")], [nn.Conv2d, convLike("Conv")],
    [nn.ConvTranspose1d, convLike("ConvTranspose")], [nn.ConvTranspose2d, convLike("ConvTranspose")],
    [nn.MaxPool1d, pool("max")], [nn.MaxPool2d, pool("max")], [nn.AvgPool1d, pool("avg")], [nn.AvgPool2d, pool("avg")],
    [nn.AdaptiveAvgPool1d, adaptiveAvg], [nn.AdaptiveAvgPool2d, adaptiveAvg],
    [nn.BatchNorm1d, batchNorm], [nn.BatchNorm2d, batchNorm], [nn.LayerNorm, layerNorm],
    [nn.ReLU, act("Relu")], [nn.Sigmoid, act("Sigmoid")], [nn.Tanh, act("Tanh")],
    [nn.LeakyReLU, simple("LeakyRelu", (m) => ({ alpha: f(m.negativeSlope) }))],
    [nn.ELU, simple("Elu", (m) => ({ alpha: f(m.alpha) }))],
    [nn.Softmax, simple("Softmax", (m, x) => ({ axis: m.dim ?? (x.t.ndim <= 1 || x.t.ndim === 3 ? 0 : 1) }))],
    [nn.LogSoftmax, simple("LogSoftmax", (m, x) => ({ axis: m.dim ?? (x.t.ndim <= 1 || x.t.ndim === 3 ? 0 : 1) }))],
    [nn.Dropout, act("Identity")], [nn.Identity, act("Identity")], [nn.Flatten, flatten],
    [nn.GELU, (ctx, m, xs) => ctx.value(gelu(ctx, xs[0], (m as AnyMod).approximate ?? "none"), run(m, xs))],
    [nn.SiLU, (ctx, m, xs) => ctx.value(ctx.op("Mul", [xs[0], ctx.op("Sigmoid", [xs[0]])[0]])[0], run(m, xs))],
    [nn.Embedding, (ctx, m, xs) => ctx.value(ctx.op("Gather", [ctx.tensor((m as AnyMod).weight), xs[0].name], { axis: 0 })[0], run(m, xs))],
    [nn.LSTM, recurrent], [nn.GRU, recurrent], [nn.RNN, recurrent], [nn.LSTMCell, lstmCell],
    [nn.MultiheadAttention, (ctx, m, xs) => {
      if (xs.length !== 1 && !(xs.length === 3 && xs[0] === xs[1] && xs[1] === xs[2])) throw new Error("exportOnnx: MultiheadAttention is exported as self-attention (one input)");
      return selfAttention(ctx, m as AnyMod, xs[0]);
    }],
    [nn.TransformerEncoderLayer, encoderLayer], [nn.TransformerEncoder, encoder],
  ]);
  return e;
}
