/**
 * JS reference kernels for elementwise ops: unary math, broadcasting binary ops,
 * where, clamp and dtype casts. One explicit loop per op (no per-element closures);
 * an op of the op table without a case here is a compile error (assertNever).
 */
import type { TypedArray } from "../../core/dtype.js";
import type { BinaryOp, UnaryOp } from "../backend.js";
import { assertNever } from "../exhaustive.js";

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;

/** erf to ~1e-15: positive-term series below 2.5, continued fraction for erfc above. */
export function erf64(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    const x2 = 2 * ax * ax;
    let term = ax;
    let s = ax;
    for (let n = 1; n < 200; n++) {
      term *= x2 / (2 * n + 1);
      s += term;
      if (term < 1e-17 * s) break;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * s;
  } else if (ax < 6) {
    let f = ax;
    for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - (INV_SQRT_PI * Math.exp(-ax * ax)) / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}

/** erf to ~1.5e-7 absolute (enough for float32 storage), much cheaper. */
function erf32(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return x < 0 ? -y : y;
}

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case "abs": for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case "sign": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } return;
    case "exp": for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case "log": for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case "log1p": for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); return;
    case "expm1": for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]); return;
    case "sqrt": for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case "rsqrt": for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); return;
    case "square": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return;
    case "reciprocal": for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case "sin": for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); return;
    case "cos": for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); return;
    case "tan": for (let i = 0; i < n; i++) out[i] = Math.tan(x[i]); return;
    case "tanh": for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case "sigmoid":
      // Split by sign so exp never overflows.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    case "relu": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : v !== v ? v : 0; } return;
    case "step": for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : 0; return;
    case "hardswish": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = (v * Math.min(Math.max(v + 3, 0), 6)) / 6; } return;
    case "hardsigmoid": for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i] + 3, 0), 6) / 6; return;
    case "silu": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v / (1 + Math.exp(-v)); } return;
    case "floor": for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]); return;
    case "ceil": for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]); return;
    case "round":
      // Round half to even, as PyTorch.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const r = Math.round(v);
        out[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      }
      return;
    case "erf":
      if (out instanceof Float64Array) for (let i = 0; i < n; i++) out[i] = erf64(x[i]);
      else for (let i = 0; i < n; i++) out[i] = erf32(x[i]);
      return;
    // NaN counts as true (nonzero), as in PyTorch, so test against 0 rather than truthiness.
    case "logicalNot": for (let i = 0; i < n; i++) out[i] = x[i] === 0 ? 1 : 0; return;
    case "isnan": for (let i = 0; i < n; i++) out[i] = x[i] !== x[i] ? 1 : 0; return;
    case "isfinite": for (let i = 0; i < n; i++) out[i] = Number.isFinite(x[i]) ? 1 : 0; return;
    default: assertNever(op, "unary");
  }
}

function binaryRow(op: BinaryOp, a: TypedArray, ia: number, sa: number, b: TypedArray, ib: number, sb: number, out: TypedArray, o: number, n: number): void {
  const end = o + n;
  switch (op) {
    case "add": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] + b[ib]; return;
    case "sub": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] - b[ib]; return;
    case "mul": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] * b[ib]; return;
    case "div": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] / b[ib]; return;
    case "pow": for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.pow(a[ia], b[ib]); return;
    case "atan2": for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.atan2(a[ia], b[ib]); return;
    case "maximum":
      for (; o < end; o++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; out[o] = x !== x || x > y ? x : y; }
      return;
    case "minimum":
      for (; o < end; o++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; out[o] = x !== x || x < y ? x : y; }
      return;
    case "eq": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] === b[ib] ? 1 : 0; return;
    case "ne": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== b[ib] ? 1 : 0; return;
    case "lt": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] < b[ib] ? 1 : 0; return;
    case "le": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] <= b[ib] ? 1 : 0; return;
    case "gt": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] > b[ib] ? 1 : 0; return;
    case "ge": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] >= b[ib] ? 1 : 0; return;
    case "logicalAnd": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 && b[ib] !== 0 ? 1 : 0; return;
    case "logicalOr": for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 || b[ib] !== 0 ? 1 : 0; return;
    case "logicalXor": for (; o < end; o++, ia += sa, ib += sb) out[o] = (a[ia] !== 0) !== (b[ib] !== 0) ? 1 : 0; return;
    default: assertNever(op, "binary");
  }
}

/**
 * Broadcast strides of `shape` against `outShape` (0 where broadcast), with the
 * dims coalesced where both inputs stay contiguous, so inner loops run long.
 */
function broadcastPlan(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]) {
  const nd = outShape.length;
  const sa: number[] = new Array(nd);
  const sb: number[] = new Array(nd);
  let accA = 1, accB = 1;
  for (let i = nd - 1; i >= 0; i--) {
    const ai = i - (nd - aShape.length);
    const bi = i - (nd - bShape.length);
    const da = ai >= 0 ? aShape[ai] : 1;
    const db = bi >= 0 ? bShape[bi] : 1;
    sa[i] = da === 1 ? 0 : accA;
    sb[i] = db === 1 ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  const shape: number[] = [];
  const stA: number[] = [];
  const stB: number[] = [];
  for (let i = 0; i < nd; i++) {
    const size = outShape[i];
    if (size === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && stA[last] === sa[i] * size && stB[last] === sb[i] * size) {
      shape[last] *= size;
      stA[last] = sa[i];
      stB[last] = sb[i];
    } else {
      shape.push(size);
      stA.push(sa[i]);
      stB.push(sb[i]);
    }
  }
  return { shape, stA, stB };
}

export function binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void {
  const total = out.length;
  if (total === 0) return;
  if (a.length === total && b.length === total) return binaryRow(op, a, 0, 1, b, 0, 1, out, 0, total);
  if (b.length === 1 && a.length === total) return binaryRow(op, a, 0, 1, b, 0, 0, out, 0, total);
  if (a.length === 1 && b.length === total) return binaryRow(op, a, 0, 0, b, 0, 1, out, 0, total);
  const { shape, stA, stB } = broadcastPlan(aShape, bShape, outShape);
  const nd = shape.length;
  if (nd === 0) return binaryRow(op, a, 0, 0, b, 0, 0, out, 0, 1);
  const inner = shape[nd - 1];
  const isa = stA[nd - 1], isb = stB[nd - 1];
  const idx = new Array<number>(nd).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < total; o += inner) {
    binaryRow(op, a, ia, isa, b, ib, isb, out, o, inner);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ia += stA[d];
      ib += stB[d];
      if (idx[d] < shape[d]) break;
      ia -= stA[d] * shape[d];
      ib -= stB[d] * shape[d];
      idx[d] = 0;
    }
  }
}

export function where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = cond[i] ? a[i] : b[i];
}

export function clamp(x: TypedArray, lo: number, hi: number, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // min(max(v, lo), hi): when lo > hi everything becomes hi, as PyTorch; NaN stays NaN.
    const v = x[i];
    const r = v < lo ? lo : v;
    out[i] = r > hi ? hi : r;
  }
}

export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Uint8Array) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] !== 0 ? 1 : 0;
  } else if (out instanceof Int32Array && !(x instanceof Int32Array) && !(x instanceof Uint8Array)) {
    for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
}
