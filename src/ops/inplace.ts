/**
 * In-place ops (`add_`, `mul_`, `copy_`, `zero_`, ...), for optimizers and
 * initialisers. Each bumps the storage's version counter, so a backward pass that
 * needs the old value raises instead of computing a wrong gradient. On a non-leaf
 * tensor under grad mode the result is re-based onto the new op's node (PyTorch's
 * semantics); on a leaf that requires grad they raise, as PyTorch does.
 */
import { allocArray, isFloating, type DType } from "../core/dtype.js";
import { isGradEnabled } from "../core/autograd.js";
import { broadcastShapes, fmtShape, shapesEqual } from "../core/shape.js";
import { Tensor, make } from "../core/tensor.js";
import { currentBackend, type BinaryOp } from "../backends/backend.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { scalarOf, type Operand } from "./util.js";
import { clamp } from "./elementwise.js";

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

function checkLeaf(self: Tensor, op: string): void {
  if (isGradEnabled() && self.isLeaf && self.requiresGrad) {
    throw new Error(
      `${op}: a leaf tensor that requires grad is being used in an in-place operation; ` +
        `wrap the update in my.noGrad(() => ...) (as optimizers do) or use the out-of-place op`,
    );
  }
}

/** Writes `result` into `self`'s storage, re-basing autograd history. */
function commit(self: Tensor, result: Tensor, op: string): Tensor {
  if (!shapesEqual(result.shape, self.shape)) {
    throw new Error(`${op}: the result of shape ${fmtShape(result.shape)} does not fit the tensor's shape ${fmtShape(self.shape)} (in-place ops cannot change the shape)`);
  }
  if (CATEGORY[result.dtype] > CATEGORY[self.dtype]) {
    throw new TypeError(`${op}: result type ${result.dtype} can't be cast to the tensor's dtype ${self.dtype} in place`);
  }
  if (result.dtype === self.dtype) self._data.set(result._data);
  else currentBackend().cast(result._data, self._data);
  self._bump();
  if (result._gradFn && isGradEnabled()) {
    const prev = self._gradFn;
    self._gradFn = result._gradFn;
    // retainGrad follows the tensor to its new version, as in PyTorch.
    if (prev?.retained?.includes(self)) (self._gradFn.retained ??= []).push(self);
  }
  return self;
}

/**
 * The operand an in-place op computes from under grad mode: same graph position as
 * `self` but its own copy of the storage, so the new node's saved "self" is the value
 * before the update (PyTorch saves `original_self` likewise) and is not invalidated
 * by the version bump of the write.
 */
function source(self: Tensor): Tensor {
  if (!isGradEnabled()) return self;
  const s = new Tensor(self._data.slice(), self.shape.slice(), self.dtype);
  s._gradFn = self._gradFn;
  return s;
}

/** Fast path: no autograd involved, same dtype; the kernel writes straight into self. */
function canFastPath(self: Tensor, other: Tensor | null): boolean {
  if (isGradEnabled() && (self.requiresGrad || (other !== null && other.requiresGrad))) return false;
  return other === null || other.dtype === self.dtype;
}

function binaryInplace(self: Tensor, other: Operand, op: BinaryOp, outOfPlace: (a: Tensor, b: Operand) => Tensor, name: string): Tensor {
  checkLeaf(self, name);
  const o = other instanceof Tensor ? other : null;
  const floatScalar = typeof other === "number" && !Number.isInteger(other);
  if (canFastPath(self, o) && !(floatScalar && !isFloating(self.dtype)) && !(op === "div" && !isFloating(self.dtype))) {
    const b = o ?? scalarOf(other as number, self.dtype);
    const shape = broadcastShapes(self.shape, b.shape, name);
    if (shapesEqual(shape, self.shape)) {
      currentBackend().binary(op, self._data, self.shape, b._data, b.shape, self._data, self.shape);
      self._bump();
      return self;
    }
  }
  return commit(self, outOfPlace(source(self), other), name);
}

export function add_(self: Tensor, other: Operand, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  const o = alpha === 1 ? other : other instanceof Tensor ? (isGradEnabled() && other.requiresGrad ? other.mul(alpha) : scaled(other, alpha)) : (other as number) * alpha;
  return binaryInplace(self, o, "add", (a, b) => a.add(b), "add_");
}

/** other * alpha without autograd, in other's dtype (float alpha promotes ints). */
function scaled(t: Tensor, alpha: number): Tensor {
  return Number.isInteger(alpha) || isFloating(t.dtype) ? t.mul(alpha) : t.to("float32").mul(alpha);
}

export function sub_(self: Tensor, other: Operand, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  const o = alpha === 1 ? other : other instanceof Tensor ? other.mul(alpha) : (other as number) * alpha;
  return binaryInplace(self, o, "sub", (a, b) => a.sub(b), "sub_");
}

export function mul_(self: Tensor, other: Operand): Tensor {
  return binaryInplace(self, other, "mul", (a, b) => a.mul(b), "mul_");
}

export function div_(self: Tensor, other: Operand): Tensor {
  return binaryInplace(self, other, "div", (a, b) => a.div(b), "div_");
}

export function pow_(self: Tensor, other: Operand): Tensor {
  return binaryInplace(self, other, "pow", (a, b) => a.pow(b), "pow_");
}

/** self += value * t1 * t2 */
export function addcmul_(self: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
  const v = opts?.value ?? 1;
  return add_(self, t1.mul(t2), { alpha: v });
}

/** self += value * t1 / t2 */
export function addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor {
  const v = opts?.value ?? 1;
  return add_(self, t1.div(t2), { alpha: v });
}

/** self += weight * (end - self) */
export function lerp_(self: Tensor, end: Tensor, weight: number | Tensor): Tensor {
  checkLeaf(self, "lerp_");
  const s = source(self);
  return commit(self, s.add(end.sub(s).mul(weight)), "lerp_");
}

/** Copies `src` (broadcast, cast) into self. */
export function copy_(self: Tensor, src: Tensor | number): Tensor {
  checkLeaf(self, "copy_");
  const s = src instanceof Tensor ? src : scalarOf(src, self.dtype);
  let r = shapesEqual(s.shape, self.shape) ? s : s.expand(self.shape);
  if (r === s && !(isGradEnabled() && s.requiresGrad)) {
    if (s.dtype === self.dtype) self._data.set(s._data);
    else currentBackend().cast(s._data, self._data);
    self._bump();
    return self;
  }
  if (r === s) r = s.clone();
  if (CATEGORY[r.dtype] > CATEGORY[self.dtype]) {
    // copy_ casts down freely (float -> int truncates), unlike arithmetic in place.
    const d = allocArray(self.dtype, r._data.length);
    currentBackend().cast(r._data, d);
    r = make(d, r.shape, self.dtype);
  } else if (r.dtype !== self.dtype) r = r.to(self.dtype);
  return commit(self, r, "copy_");
}

/** Fills with `value`. */
export function fill_(self: Tensor, value: number | boolean): Tensor {
  checkLeaf(self, "fill_");
  self._data.fill(typeof value === "boolean" ? (value ? 1 : 0) : value);
  self._bump();
  if (isGradEnabled() && !self.isLeaf) self.detach_();
  return self;
}

/** Fills with zeros. */
export function zero_(self: Tensor): Tensor {
  checkLeaf(self, "zero_");
  return fill_(self, 0);
}

/** Clamps in place. */
export function clamp_(self: Tensor, min?: number | null, max?: number | null): Tensor {
  checkLeaf(self, "clamp_");
  if (canFastPath(self, null) && isFloating(self.dtype)) {
    currentBackend().clamp(self._data, min ?? -Infinity, max ?? Infinity, self._data);
    self._bump();
    return self;
  }
  return commit(self, clamp(source(self), min, max), "clamp_");
}

/** Fills with values drawn uniformly from [low, high). */
export function uniform_(self: Tensor, low = 0, high = 1, opts: { generator?: Generator } = {}): Tensor {
  checkLeaf(self, "uniform_");
  const g = opts.generator ?? defaultGenerator;
  const d = self._data;
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * g.random();
  self._bump();
  return self;
}

/** Fills with values drawn from N(mean, std^2). */
export function normal_(self: Tensor, mean = 0, std = 1, opts: { generator?: Generator } = {}): Tensor {
  checkLeaf(self, "normal_");
  const g = opts.generator ?? defaultGenerator;
  const d = self._data;
  for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal();
  self._bump();
  return self;
}

/** Fills where mask is true. */
export function maskedFill_(self: Tensor, mask: Tensor, value: number): Tensor {
  checkLeaf(self, "maskedFill_");
  return commit(self, source(self).maskedFill(mask, value), "maskedFill_");
}

function unaryInplace(name: string, f: (t: Tensor) => Tensor) {
  return (self: Tensor): Tensor => {
    checkLeaf(self, name);
    return commit(self, f(source(self)), name);
  };
}

export const neg_ = unaryInplace("neg_", (t) => t.neg());
export const sqrt_ = unaryInplace("sqrt_", (t) => t.sqrt());
export const exp_ = unaryInplace("exp_", (t) => t.exp());
export const relu_ = unaryInplace("relu_", (t) => t.relu());
export const sigmoid_ = unaryInplace("sigmoid_", (t) => t.sigmoid());
export const tanh_ = unaryInplace("tanh_", (t) => t.tanh());
export const abs_ = unaryInplace("abs_", (t) => t.abs());

declare module "../core/tensor.js" {
  interface Tensor {
    add_(other: Operand, opts?: { alpha?: number }): this;
    sub_(other: Operand, opts?: { alpha?: number }): this;
    mul_(other: Operand): this;
    div_(other: Operand): this;
    pow_(other: Operand): this;
    addcmul_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    addcdiv_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    lerp_(end: Tensor, weight: number | Tensor): this;
    copy_(src: Tensor | number): this;
    fill_(value: number | boolean): this;
    zero_(): this;
    clamp_(min?: number | null, max?: number | null): this;
    uniform_(low?: number, high?: number, opts?: { generator?: Generator }): this;
    normal_(mean?: number, std?: number, opts?: { generator?: Generator }): this;
    maskedFill_(mask: Tensor, value: number): this;
    neg_(): this; sqrt_(): this; exp_(): this; relu_(): this; sigmoid_(): this; tanh_(): this; abs_(): this;
  }
}

const P = Tensor.prototype as unknown as Record<string, (this: Tensor, ...args: never[]) => Tensor>;
const methods: Record<string, (self: Tensor, ...args: never[]) => Tensor> = {
  add_, sub_, mul_, div_, pow_, addcmul_, addcdiv_, lerp_, copy_, fill_, zero_, clamp_, uniform_, normal_,
  maskedFill_, neg_, sqrt_, exp_, relu_, sigmoid_, tanh_, abs_,
};
for (const [name, fn] of Object.entries(methods)) {
  P[name] = function (this: Tensor, ...args: never[]) { return fn(this, ...args); };
}
