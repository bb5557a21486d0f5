/**
 * In-place ops (`add_`, `mul_`, `copy_`, `zero_`, ...), for optimizers, initialisers
 * and writes through views (`pe.slice(1, 0, 4, 2).copy_(x)` writes `pe`). Each bumps
 * the storage's version counter, so a backward pass that needs the old value raises
 * instead of computing a wrong gradient. Under grad mode a non-leaf is re-based onto
 * the new op's node and a view's base onto CopySlices (PyTorch's semantics); on a
 * leaf that requires grad, a view of one, or an expanded view they raise, as PyTorch.
 */
import { allocArray, isFloating, type DType, type TypedArray } from "../core/dtype.js";
import { Node, isGradEnabled, noGrad } from "../core/autograd.js";
import { broadcastShapes, fmtShape, shapesEqual } from "../core/shape.js";
import { Tensor, VIEW_MULTI_OUTPUT, VIEW_NO_GRAD } from "../core/tensor.js";
import { currentBackend, type BinaryOp } from "../backends/backend.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { castData, onOneDevice, scalarOf, type Operand } from "./util.js";
import { clamp, where } from "./elementwise.js";
import { zeros } from "./creation.js";
import { geometryInBase, stridedAsView, stridedEmbed } from "./views.js";

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

const MULTI_OUTPUT_MSG =
  "is a view and is being modified inplace. This view is the output of a function that returns multiple views. " +
  "Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.";

/** PyTorch's checks before an in-place op: leaves, views of leaves, expanded views. */
function checkLeaf(self: Tensor, op: string, overlapOk = false): void {
  if (isGradEnabled()) {
    if (self.isLeaf && self.requiresGrad) {
      throw new Error(
        `${op}: a leaf tensor that requires grad is being used in an in-place operation; ` +
          `wrap the update in my.noGrad(() => ...) (as optimizers do) or use the out-of-place op`,
      );
    }
    const base = self._base;
    if (base !== null && base.isLeaf && base.requiresGrad) {
      throw new Error(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation. Wrap it in my.noGrad(() => ...) or clone() the leaf first`);
    }
  }
  checkNoGradView(self, false, op);
  if (!overlapOk) self._checkNoOverlap();
}

/** PyTorch refuses an in-place write with grad mode on through a view made under noGrad, when autograd would see it. */
function checkNoGradView(self: Tensor, recorded: boolean, op: string): void {
  if ((self._viewFlags & VIEW_NO_GRAD) !== 0 && isGradEnabled() && (recorded || self._base!.requiresGrad)) {
    throw new Error(
      `${op}: A view was created in no_grad mode and is being modified inplace with grad mode enabled. ` +
        "Given that this use case is ambiguous and error-prone, it is forbidden. Move the view and the in-place op both inside the noGrad block or both outside.",
    );
  }
}

/** PyTorch refuses in-place writes with autograd into an output of split/chunk/unbind. */
function checkMultiOutput(self: Tensor, resultNode: Node | null, op: string): void {
  if ((self._viewFlags & VIEW_MULTI_OUTPUT) !== 0 && (resultNode !== null || self.requiresGrad)) {
    throw new Error(`${op}: the output of ${self.gradFn?.name ?? "split/chunk/unbind"} ${MULTI_OUTPUT_MSG}`);
  }
}

/** Writes `result` into `self`'s storage (through the strides of a view), re-basing autograd history. */
function commit(self: Tensor, result: Tensor, op: string): Tensor {
  if (!shapesEqual(result.shape, self.shape)) {
    throw new Error(`${op}: the result of shape ${fmtShape(result.shape)} does not fit the tensor's shape ${fmtShape(self.shape)} (in-place ops cannot change the shape)`);
  }
  if (CATEGORY[result.dtype] > CATEGORY[self.dtype]) {
    throw new TypeError(`${op}: result type ${result.dtype} can't be cast to the tensor's dtype ${self.dtype} in place`);
  }
  return commitData(self, castData(result, self.dtype), isGradEnabled() ? result._gradFn : null, op);
}

/**
 * Stores `data` (contiguous, self's dtype) into self and records the write in the
 * graph. On a plain tensor self is re-based onto `node`; on a view the base's
 * grad_fn becomes CopySlices (the base's old gradient outside the view, `node`'s
 * inside it) and the view's own grad_fn is rebuilt from the base on its next use.
 * A write whose value has no gradient (node null) cuts the gradient of what it overwrote.
 */
function commitData(self: Tensor, data: TypedArray, node: Node | null, op: string): Tensor {
  const graph = isGradEnabled() && (node !== null || self.requiresGrad);
  if (graph) checkMultiOutput(self, node, op);
  if (graph) checkNoGradView(self, true, op);
  const base = self._base;
  const baseEdge = graph && base !== null ? base._gradEdge() : null;
  self._writeData(data);
  self._bump();
  if (!graph) return self;
  if (base !== null) {
    base._gradFn = copySlices(self, baseEdge, node);
    return self;
  }
  const prev = self._gradFn;
  self._gradFn = node ?? new Node(`${op.replace(/_$/, "")}Backward`, [], () => [], null);
  // retainGrad follows the tensor to its new version, as in PyTorch.
  if (prev?.retained?.includes(self)) (self._gradFn.retained ??= []).push(self);
  return self;
}

/** PyTorch's CopySlices: the base's gradient with the view's region routed to `node`. */
function copySlices(view: Tensor, baseEdge: Node | null, node: Node | null): Node {
  const [vshape, vstrides, voff] = geometryInBase(view);
  const bshape = view._base!.shape.slice();
  let outside: Tensor | null = null; // bool mask, true outside the view's region
  return new Node("CopySlices", [baseEdge, node], (g) => {
    outside ??= noGrad(() => stridedEmbed(zeros(vshape, { dtype: "bool", device: g.device }), bshape, vstrides, voff, 1));
    return [
      baseEdge === null ? null : where(outside, g, 0),
      node === null ? null : stridedAsView(g, vshape, vstrides, voff, "AsStridedBackward"),
    ];
  }, null);
}

/**
 * The operand an in-place op computes from under grad mode: same graph position as
 * `self` but its own copy of the elements, so the new node's saved "self" is the value
 * before the update (PyTorch saves `original_self` likewise) and is not invalidated
 * by the version bump of the write.
 */
function source(self: Tensor): Tensor {
  if (!isGradEnabled()) return self;
  const s = self.device === "cpu" ? new Tensor(self._data.slice(), self.shape.slice(), self.dtype) : self.detach().clone();
  s._gradFn = self.gradFn;
  return s;
}

/** Runs `kernel` on self's contiguous elements in place, then stores them (scattering for a strided view). */
function inplaceKernel(self: Tensor, kernel: (d: TypedArray) => void): Tensor {
  const d = self._buf;
  kernel(d);
  if (self._arr === null) self._writeData(d); // a gathered copy (strided view) goes back; a device window is a no-op
  self._bump();
  return self;
}

/** `b` on self's device: a 0-dim CPU operand (a scalar) follows self; other mixes throw naming the op. */
function onDevice(b: Tensor, self: Tensor): Tensor {
  return b.device === self.device ? b : onOneDevice("in-place op", self, b)[1];
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
    if (shapesEqual(shape, self.shape)) return inplaceKernel(self, (d) => currentBackend().binary(op, d, self.shape, onDevice(b, self)._buf, b.shape, d, self.shape));
  }
  return commit(self, outOfPlace(source(self), other), name);
}

/** In-place {@link add}: `self += alpha * other`; returns `self`. */
export function add_(self: Tensor, other: Operand, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  const o = alpha === 1 ? other : other instanceof Tensor ? (isGradEnabled() && other.requiresGrad ? other.mul(alpha) : scaled(other, alpha)) : (other as number) * alpha;
  return binaryInplace(self, o, "add", (a, b) => a.add(b), "add_");
}

/** other * alpha without autograd, in other's dtype (float alpha promotes ints). */
function scaled(t: Tensor, alpha: number): Tensor {
  return Number.isInteger(alpha) || isFloating(t.dtype) ? t.mul(alpha) : t.to("float32").mul(alpha);
}

/** In-place {@link sub}: `self -= alpha * other`; returns `self`. */
export function sub_(self: Tensor, other: Operand, opts?: { alpha?: number }): Tensor {
  const alpha = opts?.alpha ?? 1;
  const o = alpha === 1 ? other : other instanceof Tensor ? other.mul(alpha) : (other as number) * alpha;
  return binaryInplace(self, o, "sub", (a, b) => a.sub(b), "sub_");
}

/** In-place {@link mul}: `self *= other`; returns `self`. */
export function mul_(self: Tensor, other: Operand): Tensor {
  return binaryInplace(self, other, "mul", (a, b) => a.mul(b), "mul_");
}

/** In-place {@link div}: `self /= other`; returns `self`. */
export function div_(self: Tensor, other: Operand): Tensor {
  return binaryInplace(self, other, "div", (a, b) => a.div(b), "div_");
}

/** In-place {@link pow}: `self = self ** other`; returns `self`. */
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
  const r = shapesEqual(s.shape, self.shape) ? s : s.expand(self.shape);
  // copy_ casts down freely (float -> int truncates), unlike arithmetic in place.
  const data = castData(r, self.dtype);
  let node: Node | null = null;
  if (isGradEnabled() && s.requiresGrad) {
    // The gradient of the copy: the incoming gradient, summed back to src's shape and cast to its dtype.
    node = (r === s ? s.clone() : r).to(self.dtype)._gradFn;
    if (node === null || !isFloating(self.dtype)) node = null;
  }
  return commitData(self, data, node, "copy_");
}

/** Fills with `value`. */
export function fill_(self: Tensor, value: number | boolean, op = "fill_"): Tensor {
  checkLeaf(self, op, true);
  const v = typeof value === "boolean" ? (value ? 1 : 0) : value;
  if (!isGradEnabled() || !self.requiresGrad) {
    if (self._arr !== null) {
      self._arr.fill(v);
      self._bump();
      return self;
    }
    return commitData(self, allocArray(self.dtype, self.numel()).fill(v), null, op);
  }
  if (self._base === null) {
    if (self.device === "cpu") self._data.fill(v);
    else self._writeData(allocArray(self.dtype, self.numel()).fill(v));
    self._bump();
    self.detach_();
    return self;
  }
  return commitData(self, allocArray(self.dtype, self.numel()).fill(v), null, op);
}

/** Fills with zeros. */
export function zero_(self: Tensor): Tensor {
  return fill_(self, 0, "zero_");
}

/** Clamps in place. */
export function clamp_(self: Tensor, min?: number | null, max?: number | null): Tensor {
  checkLeaf(self, "clamp_");
  if (canFastPath(self, null) && isFloating(self.dtype)) return inplaceKernel(self, (d) => currentBackend().clamp(d, min ?? -Infinity, max ?? Infinity, d));
  return commit(self, clamp(source(self), min, max), "clamp_");
}

/** Fills with values drawn uniformly from [low, high). */
export function uniform_(self: Tensor, low = 0, high = 1, opts: { generator?: Generator } = {}): Tensor {
  checkLeaf(self, "uniform_");
  const g = opts.generator ?? defaultGenerator;
  return inplaceKernel(self, (d) => { for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * g.random(); });
}

/** Fills with values drawn from N(mean, std^2). */
export function normal_(self: Tensor, mean = 0, std = 1, opts: { generator?: Generator } = {}): Tensor {
  checkLeaf(self, "normal_");
  const g = opts.generator ?? defaultGenerator;
  return inplaceKernel(self, (d) => { for (let i = 0; i < d.length; i++) d[i] = mean + std * g.normal(); });
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

/** In-place {@link neg}: overwrites `self` and returns it. */
export const neg_ = unaryInplace("neg_", (t) => t.neg());
/** In-place {@link sqrt}: overwrites `self` and returns it. */
export const sqrt_ = unaryInplace("sqrt_", (t) => t.sqrt());
/** In-place {@link exp}: overwrites `self` and returns it. */
export const exp_ = unaryInplace("exp_", (t) => t.exp());
/** In-place {@link relu}: overwrites `self` and returns it. */
export const relu_ = unaryInplace("relu_", (t) => t.relu());
/** In-place {@link sigmoid}: overwrites `self` and returns it. */
export const sigmoid_ = unaryInplace("sigmoid_", (t) => t.sigmoid());
/** In-place {@link tanh}: overwrites `self` and returns it. */
export const tanh_ = unaryInplace("tanh_", (t) => t.tanh());
/** In-place {@link abs}: overwrites `self` and returns it. */
export const abs_ = unaryInplace("abs_", (t) => t.abs());

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link add_}. */ add_(other: Operand, opts?: { alpha?: number }): this;
    /** Method form of {@link sub_}. */ sub_(other: Operand, opts?: { alpha?: number }): this;
    /** Method form of {@link mul_}. */ mul_(other: Operand): this;
    /** Method form of {@link div_}. */ div_(other: Operand): this;
    /** Method form of {@link pow_}. */ pow_(other: Operand): this;
    /** Method form of {@link addcmul_}. */ addcmul_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    /** Method form of {@link addcdiv_}. */ addcdiv_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    /** Method form of {@link lerp_}. */ lerp_(end: Tensor, weight: number | Tensor): this;
    /** Method form of {@link copy_}. */ copy_(src: Tensor | number): this;
    /** Method form of {@link fill_}. */ fill_(value: number | boolean): this;
    /** Method form of {@link zero_}. */ zero_(): this;
    /** Method form of {@link clamp_}. */ clamp_(min?: number | null, max?: number | null): this;
    /** Method form of {@link uniform_}. */ uniform_(low?: number, high?: number, opts?: { generator?: Generator }): this;
    /** Method form of {@link normal_}. */ normal_(mean?: number, std?: number, opts?: { generator?: Generator }): this;
    /** Method form of {@link maskedFill_}. */ maskedFill_(mask: Tensor, value: number): this;
    /** Method form of {@link neg_}. */ neg_(): this;
    /** Method form of {@link sqrt_}. */ sqrt_(): this;
    /** Method form of {@link exp_}. */ exp_(): this;
    /** Method form of {@link relu_}. */ relu_(): this;
    /** Method form of {@link sigmoid_}. */ sigmoid_(): this;
    /** Method form of {@link tanh_}. */ tanh_(): this;
    /** Method form of {@link abs_}. */ abs_(): this;
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
