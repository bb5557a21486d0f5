/**
 * ONNX importer operators, part 1: elementwise math, comparisons and logic,
 * reductions, constants and casts. Every handler computes with myelin ops, so an
 * imported graph is differentiable wherever the ops are.
 */
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import * as E from "../../ops/elementwise.js";
import * as R from "../../ops/reduce.js";
import * as S from "../../ops/shape.js";
import * as C from "../../ops/creation.js";
import * as L from "../../ops/linalg.js";
import * as F from "../../nn/functional/index.js";
import * as A from "../../ops/activation.js";
import { isFloating } from "../../core/dtype.js";
import { type OpHandler, type Attrs, type OpContext, dtypeOf, tensorFromProto, vals, ints, axis, need } from "./ops-util.js";
import { checkAlloc } from "./checks.js";

const isInt = (t: Tensor) => t.dtype === "int32";

function unary(fn: (x: Tensor, a: Attrs) => Tensor): OpHandler {
  return (ins, a, ctx) => fn(need(ins, 0, ctx.node.opType), a);
}

/** ONNX binary arithmetic keeps the input type (integer Div truncates). */
function arith(fn: (x: Tensor, y: Tensor) => Tensor, intTrunc = false): OpHandler {
  return (ins, _a, ctx) => {
    const x = need(ins, 0, ctx.node.opType), y = need(ins, 1, ctx.node.opType);
    const r = fn(x, y);
    if (isInt(x) && isInt(y) && r.dtype !== "int32") return (intTrunc ? E.where(E.lt(r, 0), E.ceil(r), E.floor(r)) : r).to("int32");
    return r;
  };
}

function variadic(fn: (x: Tensor, y: Tensor) => Tensor): OpHandler {
  return (ins, _a, ctx) => {
    const xs = ins.filter((t): t is Tensor => t !== undefined);
    if (!xs.length) throw new Error(`${ctx.node.opType}: needs at least one input`);
    let r = xs[0];
    for (let i = 1; i < xs.length; i++) r = fn(r, xs[i]);
    return r;
  };
}

/** Reduction axes: attribute (older opsets) or second input (ReduceSum ≥ 13, all ≥ 18). */
function reduceAxes(ins: (Tensor | undefined)[], a: Attrs, x: Tensor, ctx: OpContext): number[] | null {
  const list = ins[1] !== undefined ? vals(ins[1]) : a.ints("axes");
  if (list === undefined || list.length === 0) return a.int("noop_with_empty_axes", 0) ? null : x.shape.map((_, i) => i);
  return list.map((d) => axis(d, x.ndim, ctx.node.opType));
}

function reduce(fn: (x: Tensor, dims: number[], keep: boolean) => Tensor): OpHandler {
  return (ins, a, ctx) => {
    const x = need(ins, 0, ctx.node.opType);
    const dims = reduceAxes(ins, a, x, ctx);
    if (dims === null) return x;
    const keep = a.int("keepdims", 1) === 1;
    if (dims.length === 0 || x.ndim === 0) return x;
    return fn(x, dims, keep);
  };
}

function prodDims(x: Tensor, dims: number[], keep: boolean): Tensor {
  let r = x;
  for (const d of [...dims].sort((p, q) => q - p)) r = R.prod(r, d, true);
  return keep ? r : S.squeeze(r, dims);
}

function argReduce(fn: typeof R.argmax): OpHandler {
  return (ins, a, ctx) => {
    const x = need(ins, 0, ctx.node.opType);
    const d = axis(a.int("axis", 0), x.ndim, ctx.node.opType);
    const keep = a.int("keepdims", 1) === 1;
    if (a.int("select_last_index", 0)) {
      const idx = fn(S.flip(x, [d]), d, keep);
      return E.sub(x.shape[d] - 1, idx).to("int32");
    }
    return fn(x, d, keep);
  };
}

function cmp(fn: (x: Tensor, y: Tensor) => Tensor): OpHandler {
  return (ins, _a, ctx) => fn(need(ins, 0, ctx.node.opType), need(ins, 1, ctx.node.opType));
}

/** Softmax family: opset ≥ 13 works on one axis (default -1); older ones flatten at `axis` (default 1). */
function softmaxLike(fn: (x: Tensor, dim: number) => Tensor): OpHandler {
  return (ins, a, ctx) => {
    const x = need(ins, 0, ctx.node.opType);
    if (x.ndim === 0) return fn(x.reshape([1]), 0).reshape([]);
    if (ctx.opset >= 13) return fn(x, axis(a.int("axis", -1), x.ndim, ctx.node.opType));
    const ax = axis(a.int("axis", 1), x.ndim, ctx.node.opType);
    const outer = x.shape.slice(0, ax).reduce((p, q) => p * q, 1);
    return fn(x.reshape([outer, -1]), 1).reshape(x.shape);
  };
}

function constantValue(a: Attrs, where: string): Tensor {
  const t = a.tensor("value");
  if (t) return tensorFromProto(t, where);
  if (a.has("value_float")) return C.tensor(a.float("value_float", 0));
  if (a.has("value_floats")) return C.tensor(a.floats("value_floats")!);
  if (a.has("value_int")) return ints([a.int("value_int", 0)], []);
  if (a.has("value_ints")) return ints(a.ints("value_ints")!);
  return a.fail("Constant: needs a value, value_float(s) or value_int(s) attribute (sparse and string values are not supported)");
}

/** Casts with ONNX's float → int truncation toward zero. */
export function castTo(x: Tensor, d: DType): Tensor {
  if (x.dtype === d) return x;
  if (d === "int32" && (x.dtype === "float32" || x.dtype === "float64")) return E.where(E.lt(x, 0), E.ceil(x), E.floor(x)).to("int32");
  return x.to(d);
}

export const mathOps: Record<string, OpHandler> = {
  Add: arith((x, y) => E.add(x, y)),
  Sub: arith((x, y) => E.sub(x, y)),
  Mul: arith((x, y) => E.mul(x, y)),
  Div: arith((x, y) => E.div(x, y), true),
  Pow: (ins, _a, ctx) => {
    const x = need(ins, 0, "Pow"), y = need(ins, 1, "Pow");
    const r = E.pow(isInt(x) ? x : x, isInt(y) && !isInt(x) ? y.to(x.dtype) : y);
    void ctx;
    return r.dtype !== x.dtype ? castTo(r, x.dtype) : r;
  },
  Mod: (ins, a) => {
    const x = need(ins, 0, "Mod"), y = need(ins, 1, "Mod");
    // fmod=1: sign of the dividend (C fmod); fmod=0: sign of the divisor (Python %).
    const q = E.div(x, y);
    const t = a.int("fmod", 0) ? E.where(E.lt(q, 0), E.ceil(q), E.floor(q)) : E.floor(q);
    const r = E.sub(x, E.mul(t, y));
    return isInt(x) ? r.to("int32") : r;
  },
  Sqrt: unary((x) => E.sqrt(x)),
  Exp: unary((x) => E.exp(x)),
  Log: unary((x) => E.log(x)),
  Neg: unary((x) => E.neg(x)),
  Abs: unary((x) => E.abs(x)),
  Reciprocal: unary((x) => E.reciprocal(x)),
  Floor: unary((x) => E.floor(x)),
  Ceil: unary((x) => E.ceil(x)),
  Round: unary((x) => E.round(x)),
  Sign: unary((x) => E.sign(x)),
  Sin: unary((x) => E.sin(x)),
  Cos: unary((x) => E.cos(x)),
  Tan: unary((x) => E.tan(x)),
  Erf: unary((x) => E.erf(x)),
  Relu: unary((x) => E.relu(x)),
  Sigmoid: unary((x) => E.sigmoid(x)),
  Tanh: unary((x) => E.tanh(x)),
  LeakyRelu: unary((x, a) => F.leakyRelu(x, a.float("alpha", 0.01))),
  Elu: unary((x, a) => F.elu(x, a.float("alpha", 1))),
  Celu: unary((x, a) => F.celu(x, a.float("alpha", 1))),
  Selu: unary((x, a) => {
    const alpha = a.float("alpha", 1.67326319217681884765625), gamma = a.float("gamma", 1.05070102214813232421875);
    return E.mul(E.where(E.gt(x, 0), x, E.mul(E.expm1(x), alpha)), gamma);
  }),
  ThresholdedRelu: unary((x, a) => E.where(E.gt(x, a.float("alpha", 1)), x, 0)),
  HardSigmoid: unary((x, a) => {
    const alpha = a.float("alpha", 0.2), beta = a.float("beta", 0.5);
    // PyTorch's hardsigmoid (alpha 1/6, beta 1/2: MobileNetV3's exports) is one kernel pass instead of three.
    if (isFloating(x.dtype) && Math.fround(alpha) === Math.fround(1 / 6) && beta === 0.5) return A.hardsigmoid(x);
    return E.clamp(E.add(E.mul(x, alpha), beta), 0, 1);
  }),
  HardSwish: unary((x) => (isFloating(x.dtype) ? A.hardswish(x) : E.mul(x, E.clamp(E.add(E.div(x, 6), 0.5), 0, 1)))),
  Softplus: unary((x) => E.log1p(E.exp(x))),
  Softsign: unary((x) => E.div(x, E.add(E.abs(x), 1))),
  PRelu: (ins) => {
    const x = need(ins, 0, "PRelu"), s = need(ins, 1, "PRelu");
    return E.where(E.lt(x, 0), E.mul(x, s), x);
  },
  Softmax: softmaxLike((x, d) => F.softmax(x, d)),
  LogSoftmax: softmaxLike((x, d) => F.logSoftmax(x, d)),
  MatMul: (ins) => L.matmul(need(ins, 0, "MatMul"), need(ins, 1, "MatMul")),
  Einsum: (ins, a) => L.einsum(a.string("equation", ""), ...ins.filter((t): t is Tensor => t !== undefined)),
  Min: variadic((x, y) => E.minimum(x, y)),
  Max: variadic((x, y) => E.maximum(x, y)),
  Sum: variadic((x, y) => E.add(x, y)),
  Mean: (ins, a, ctx) => {
    const xs = ins.filter((t): t is Tensor => t !== undefined);
    return E.div(mathOps.Sum(xs, a, ctx) as Tensor, xs.length);
  },
  Clip: (ins, a) => {
    const x = need(ins, 0, "Clip");
    let lo: number | Tensor | undefined = ins[1], hi: number | Tensor | undefined = ins[2];
    if (a.has("min")) lo = a.float("min", -Infinity);
    if (a.has("max")) hi = a.float("max", Infinity);
    // Clip's bounds are scalars; read them as numbers so integer inputs stay integer.
    const lv = lo instanceof Object ? vals(lo as Tensor)[0] : lo, hv = hi instanceof Object ? vals(hi as Tensor)[0] : hi;
    // One clamp pass for float input (ReLU6 in MobileNet exports); the same NaN and min > max rules.
    if (isFloating(x.dtype) && (lv !== undefined || hv !== undefined)) return E.clamp(x, lv ?? null, hv ?? null);
    let r = x;
    if (lv !== undefined) r = E.maximum(r, lv);
    if (hv !== undefined) r = E.minimum(r, hv);
    return r === x ? x : r.dtype !== x.dtype ? r.to(x.dtype) : r;
  },
  Equal: cmp((x, y) => E.eq(x, y)),
  Less: cmp((x, y) => E.lt(x, y)),
  LessOrEqual: cmp((x, y) => E.le(x, y)),
  Greater: cmp((x, y) => E.gt(x, y)),
  GreaterOrEqual: cmp((x, y) => E.ge(x, y)),
  And: cmp((x, y) => E.logicalAnd(x, y)),
  Or: cmp((x, y) => E.logicalOr(x, y)),
  Xor: cmp((x, y) => E.logicalXor(x, y)),
  Not: unary((x) => E.logicalNot(x)),
  IsNaN: unary((x) => E.isnan(x)),
  Where: (ins) => E.where(need(ins, 0, "Where").to("bool"), need(ins, 1, "Where"), need(ins, 2, "Where")),
  ReduceMean: reduce((x, d, k) => R.mean(x, d, k)),
  ReduceSum: reduce((x, d, k) => R.sum(x, d, k)),
  ReduceMax: reduce((x, d, k) => R.amax(x, d, k)),
  ReduceMin: reduce((x, d, k) => R.amin(x, d, k)),
  ReduceProd: reduce(prodDims),
  ReduceSumSquare: reduce((x, d, k) => R.sum(E.mul(x, x), d, k)),
  ReduceL1: reduce((x, d, k) => R.sum(E.abs(x), d, k)),
  ReduceL2: reduce((x, d, k) => E.sqrt(R.sum(E.mul(x, x), d, k))),
  ReduceLogSum: reduce((x, d, k) => E.log(R.sum(x, d, k))),
  ReduceLogSumExp: reduce((x, d, k) => R.logsumexp(x, d, k)),
  ArgMax: argReduce(R.argmax),
  ArgMin: argReduce(R.argmin),
  Constant: (_ins, a, ctx) => constantValue(a, `Constant ${ctx.node.name}`),
  ConstantOfShape: (ins, a, ctx) => {
    const shape = vals(need(ins, 0, "ConstantOfShape"));
    const t = a.tensor("value");
    const v = t ? tensorFromProto(t, "ConstantOfShape") : undefined;
    checkAlloc(a, ctx, shape, v?.dtype ?? "float32", "the output");
    if (!v) return C.zeros(shape);
    return C.full(shape, vals(v)[0], { dtype: v.dtype });
  },
  Cast: (ins, a) => castTo(need(ins, 0, "Cast"), dtypeOf(a.int("to", 1), "Cast")),
  CastLike: (ins) => castTo(need(ins, 0, "CastLike"), need(ins, 1, "CastLike").dtype),
  Range: (ins, a, ctx) => {
    const [s, l, d] = [0, 1, 2].map((i) => vals(need(ins, i, "Range"))[0]);
    if (![s, l, d].every(Number.isFinite)) a.fail(`start, limit and delta must be finite numbers, got ${s}, ${l}, ${d}`);
    if (d === 0) a.fail("delta must not be 0");
    const n = Math.max(Math.ceil((l - s) / d), 0);
    const dt = need(ins, 0, "Range").dtype;
    checkAlloc(a, ctx, [n], dt === "int32" ? "float64" : dt, "the output");
    const out = C.arange(0, n, 1, { dtype: "float64" });
    return castTo(E.add(E.mul(out, d), s), dt === "int32" ? "float64" : dt).to(dt);
  },
  Identity: unary((x) => x),
  Dropout: (ins, _a, ctx) => {
    const x = need(ins, 0, "Dropout");
    return ctx.nOutputs > 1 ? [x, C.ones(x.shape, { dtype: "bool" })] : x;
  },
};
