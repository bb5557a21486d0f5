/**
 * Ops that fill part of a tensor with constants or edge values: tril/triu (triangle
 * masks) and pad (constant, reflect, replicate, circular), built on the strided
 * primitives of shape.ts so their gradients come for free.
 */
import { contiguousStrides, fmtShape } from "../core/shape.js";
import { Tensor, make } from "../core/tensor.js";
import { allocArray } from "../core/dtype.js";
import { narrow, stridedEmbed } from "./shape.js";
import "./indexing.js";
import "./elementwise.js";

function triMask(x: Tensor, k: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new Error(`${lower ? "tril" : "triu"}: expects a tensor with >= 2 dims, got shape ${fmtShape(x.shape)}`);
  const [r, c] = x.shape.slice(-2);
  const m = make(new Uint8Array(r * c), [r, c], "bool");
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) m._data[i * c + j] = (lower ? j - i <= k : j - i >= k) ? 1 : 0;
  return m.to(x.device);
}

/** A 0-dim zero of x's dtype (a bare 0 would promote bool tensors to int). */
function zeroOf(x: Tensor): Tensor {
  return make(allocArray(x.dtype, 1), [], x.dtype).to(x.device);
}

/** Lower triangle (elements with col - row <= k), zeros elsewhere. */
export function tril(x: Tensor, k = 0): Tensor {
  return x.where(triMask(x, k, true), zeroOf(x));
}

/** Upper triangle (elements with col - row >= k), zeros elsewhere. */
export function triu(x: Tensor, k = 0): Tensor {
  return x.where(triMask(x, k, false), zeroOf(x));
}

/**
 * Pads the last dims: `pads` = [left, right, top, bottom, ...] from the last dim
 * backwards, as `F.pad`. Modes: "constant" (with `value`), "reflect", "replicate", "circular".
 * Negative pads crop.
 */
export function pad(x: Tensor, pads: readonly number[], mode: "constant" | "reflect" | "replicate" | "circular" = "constant", value = 0): Tensor {
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(`pad: pads must have an even length of at most 2*ndim (${2 * x.ndim}), got ${Array.isArray(pads) ? `[${pads.map(String).join(", ")}]` : String(pads)} for shape ${fmtShape(x.shape)}`);
  }
  // Checked before anything is built: 1.5 or null would otherwise give fractional or NaN sizes.
  if (!pads.every((p) => typeof p === "number" && Number.isInteger(p))) {
    throw new TypeError(`pad: pads must be integers, got [${pads.map(String).join(", ")}]`);
  }
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i, size = x.shape[d] + pads[2 * i] + pads[2 * i + 1];
    if (size < 0) throw new RangeError(`pad: pads (${pads[2 * i]}, ${pads[2 * i + 1]}) would make dim ${d} of shape ${fmtShape(x.shape)} negative (${size})`);
  }
  let r = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const lo = pads[2 * i], hi = pads[2 * i + 1];
    if (lo === 0 && hi === 0) continue;
    r = mode === "constant" ? padConstantDim(r, d, lo, hi, value) : padIndexDim(r, d, lo, hi, mode);
  }
  return r === x ? x.clone() : r;
}

function padConstantDim(x: Tensor, d: number, lo: number, hi: number, value: number): Tensor {
  // Negative pads crop first.
  if (lo < 0 || hi < 0) {
    x = narrow(x, d, Math.max(0, -lo), x.shape[d] + Math.min(0, lo) + Math.min(0, hi));
    lo = Math.max(lo, 0);
    hi = Math.max(hi, 0);
  }
  const shape = x.shape.slice();
  shape[d] += lo + hi;
  const st = contiguousStrides(shape);
  return stridedEmbed(x, shape, st, lo * st[d], value);
}

function padIndexDim(x: Tensor, d: number, lo: number, hi: number, mode: "reflect" | "replicate" | "circular"): Tensor {
  const n = x.shape[d];
  if (mode === "reflect" && (lo >= n || hi >= n)) {
    throw new Error(`pad: reflect padding (${lo}, ${hi}) must be smaller than the size ${n} of dim ${d} (shape ${fmtShape(x.shape)})`);
  }
  if (mode === "circular" && (lo > n || hi > n)) {
    throw new Error(`pad: circular padding (${lo}, ${hi}) must be at most the size ${n} of dim ${d}`);
  }
  const total = n + lo + hi;
  const idx = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    let j = i - lo;
    if (mode === "replicate") j = Math.min(Math.max(j, 0), n - 1);
    else if (mode === "circular") j = ((j % n) + n) % n;
    else {
      const period = 2 * (n - 1);
      j = period === 0 ? 0 : ((j % period) + period) % period;
      if (j >= n) j = period - j;
    }
    idx[i] = j;
  }
  return x.indexSelect(d, make(idx, [total], "int32"));
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link tril}. */ tril(k?: number): Tensor;
    /** Method form of {@link triu}. */ triu(k?: number): Tensor;
  }
}

const P = Tensor.prototype;
P.tril = function (k) { return tril(this, k); };
P.triu = function (k) { return triu(this, k); };
