/**
 * Reductions: sum/mean/prod/var/std, max/min (with indices), amax/amin,
 * argmax/argmin, logsumexp, cumsum/cumprod, norm, all/any. Composite ones are built
 * from differentiable primitives so their gradients come for free.
 */
import { allocArray, allocUninit, isFloating, type DType } from "../core/dtype.js";
import { fmtShape, normDim, normDims, numel } from "../core/shape.js";
import { Tensor, allocUninitOn, make, needsGrad, record } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { currentBackend, type ReduceOp } from "../backends/backend.js";
import { where } from "./elementwise.js";
import { argSpec, type ArgSpec, type PyArgs } from "./args.js";

type Dims = number | number[] | null | undefined;

function keepShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/** Raw reduction over dims with keepdim shape; no autograd. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: number[], outDtype: DType): Tensor {
  let cur = x.dtype === outDtype ? x : x.detach().to(outDtype);
  const shape = x.shape.slice();
  // A 0-dim tensor reduces to itself (even with dim 0 and keepdim).
  if (dims.length === 0 || x.ndim === 0) return cur === x ? x.detach().clone() : cur;
  // Reduce contiguous runs of dims in one kernel call each, from the last run.
  const sorted = dims.slice().sort((a, b) => b - a);
  let i = 0;
  while (i < sorted.length) {
    let hi = sorted[i];
    let lo = hi;
    while (i + 1 < sorted.length && sorted[i + 1] === lo - 1) lo = sorted[++i];
    i++;
    const outer = numel(shape.slice(0, lo));
    const r = numel(shape.slice(lo, hi + 1));
    const inner = numel(shape.slice(hi + 1));
    if (r === 0 && (op === "max" || op === "min")) {
      throw new Error(`${op}: cannot reduce over a zero-size dim (shape ${fmtShape(x.shape)}); the result has no identity`);
    }
    for (let k = lo; k <= hi; k++) shape[k] = 1;
    const out = make(allocUninitOn(x.device, outDtype, outer * inner), shape.slice(), outDtype);
    currentBackend().reduce(op, cur._buf, outer, r, inner, out._buf);
    cur = out;
  }
  return cur;
}

// `dim` and `keepdim` by position or by name (`x.sum(1, true)` = `x.sum({dim: 1, keepdim: true})`).
const DK = ["dim", "keepdim"] as const;
type DimOpts<D> = { dim?: D; keepdim?: boolean };
const RS = Object.fromEntries(["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "logsumexp", "all", "any"]
  .map((n) => [n, argSpec(`my.${n}`, 1, DK)])) as Record<string, ArgSpec<readonly string[]>>;
// var/std keep the contract's (dim, keepdim, {correction}) order, which differs from
// PyTorch's positional (dim, unbiased, keepdim): see docs/coming-from-pytorch.md.
const VAR_NAMES = ["dim", "keepdim", "*", "correction", "unbiased"] as const;
type VarOpts = DimOpts<Dims> & CorrectionOptions;
RS.var = argSpec("my.var", 1, VAR_NAMES, [], { correction: [(v) => typeof v === "number", "a number"], unbiased: [(v) => typeof v === "boolean", "a boolean"] });
RS.std = argSpec("my.std", 1, VAR_NAMES, [], { correction: [(v) => typeof v === "number", "a number"], unbiased: [(v) => typeof v === "boolean", "a boolean"] });

function finishShape(t: Tensor, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  if (keepdim) return t;
  return t.reshape(x.shape.filter((_, i) => !dims.includes(i)));
}

/** Broadcast a reduced gradient back to the input shape. */
function expandBack(g: Tensor, xShape: number[], dims: number[], keepdim: boolean): Tensor {
  const ks = keepShape(xShape, dims);
  return (keepdim ? g : g.reshape(ks)).expand(xShape);
}

/** Sum over dims (all by default). Ints and bools sum to int32. @example x.sum(1, true) */
export function sum(x: Tensor, ...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.sum.parse<DimOpts<Dims>>(args);
  const dims = normDims(dim, x.ndim, "sum");
  const dt: DType = isFloating(x.dtype) ? x.dtype : "int32";
  const out = finishShape(reduceRaw("sum", x, dims, dt), x, dims, keepdim);
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, "SumBackward", [x], (g) => [expandBack(g, xs, dims, keepdim)]);
  }
  return out;
}

/** Mean over dims (floating inputs only, as PyTorch). */
export function mean(x: Tensor, ...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.mean.parse<DimOpts<Dims>>(args);
  if (!isFloating(x.dtype)) {
    throw new TypeError(`mean: input dtype must be floating point, got ${x.dtype}; convert with .float() first`);
  }
  const dims = normDims(dim, x.ndim, "mean");
  const n = numel(dims.map((d) => x.shape[d]));
  return sum(x, dims, keepdim).div(n);
}

/** Product over dims. */
export function prod(x: Tensor, ...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.prod.parse<DimOpts<number | null>>(args);
  const dims = normDims(dim, x.ndim, "prod");
  const dt: DType = isFloating(x.dtype) ? x.dtype : "int32";
  const out = finishShape(reduceRaw("prod", x, dims, dt), x, dims, keepdim);
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, "ProdBackward", [x], (g) => {
      const gx = expandBack(g, xs, dims, keepdim);
      const o = expandBack(out, xs, dims, keepdim);
      if (!hasZero(x)) return [gx.mul(o).div(x)];
      // With zeros the quotient is 0/0: use the product of the other elements, built from
      // differentiable ops so double backward works too.
      return [gx.mul(productOfOthers(x, dims))];
    }, [x, out]);
  }
  return out;
}

function hasZero(x: Tensor): boolean {
  const d = x._data;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return true;
  return false;
}

/** A bool [n, n] mask: the diagonal (diag), or j >= i (upper). */
function squareMask(n: number, kind: "diag" | "upper"): Tensor {
  const m = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) if (kind === "upper" || j === i) m[i * n + j] = 1;
  return make(m, [n, n], "bool");
}

/**
 * For each element, the product of the others along the reduced dims (all dims, or the
 * one given): row j of an [n, n] expansion with x_j replaced by 1, reduced with prod.
 */
function productOfOthers(x: Tensor, dims: number[]): Tensor {
  const all = dims.length === x.ndim;
  const xt = all ? x.reshape(-1) : x.movedim(dims[0], -1);
  const n = xt.shape[xt.ndim - 1];
  const rows = xt.unsqueeze(-2).expand([...xt.shape.slice(0, -1), n, n]);
  const others = prod(where(squareMask(n, "diag").to(x.device), 1, rows), -1);
  return all ? others.reshape(x.shape) : others.movedim(-1, dims[0]);
}

/** Options of {@link variance} and {@link std}. */
export interface CorrectionOptions {
  /** Bessel-style correction: divide by N - correction (default 1). */
  correction?: number;
  /** Legacy flag: unbiased=false means correction 0. */
  unbiased?: boolean;
}

/** Variance over dims, dividing by N - correction (default 1). */
export function variance(x: Tensor, ...args: PyArgs<VarOpts, typeof VAR_NAMES>): Tensor {
  const { dim, keepdim = false, ...opts } = RS.var.parse<VarOpts>(args);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  const dims = normDims(dim, x.ndim, "var");
  const n = numel(dims.map((d) => x.shape[d]));
  const centered = x.sub(mean(x, dims, true));
  return sum(centered.square(), dims, keepdim).div(Math.max(0, n - correction));
}

/** Standard deviation: sqrt(var). */
export function std(x: Tensor, ...args: PyArgs<VarOpts, typeof VAR_NAMES>): Tensor {
  return variance(x, RS.std.parse<VarOpts>(args)).sqrt();
}

function extremeAll(op: "max" | "min", x: Tensor, dims: number[], keepdim: boolean): Tensor {
  if (x.numel() === 0) throw new Error(`${op === "max" ? "amax" : "amin"}: cannot reduce an empty tensor (shape ${fmtShape(x.shape)})`);
  const out = finishShape(reduceRaw(op, x, dims, x.dtype), x, dims, keepdim);
  if (needsGrad(x)) {
    const xs = x.shape.slice();
    record(out, op === "max" ? "AmaxBackward" : "AminBackward", [x], (g) => {
      // Ties share the gradient evenly.
      const o = expandBack(out, xs, dims, keepdim);
      const mask = x.eq(o).to(g.dtype);
      const count = sum(mask, dims, true);
      return [expandBack(g, xs, dims, keepdim).mul(mask).div(count.expand(xs))];
    }, [x, out]);
  }
  return out;
}

/** Maximum over dims (ties share the gradient). */
export function amax(x: Tensor, ...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.amax.parse<DimOpts<Dims>>(args);
  return extremeAll("max", x, normDims(dim, x.ndim, "amax"), keepdim);
}

/** Minimum over dims (ties share the gradient). */
export function amin(x: Tensor, ...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.amin.parse<DimOpts<Dims>>(args);
  return extremeAll("min", x, normDims(dim, x.ndim, "amin"), keepdim);
}

function argRaw(op: "argmax" | "argmin", x: Tensor, d: number): Tensor {
  const outer = numel(x.shape.slice(0, d)), r = x.shape[d], inner = numel(x.shape.slice(d + 1));
  if (r === 0) throw new Error(`${op}: cannot take ${op} over a zero-size dim (shape ${fmtShape(x.shape)})`);
  const out = make(allocUninitOn(x.device, "int32", outer * inner), keepShape(x.shape, [d]), "int32");
  currentBackend().argReduce(op, x._buf, outer, r, inner, out._buf as Int32Array);
  return out;
}

/** Index of the max (over the flattened tensor, or along dim). */
export function argmax(x: Tensor, ...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.argmax.parse<DimOpts<number | null>>(args);
  if (dim === undefined || dim === null) return argRaw("argmax", x.reshape(-1), 0).reshape([]);
  const d = normDim(dim, x.ndim, "argmax");
  const r = argRaw("argmax", x.ndim === 0 ? x.reshape(1) : x, x.ndim === 0 ? 0 : d);
  return keepdim && x.ndim > 0 ? r : r.reshape(x.shape.filter((_, i) => i !== d));
}

/** Index of the min (over the flattened tensor, or along dim). */
export function argmin(x: Tensor, ...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.argmin.parse<DimOpts<number | null>>(args);
  if (dim === undefined || dim === null) return argRaw("argmin", x.reshape(-1), 0).reshape([]);
  const d = normDim(dim, x.ndim, "argmin");
  const r = argRaw("argmin", x.ndim === 0 ? x.reshape(1) : x, x.ndim === 0 ? 0 : d);
  return keepdim && x.ndim > 0 ? r : r.reshape(x.shape.filter((_, i) => i !== d));
}

function maxMinDim(op: "max" | "min", x: Tensor, dim: number, keepdim: boolean): [Tensor, Tensor] {
  const d = normDim(dim, x.ndim, op);
  const xx = x.ndim === 0 ? x.reshape(1) : x;
  const idx = argRaw(op === "max" ? "argmax" : "argmin", xx, x.ndim === 0 ? 0 : d);
  const values = xx.gather(x.ndim === 0 ? 0 : d, idx);
  if (keepdim || x.ndim === 0) return [x.ndim === 0 ? values.reshape([]) : values, x.ndim === 0 ? idx.reshape([]) : idx];
  const s = x.shape.filter((_, i) => i !== d);
  return [values.reshape(s), idx.reshape(s)];
}

/** Max of all elements, or `[values, indices]` along dim. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? amax(x) : maxMinDim("max", x, dim, keepdim);
}

/** Min of all elements, or `[values, indices]` along dim. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): [Tensor, Tensor];
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | [Tensor, Tensor] {
  return dim === undefined ? amin(x) : maxMinDim("min", x, dim, keepdim);
}

/** log(sum(exp(x))) over dims, computed stably. */
export function logsumexp(x: Tensor, ...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.logsumexp.parse<DimOpts<Dims>>(args);
  const dims = normDims(dim, x.ndim, "logsumexp");
  const m = noGrad(() => {
    // Over an empty dim the result is log(0) = -inf; no max to subtract.
    if (x.numel() === 0) return make(allocArray(x.dtype, 1), [], x.dtype).to(x.device);
    const a = amax(x, dims, true);
    return where(a.isfinite(), a, 0);
  });
  const r = x.sub(m).exp().sum(dims, true).log().add(m);
  return keepdim ? r : r.reshape(x.shape.filter((_, i) => !dims.includes(i)));
}

function cumulative(op: "sum" | "prod", x: Tensor, dim: number): Tensor {
  const name = op === "sum" ? "cumsum" : "cumprod";
  const d = normDim(dim, x.ndim, name);
  const dt: DType = isFloating(x.dtype) ? x.dtype : "int32";
  const xin = x.dtype === dt ? x : x.to(dt);
  const shape = x.shape.slice();
  const out = x.ndim === 0 ? xin.detach().clone() : make(allocUninitOn(x.device, dt, xin.numel()), shape, dt);
  if (x.ndim !== 0) currentBackend().cumulative(op, xin._buf, numel(shape.slice(0, d)), shape[d], numel(shape.slice(d + 1)), out._buf);
  if (needsGrad(xin)) {
    if (op === "sum") {
      record(out, "CumsumBackward", [xin], (g) => [x.ndim === 0 ? g : g.flip(d).cumsum(d).flip(d)]);
    } else {
      record(out, "CumprodBackward", [xin], (g) => {
        if (x.ndim === 0) return [g];
        // Nonzero inputs: d out_j / d x_i = out_j / x_i for j >= i.
        if (!hasZero(xin)) return [g.mul(out).flip(d).cumsum(d).flip(d).div(xin)];
        // With zeros: row i is the cumprod with x_i replaced by 1, summed against g over j >= i.
        const xt = xin.movedim(d, -1);
        const n = xt.shape[xt.ndim - 1];
        const rows = xt.unsqueeze(-2).expand([...xt.shape.slice(0, -1), n, n]);
        const partial = where(squareMask(n, "diag").to(x.device), 1, rows).cumprod(-1);
        const gi = where(squareMask(n, "upper").to(x.device), partial, 0).mul(g.movedim(d, -1).unsqueeze(-2)).sum(-1);
        return [gi.movedim(-1, d)];
      }, [xin, out]);
    }
  }
  return out;
}

/** Running sum along dim. */
export function cumsum(x: Tensor, dim: number): Tensor {
  return cumulative("sum", x, dim);
}

/** Running product along dim (gradient assumes nonzero inputs). */
export function cumprod(x: Tensor, dim: number): Tensor {
  return cumulative("prod", x, dim);
}

/**
 * Vector p-norm over dims (all by default): p = 2 (default), 1, Infinity,
 * -Infinity, 0 or any positive number. The 2-norm's gradient at 0 is 0, as PyTorch.
 */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor {
  const pp = p === "fro" ? 2 : p;
  const dims = normDims(dim, x.ndim, "norm");
  if (!isFloating(x.dtype)) throw new TypeError(`norm: input must be floating point, got ${x.dtype}`);
  if (pp === 2) {
    const out = noGrad(() => sum(x.square(), dims, keepdim).sqrt());
    if (needsGrad(x)) {
      const xs = x.shape.slice();
      record(out, "NormBackward", [x], (g) => {
        const o = expandBack(out, xs, dims, keepdim);
        const scale = where(o.eq(0), 0, expandBack(g, xs, dims, keepdim).div(o));
        return [x.mul(scale)];
      }, [x, out]);
    }
    return out;
  }
  if (pp === 1) return sum(x.abs(), dims, keepdim);
  if (pp === Infinity) return amax(x.abs(), dims, keepdim);
  if (pp === -Infinity) return amin(x.abs(), dims, keepdim);
  if (pp === 0) {
    // The count of nonzeros is piecewise constant: connected to x with a zero gradient, as PyTorch.
    const out = noGrad(() => sum(x.ne(0).to(x.dtype), dims, keepdim));
    if (needsGrad(x)) record(out, "NormBackward", [x], () => [make(allocArray(x.dtype, x.numel()), x.shape.slice(), x.dtype)]);
    return out;
  }
  return sum(x.abs().pow(pp), dims, keepdim).pow(1 / pp);
}

/** True if every element (along dims) is nonzero. */
export function all(x: Tensor, ...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.all.parse<DimOpts<number | null>>(args);
  const dims = normDims(dim, x.ndim, "all");
  // Count the zeros: none means all true (also over empty dims, where min has no identity).
  const zeros = finishShape(reduceRaw("sum", x.eq(0).to("int32"), dims, "int32"), x, dims, keepdim);
  return zeros.eq(0);
}

/** True if any element (along dims) is nonzero. */
export function any(x: Tensor, ...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor {
  const { dim, keepdim = false } = RS.any.parse<DimOpts<number | null>>(args);
  const dims = normDims(dim, x.ndim, "any");
  return finishShape(reduceRaw("sum", x.ne(0).to("int32"), dims, "int32"), x, dims, keepdim).to("bool");
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link sum}. */ sum(...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor;
    /** Method form of {@link mean}. */ mean(...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor;
    /** Method form of {@link prod}. */ prod(...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor;
    /** Method form of {@link variance}. */ var(...args: PyArgs<VarOpts, typeof VAR_NAMES>): Tensor;
    /** Method form of {@link std}. */ std(...args: PyArgs<VarOpts, typeof VAR_NAMES>): Tensor;
    /** Method form of {@link amax}. */ amax(...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor;
    /** Method form of {@link amin}. */ amin(...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor;
    /** Method form of {@link max}. */ max(): Tensor;
    /** Method form of {@link max}. */ max(dim: number, keepdim?: boolean): [Tensor, Tensor];
    /** Method form of {@link min}. */ min(): Tensor;
    /** Method form of {@link min}. */ min(dim: number, keepdim?: boolean): [Tensor, Tensor];
    /** Method form of {@link argmax}. */ argmax(...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor;
    /** Method form of {@link argmin}. */ argmin(...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor;
    /** Method form of {@link logsumexp}. */ logsumexp(...args: PyArgs<DimOpts<Dims>, typeof DK>): Tensor;
    /** Method form of {@link cumsum}. */ cumsum(dim: number): Tensor;
    /** Method form of {@link cumprod}. */ cumprod(dim: number): Tensor;
    /** Method form of {@link norm}. */ norm(p?: number | "fro", dim?: Dims, keepdim?: boolean): Tensor;
    /** Method form of {@link all}. */ all(...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor;
    /** Method form of {@link any}. */ any(...args: PyArgs<DimOpts<number | null>, typeof DK>): Tensor;
  }
}

const P = Tensor.prototype;
P.sum = function (...a) { return sum(this, ...a); };
P.mean = function (...a) { return mean(this, ...a); };
P.prod = function (...a) { return prod(this, ...a); };
P.var = function (...a) { return variance(this, ...a); };
P.std = function (...a) { return std(this, ...a); };
P.amax = function (...a) { return amax(this, ...a); };
P.amin = function (...a) { return amin(this, ...a); };
P.max = function (this: Tensor, d?: number, k?: boolean) { return d === undefined ? amax(this) : maxMinDim("max", this, d, k ?? false); } as Tensor["max"];
P.min = function (this: Tensor, d?: number, k?: boolean) { return d === undefined ? amin(this) : maxMinDim("min", this, d, k ?? false); } as Tensor["min"];
P.argmax = function (...a) { return argmax(this, ...a); };
P.argmin = function (...a) { return argmin(this, ...a); };
P.logsumexp = function (...a) { return logsumexp(this, ...a); };
P.cumsum = function (d) { return cumsum(this, d); };
P.cumprod = function (d) { return cumprod(this, d); };
P.norm = function (p, d, k) { return norm(this, p, d, k); };
P.all = function (...a) { return all(this, ...a); };
P.any = function (...a) { return any(this, ...a); };
