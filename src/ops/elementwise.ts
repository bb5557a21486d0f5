/**
 * Elementwise ops with broadcasting and PyTorch's type promotion: arithmetic, math
 * functions, comparisons, logical ops, where and clamp, each with its gradient
 * written in tensor ops (so double backward works).
 */
import { isFloating, promoteTypes, promoteWithScalar, type DType, allocArray, allocUninit } from "../core/dtype.js";
import { broadcastShapes, fmtShape, numel, shapesEqual } from "../core/shape.js";
import { Tensor, allocUninitOn, make, needsGrad, record } from "../core/tensor.js";
import { currentBackend, type BinaryOp, type UnaryOp } from "../backends/backend.js";
import { onOneDevice, scalarOf, sumToShape, type Operand } from "./util.js";
import { zerosLike } from "./creation.js";
import { floatUnary, unaryKernel, type GradOf } from "./unary-op.js";

// ---------------------------------------------------------------- unary

const zeroGrad: GradOf = (g) => zerosLike(g);

/** e^x */
export const exp = floatUnary("exp", "ExpBackward", (g, _x, out) => g.mul(out), "out");
/** Natural log. */
export const log = floatUnary("log", "LogBackward", (g, x) => g.div(x), "x");
/** log(1 + x), accurate for small x. */
export const log1p = floatUnary("log1p", "Log1pBackward", (g, x) => g.div(x.add(1)), "x");
/** e^x - 1, accurate for small x. */
export const expm1 = floatUnary("expm1", "Expm1Backward", (g, _x, out) => g.mul(out.add(1)), "out");
/** Square root. */
export const sqrt = floatUnary("sqrt", "SqrtBackward", (g, _x, out) => g.div(out.mul(2)), "out");
/** 1 / sqrt(x). */
export const rsqrt = floatUnary("rsqrt", "RsqrtBackward", (g, _x, out) => g.mul(out.pow(3)).mul(-0.5), "out");
/** 1 / x. */
export const reciprocal = floatUnary("reciprocal", "ReciprocalBackward", (g, _x, out) => g.mul(out.square()).neg(), "out");
/** Sine. */
export const sin = floatUnary("sin", "SinBackward", (g, x) => g.mul(x.cos()), "x");
/** Cosine. */
export const cos = floatUnary("cos", "CosBackward", (g, x) => g.mul(x.sin()).neg(), "x");
/** Tangent. */
export const tan = floatUnary("tan", "TanBackward", (g, _x, out) => g.mul(out.square().add(1)), "out");
/** Hyperbolic tangent. */
export const tanh = floatUnary("tanh", "TanhBackward", (g, _x, out) => g.mul(out.square().neg().add(1)), "out");
/** Logistic sigmoid 1 / (1 + e^-x). */
export const sigmoid = floatUnary("sigmoid", "SigmoidBackward", (g, _x, out) => g.mul(out.mul(out.neg().add(1))), "out");
/** Gauss error function. */
export const erf = floatUnary("erf", "ErfBackward", (g, x) => g.mul(x.square().neg().exp().mul(1.1283791670955126)), "x");

/** Defines a unary op that keeps integer dtypes (neg, abs, square, ...). */
function numericUnary(op: UnaryOp, name: string, grad: GradOf, save: "x" | "none") {
  return (x: Tensor): Tensor => {
    if (x.dtype === "bool") x = x.to("int32");
    const out = unaryKernel(op, x, x.dtype);
    if (needsGrad(x)) record(out, name, [x], (g) => [grad(g, x, out)], save === "x" ? [x] : []);
    return out;
  };
}

/** -x */
export const neg = numericUnary("neg", "NegBackward", (g) => g.neg(), "none");
/** |x| */
export const abs = numericUnary("abs", "AbsBackward", (g, x) => g.mul(x.sign()), "x");
/** Sign of x (-1, 0 or 1). */
export const sign = numericUnary("sign", "SignBackward", zeroGrad, "none");
/** x * x */
export const square = numericUnary("square", "SquareBackward", (g, x) => g.mul(x).mul(2), "x");
/** max(x, 0) */
export const relu = numericUnary("relu", "ReluBackward", (g, x) => reluGrad(g, x), "x");

/**
 * g * (x > 0) in one kernel (one allocation instead of a step mask plus a product).
 * The mask is a constant, so the gradient w.r.t. g is reluGrad of the incoming
 * gradient again and x gets none, exactly as g.mul(step(x)) would give.
 */
function reluGrad(g: Tensor, x: Tensor): Tensor {
  if (g.dtype !== x.dtype || !shapesEqual(g.shape, x.shape)) return g.mul(unaryKernel("step", x, x.dtype));
  const out = make(allocUninitOn(g.device, g.dtype, g.numel()), g.shape.slice(), g.dtype);
  currentBackend().reluBackward(x._buf, g._buf, out._buf);
  if (needsGrad(g)) record(out, "ReluBackwardBackward", [g], (gg) => [reluGrad(gg, x)], [x]);
  return out;
}

function roundingUnary(op: UnaryOp, name: string) {
  return (x: Tensor): Tensor => {
    if (!isFloating(x.dtype)) return x.clone();
    const out = unaryKernel(op, x, x.dtype);
    if (needsGrad(x)) record(out, name, [x], (g) => [zerosLike(g)]);
    return out;
  };
}
/** Round down. */
export const floor = roundingUnary("floor", "FloorBackward");
/** Round up. */
export const ceil = roundingUnary("ceil", "CeilBackward");
/** Round half to even. */
export const round = roundingUnary("round", "RoundBackward");

/** Elementwise NOT (result is bool). */
export function logicalNot(x: Tensor): Tensor {
  return unaryKernel("logicalNot", x, "bool");
}
/** True where x is NaN. */
export function isnan(x: Tensor): Tensor {
  return unaryKernel("isnan", x, "bool");
}
/** True where x is neither infinite nor NaN. */
export function isfinite(x: Tensor): Tensor {
  return unaryKernel("isfinite", x, "bool");
}

// ---------------------------------------------------------------- binary

/**
 * Result dtype of a binary op by PyTorch's rules: tensors with dims outrank
 * 0-dim tensors and JS numbers within a category (bool < int < float).
 */
export function resultType(a: Operand, b: Operand): DType {
  const at = a instanceof Tensor, bt = b instanceof Tensor;
  if (at && bt) {
    const az = a.ndim === 0, bz = b.ndim === 0;
    if (az === bz) return promoteTypes(a.dtype, b.dtype);
    const [dim, zero] = az ? [b, a] : [a, b];
    const cat = (d: DType) => (d === "bool" ? 0 : d === "int32" ? 1 : 2);
    // A 0-dim tensor of a higher category decides the dtype itself (int + float64 0-dim -> float64).
    return cat(zero.dtype) > cat(dim.dtype) ? zero.dtype : dim.dtype;
  }
  if (at) return promoteWithScalar(a.dtype, b as number | boolean);
  if (bt) return promoteWithScalar(b.dtype, a as number | boolean);
  return typeof a === "boolean" && typeof b === "boolean" ? "bool" : Number.isInteger(a) && Number.isInteger(b) ? "int32" : "float32";
}

function asTensor(x: Operand, dtype: DType, op: string): Tensor {
  if (x instanceof Tensor) return x.dtype === dtype ? x : x.to(dtype);
  if (typeof x !== "number" && typeof x !== "boolean") {
    throw new TypeError(`${op}: expected a Tensor or a number, got ${x === null ? "null" : typeof x}`);
  }
  return scalarOf(x, dtype);
}

/** On bool tensors PyTorch's arithmetic is logic: true + true is true. */
const BOOL_ARITH: Partial<Record<BinaryOp, BinaryOp>> = { add: "logicalOr", mul: "logicalAnd", maximum: "logicalOr", minimum: "logicalAnd" };

// The operands of the last binaryForward, after promotion (module slots instead of a
// returned tuple: the 4-element add is dominated by allocations like that).
let opA: Tensor = null as unknown as Tensor;
let opB: Tensor = null as unknown as Tensor;

/**
 * Runs a binary kernel with promotion/broadcasting; the promoted operands are left in
 * opA/opB. `boolOut` marks comparisons and logical ops (their result is bool).
 */
function binaryForward(op: BinaryOp, x: Operand, y: Operand, name: string, boolOut = false): Tensor {
  let a: Tensor, b: Tensor, dt: DType;
  if (x instanceof Tensor && y instanceof Tensor && x.dtype === y.dtype) {
    // Fast path: same dtype needs no promotion.
    a = x; b = y; dt = x.dtype;
    if ((op === "div" || op === "atan2") && !isFloating(dt)) {
      dt = "float32"; a = x.to(dt); b = y.to(dt);
    }
  } else {
    dt = resultType(x, y);
    if ((op === "div" || op === "atan2") && !isFloating(dt)) dt = "float32";
    a = asTensor(x, dt, name);
    b = asTensor(y, dt, name);
  }
  if (a.device !== b.device) [a, b] = onOneDevice(name, a, b);
  if (dt === "bool") {
    if (op === "sub") throw new TypeError(`${name}: subtraction of two bool tensors is not supported; use logicalXor() or convert with .int()`);
    op = BOOL_ARITH[op] ?? op;
  }
  const as = a.shape, bs = b.shape;
  let outShape: number[];
  let same = as.length === bs.length;
  for (let i = 0; same && i < as.length; i++) same = as[i] === bs[i];
  if (same) outShape = as.slice();
  else outShape = broadcastShapes(as, bs, name);
  let n = 1;
  for (let i = 0; i < outShape.length; i++) n *= outShape[i];
  const outDtype: DType = boolOut ? "bool" : dt;
  const out = make(allocUninitOn(a.device, outDtype, n), outShape, outDtype);
  currentBackend().binary(op, a._buf, as, b._buf, bs, out._buf, outShape);
  opA = a;
  opB = b;
  return out;
}

/** Options of {@link add} and {@link sub}. */
export interface AlphaOptions {
  /** Multiplier for the second operand (PyTorch's `alpha`). */
  alpha?: number;
}

/** a + alpha * b, with broadcasting. @example my.add(x, 1); x.add(y) */
export function add(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  if (opts?.alpha !== undefined && opts.alpha !== 1) b = b instanceof Tensor ? b.mul(opts.alpha) : (b as number) * opts.alpha;
  const out = binaryForward("add", a, b, "add");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "AddBackward", [x, y], (g) => [sumToShape(g, x.shape), sumToShape(g, y.shape)]);
  }
  return out;
}

/** a - alpha * b, with broadcasting. */
export function sub(a: Operand, b: Operand, opts?: AlphaOptions): Tensor {
  if (opts?.alpha !== undefined && opts.alpha !== 1) b = b instanceof Tensor ? b.mul(opts.alpha) : (b as number) * opts.alpha;
  const out = binaryForward("sub", a, b, "sub");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "SubBackward", [x, y], (g) => [sumToShape(g, x.shape), y.requiresGrad ? sumToShape(g.neg(), y.shape) : null]);
  }
  return out;
}

/**
 * What MulBackward reads: x only for y's gradient and y only for x's (as PyTorch),
 * so `y = f(x); y.mul_(2)` stays differentiable when f's backward needs no y.
 */
function mulSaved(x: Tensor, y: Tensor): Tensor[] {
  const s: Tensor[] = [];
  if (y.requiresGrad) s.push(x);
  if (x.requiresGrad) s.push(y);
  return s;
}

/** a * b, with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  const out = binaryForward("mul", a, b, "mul");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "MulBackward", [x, y], (g) => [
      x.requiresGrad ? sumToShape(g.mul(y), x.shape) : null,
      y.requiresGrad ? sumToShape(g.mul(x), y.shape) : null,
    ], mulSaved(x, y));
  }
  return out;
}

/** a / b (true division: integer inputs give float32). */
export function div(a: Operand, b: Operand): Tensor {
  const out = binaryForward("div", a, b, "div");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "DivBackward", [x, y], (g) => [
      x.requiresGrad ? sumToShape(g.div(y), x.shape) : null,
      y.requiresGrad ? sumToShape(g.mul(x).div(y.square()).neg(), y.shape) : null,
    ], y.requiresGrad ? [x, y] : [y]);
  }
  return out;
}

/** a ** b, elementwise. */
export function pow(a: Operand, b: Operand): Tensor {
  const out = binaryForward("pow", a, b, "pow");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "PowBackward", [x, y], (g) => {
      let gx: Tensor | null = null;
      let gy: Tensor | null = null;
      if (x.requiresGrad) {
        // d/dx x^y = y * x^(y-1); where y == 0 the gradient is 0 (PyTorch masks it).
        gx = sumToShape(where(y.eq(0), 0, g.mul(y).mul(x.pow(y.sub(1)))), x.shape);
      }
      if (y.requiresGrad) {
        // d/dy x^y = x^y * log(x); defined as 0 where x == 0 and y >= 0.
        const mask = x.eq(0).logicalAnd(y.ge(0));
        gy = sumToShape(where(mask, 0, g.mul(x.pow(y)).mul(x.log())), y.shape);
      }
      return [gx, gy];
    }, [x, y]);
  }
  return out;
}

/** atan2(a, b): angle of the point (b, a). */
export function atan2(a: Operand, b: Operand): Tensor {
  const out = binaryForward("atan2", a, b, "atan2");
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, "Atan2Backward", [x, y], (g) => {
      const denom = x.square().add(y.square());
      return [
        x.requiresGrad ? sumToShape(g.mul(y).div(denom), x.shape) : null,
        y.requiresGrad ? sumToShape(g.mul(x).neg().div(denom), y.shape) : null,
      ];
    }, [x, y]);
  }
  return out;
}

function extremum(op: "maximum" | "minimum", a: Operand, b: Operand): Tensor {
  const out = binaryForward(op, a, b, op);
  const x = opA, y = opB;
  if (needsGrad(x, y)) {
    record(out, op === "maximum" ? "MaximumBackward" : "MinimumBackward", [x, y], (g) => {
      // Ties split the gradient evenly, as PyTorch.
      const xWins = (op === "maximum" ? x.gt(y) : x.lt(y)).to(g.dtype);
      const tie = x.eq(y).to(g.dtype).mul(0.5);
      const wx = xWins.add(tie);
      const wy = wx.neg().add(1);
      return [
        x.requiresGrad ? sumToShape(g.mul(wx), x.shape) : null,
        y.requiresGrad ? sumToShape(g.mul(wy), y.shape) : null,
      ];
    }, [x, y]);
  }
  return out;
}

/** Elementwise maximum (NaN propagates). */
export function maximum(a: Operand, b: Operand): Tensor {
  return extremum("maximum", a, b);
}
/** Elementwise minimum (NaN propagates). */
export function minimum(a: Operand, b: Operand): Tensor {
  return extremum("minimum", a, b);
}

function comparison(op: BinaryOp) {
  return (a: Operand, b: Operand): Tensor => binaryForward(op, a, b, op, true);
}
/** a == b → bool */
export const eq = comparison("eq");
/** a != b → bool */
export const ne = comparison("ne");
/** a < b → bool */
export const lt = comparison("lt");
/** a <= b → bool */
export const le = comparison("le");
/** a > b → bool */
export const gt = comparison("gt");
/** a >= b → bool */
export const ge = comparison("ge");
/** Elementwise AND (bool result). */
export const logicalAnd = comparison("logicalAnd");
/** Elementwise OR (bool result). */
export const logicalOr = comparison("logicalOr");
/** Elementwise XOR (bool result). */
export const logicalXor = comparison("logicalXor");

// ---------------------------------------------------------------- where / clamp

/**
 * Picks `a` where `cond` is true and `b` elsewhere, broadcasting all three.
 * @example my.where(x.gt(0), x, 0)
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where: condition must be a bool Tensor");
  if (cond.dtype !== "bool") {
    throw new TypeError(`where: condition must have dtype bool, got ${cond.dtype} (compare first, e.g. x.gt(0))`);
  }
  const dt = resultType(a, b);
  let x = asTensor(a, dt, "where");
  let y = asTensor(b, dt, "where");
  if (x.device !== cond.device) [, x] = onOneDevice("where", cond, x);
  if (y.device !== cond.device) [, y] = onOneDevice("where", cond, y);
  const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, "where"), y.shape, "where");
  const c = cond.expand(shape), xe = x.expand(shape), ye = y.expand(shape);
  const out = make(allocUninitOn(xe.device, dt, numel(shape)), shape, dt);
  currentBackend().where(c._buf as Uint8Array, xe._buf, ye._buf, out._buf);
  if (needsGrad(x, y)) {
    record(out, "WhereBackward", [x, y], (g) => {
      const z = zerosLike(g);
      return [
        x.requiresGrad ? sumToShape(where(cond, g, z), x.shape) : null,
        y.requiresGrad ? sumToShape(where(cond, z, g), y.shape) : null,
      ];
    });
  }
  return out;
}

/**
 * Clamps values into [min, max]; either bound may be omitted (or a tensor).
 * Gradient passes where the value was inside the bounds.
 */
export function clamp(x: Tensor, min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error("clamp: at least one of min or max must be given");
  }
  if (min instanceof Tensor || max instanceof Tensor) {
    let r = x;
    if (min !== undefined && min !== null) r = maximum(r, min);
    if (max !== undefined && max !== null) r = minimum(r, max);
    return r;
  }
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  let dt = x.dtype;
  if (!isFloating(dt) && (!Number.isInteger(lo) && Number.isFinite(lo) || !Number.isInteger(hi) && Number.isFinite(hi))) dt = "float32";
  const xin = x.dtype === dt ? x : x.to(dt);
  const out = make(allocUninitOn(xin.device, dt, xin.numel()), xin.shape.slice(), dt);
  currentBackend().clamp(xin._buf, lo, hi, out._buf);
  if (needsGrad(xin)) {
    record(out, "ClampBackward", [xin], (g) => [g.mul(xin.ge(lo).logicalAnd(xin.le(hi)).to(g.dtype))], [xin]);
  }
  return out;
}

/** A differentiable copy with its own storage. */
export function clone(x: Tensor): Tensor {
  let out: Tensor;
  if (x.device === "cpu") out = make(x._data.slice(), x.shape.slice(), x.dtype);
  else {
    out = make(allocUninitOn(x.device, x.dtype, x.numel()), x.shape.slice(), x.dtype);
    currentBackend().cast(x._buf, out._buf); // a same-dtype cast is a copy
  }
  if (needsGrad(x)) record(out, "CloneBackward", [x], (g) => [g]);
  return out;
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link exp}. */ exp(): Tensor;
    /** Method form of {@link log}. */ log(): Tensor;
    /** Method form of {@link log1p}. */ log1p(): Tensor;
    /** Method form of {@link expm1}. */ expm1(): Tensor;
    /** Method form of {@link sqrt}. */ sqrt(): Tensor;
    /** Method form of {@link rsqrt}. */ rsqrt(): Tensor;
    /** Method form of {@link reciprocal}. */ reciprocal(): Tensor;
    /** Method form of {@link sin}. */ sin(): Tensor;
    /** Method form of {@link cos}. */ cos(): Tensor;
    /** Method form of {@link tan}. */ tan(): Tensor;
    /** Method form of {@link tanh}. */ tanh(): Tensor;
    /** Method form of {@link sigmoid}. */ sigmoid(): Tensor;
    /** Method form of {@link erf}. */ erf(): Tensor;
    /** Method form of {@link neg}. */ neg(): Tensor;
    /** Method form of {@link abs}. */ abs(): Tensor;
    /** Method form of {@link sign}. */ sign(): Tensor;
    /** Method form of {@link square}. */ square(): Tensor;
    /** Method form of {@link relu}. */ relu(): Tensor;
    /** Method form of {@link floor}. */ floor(): Tensor;
    /** Method form of {@link ceil}. */ ceil(): Tensor;
    /** Method form of {@link round}. */ round(): Tensor;
    /** Method form of {@link logicalNot}. */ logicalNot(): Tensor;
    /** Method form of {@link isnan}. */ isnan(): Tensor;
    /** Method form of {@link isfinite}. */ isfinite(): Tensor;
    /** Method form of {@link add}. */ add(other: Operand, opts?: AlphaOptions): Tensor;
    /** Method form of {@link sub}. */ sub(other: Operand, opts?: AlphaOptions): Tensor;
    /** Method form of {@link mul}. */ mul(other: Operand): Tensor;
    /** Method form of {@link div}. */ div(other: Operand): Tensor;
    /** Method form of {@link pow}. */ pow(other: Operand): Tensor;
    /** Method form of {@link atan2}. */ atan2(other: Operand): Tensor;
    /** Method form of {@link maximum}. */ maximum(other: Operand): Tensor;
    /** Method form of {@link minimum}. */ minimum(other: Operand): Tensor;
    /** Method form of {@link eq}. */ eq(other: Operand): Tensor;
    /** Method form of {@link ne}. */ ne(other: Operand): Tensor;
    /** Method form of {@link lt}. */ lt(other: Operand): Tensor;
    /** Method form of {@link le}. */ le(other: Operand): Tensor;
    /** Method form of {@link gt}. */ gt(other: Operand): Tensor;
    /** Method form of {@link ge}. */ ge(other: Operand): Tensor;
    /** Method form of {@link logicalAnd}. */ logicalAnd(other: Operand): Tensor;
    /** Method form of {@link logicalOr}. */ logicalOr(other: Operand): Tensor;
    /** Method form of {@link logicalXor}. */ logicalXor(other: Operand): Tensor;
    /** Method form of {@link where}. */ where(cond: Tensor, other: Operand): Tensor;
    /** Method form of {@link clamp}. */ clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
    /** Alias of {@link clamp} (method form). */ clip(min?: number | Tensor | null, max?: number | Tensor | null): Tensor;
    /** Method form of {@link clone}. */ clone(): Tensor;
  }
}

const P = Tensor.prototype;
P.exp = function () { return exp(this); };
P.log = function () { return log(this); };
P.log1p = function () { return log1p(this); };
P.expm1 = function () { return expm1(this); };
P.sqrt = function () { return sqrt(this); };
P.rsqrt = function () { return rsqrt(this); };
P.reciprocal = function () { return reciprocal(this); };
P.sin = function () { return sin(this); };
P.cos = function () { return cos(this); };
P.tan = function () { return tan(this); };
P.tanh = function () { return tanh(this); };
P.sigmoid = function () { return sigmoid(this); };
P.erf = function () { return erf(this); };
P.neg = function () { return neg(this); };
P.abs = function () { return abs(this); };
P.sign = function () { return sign(this); };
P.square = function () { return square(this); };
P.relu = function () { return relu(this); };
P.floor = function () { return floor(this); };
P.ceil = function () { return ceil(this); };
P.round = function () { return round(this); };
P.logicalNot = function () { return logicalNot(this); };
P.isnan = function () { return isnan(this); };
P.isfinite = function () { return isfinite(this); };
P.add = function (o, opts) { return add(this, o, opts); };
P.sub = function (o, opts) { return sub(this, o, opts); };
P.mul = function (o) { return mul(this, o); };
P.div = function (o) { return div(this, o); };
P.pow = function (o) { return pow(this, o); };
P.atan2 = function (o) { return atan2(this, o); };
P.maximum = function (o) { return maximum(this, o); };
P.minimum = function (o) { return minimum(this, o); };
P.eq = function (o) { return eq(this, o); };
P.ne = function (o) { return ne(this, o); };
P.lt = function (o) { return lt(this, o); };
P.le = function (o) { return le(this, o); };
P.gt = function (o) { return gt(this, o); };
P.ge = function (o) { return ge(this, o); };
P.logicalAnd = function (o) { return logicalAnd(this, o); };
P.logicalOr = function (o) { return logicalOr(this, o); };
P.logicalXor = function (o) { return logicalXor(this, o); };
P.where = function (cond, other) { return where(cond, this, other); };
P.clamp = function (min, max) { return clamp(this, min, max); };
P.clip = function (min, max) { return clamp(this, min, max); };
P.clone = function () { return clone(this); };
