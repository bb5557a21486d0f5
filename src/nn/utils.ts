/**
 * `nn.utils`: gradient clipping and flattening parameters to/from one vector.
 * @module
 */
import { Tensor, make } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { allocArray } from "../core/dtype.js";
import { fmtShape } from "../core/shape.js";
import "../ops/inplace.js";
import "../ops/reduce.js";
import "../ops/shape.js";
import { readData } from "../ops/data.js";

/** `nn.utils.rnn`: PackedSequence and the pack/pad helpers. */
export * as rnn from "./rnn-utils.js";

type Params = Tensor | Iterable<Tensor>;

function listOf(params: Params): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

/**
 * Scales all gradients together so their joint `normType`-norm is at most `maxNorm`
 * (PyTorch's `clip_grad_norm_`); returns the total norm before clipping as a 0-dim tensor.
 * `normType` may be `Infinity`. With `errorIfNonfinite` a NaN/inf norm raises.
 * @example nn.utils.clipGradNorm_(model.parameters(), 1.0);
 */
export function clipGradNorm_(params: Params, maxNorm: number, normType = 2, opts: { errorIfNonfinite?: boolean } = {}): Tensor {
  const grads = listOf(params).map((p) => p.grad).filter((g): g is Tensor => g !== null);
  return noGrad(() => {
    if (grads.length === 0) return make(allocArray("float32", 1), [], "float32");
    let total: number;
    if (normType === Infinity) {
      total = 0;
      for (const g of grads) { const d = readData(g); for (let i = 0; i < d.length; i++) total = Math.max(total, Math.abs(d[i])); }
    } else {
      // Accumulate in float64: sums of many squares lose precision in float32.
      let acc = 0;
      for (const g of grads) { const d = readData(g); for (let i = 0; i < d.length; i++) acc += Math.abs(d[i]) ** normType; }
      total = acc ** (1 / normType);
    }
    if (opts.errorIfNonfinite && !Number.isFinite(total)) {
      throw new Error(`clipGradNorm_: the total norm of order ${normType} for gradients is non-finite (${total}), so it cannot be clipped; pass {errorIfNonfinite: false} to skip this check`);
    }
    const v = allocArray(grads[0].dtype, 1);
    v[0] = total;
    const out = make(v, [], grads[0].dtype);
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) for (const g of grads) g.mul_(coef);
    return out;
  });
}

/** Clamps every gradient elementwise to [-clipValue, clipValue] in place. */
export function clipGradValue_(params: Params, clipValue: number): void {
  noGrad(() => {
    for (const p of listOf(params)) if (p.grad) p.grad.clamp_(-clipValue, clipValue);
  });
}

/** Concatenates the parameters, flattened, into one 1-D tensor (a copy). */
export function parametersToVector(params: Params): Tensor {
  const list = listOf(params);
  if (list.length === 0) throw new Error("parametersToVector: got no parameters");
  let n = 0;
  for (const p of list) n += p.numel();
  const dtype = list[0].dtype;
  const out = allocArray(dtype, n);
  let off = 0;
  for (const p of list) {
    if (p.dtype !== dtype) throw new TypeError(`parametersToVector: all parameters must share a dtype, got ${dtype} and ${p.dtype}`);
    out.set(readData(p), off);
    off += p.numel();
  }
  return make(out, [n], dtype);
}

/** Copies consecutive slices of the 1-D `vec` into the parameters, in place. */
export function vectorToParameters(vec: Tensor, params: Params): void {
  const list = listOf(params);
  let n = 0;
  for (const p of list) n += p.numel();
  if (vec.ndim !== 1 || vec.numel() !== n) {
    throw new Error(`vectorToParameters: expected a 1-D vector of ${n} elements (the parameters' total), got shape ${fmtShape(vec.shape)}`);
  }
  noGrad(() => {
    let off = 0;
    for (const p of list) {
      const k = p.numel();
      p.copy_(vec.narrow(0, off, k).reshape(p.shape));
      off += k;
    }
  });
}
