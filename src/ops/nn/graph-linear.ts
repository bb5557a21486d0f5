/**
 * The node-feature projection of the graph layers, `x Wᵀ + b`, with a sparse fast
 * path. Graph benchmarks (Cora, Citeseer, PubMed) have bag-of-words features that
 * are ~99% zeros, so for a constant input (no gradient needed) that is mostly zeros
 * we multiply through a CSR copy of x — O(nnz·out) instead of O(N·in·out) — in
 * both the forward and the weight gradient. The CSR copy is cached per storage and
 * rebuilt when the tensor is modified in place (version counter). The result equals
 * `F.linear` up to float summation order.
 */
import { Tensor, make, record } from "../../core/tensor.js";
import { allocArray, type TypedArray } from "../../core/dtype.js";
import { isGradEnabled } from "../../core/autograd.js";
import { defaultGenerator, type Generator } from "../../core/random.js";
import { linear } from "./linear.js";
import { dropout } from "./dropout.js";

interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** Density at or below which the sparse path is taken. */
const MAX_DENSITY = 0.2;
/** Inputs smaller than this always take the dense path (the scan would not pay). */
const MIN_NUMEL = 4096;

const cache = new WeakMap<TypedArray, { version: number; cols: number; csr: Csr | null }>();

function csrOf(x: Tensor): Csr | null {
  const [rows, cols] = x.shape;
  const hit = cache.get(x._data);
  if (hit && hit.version === x._version.v && hit.cols === cols) return hit.csr;
  const d = x._data;
  let nnz = 0;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) nnz++;
  let csr: Csr | null = null;
  if (nnz <= MAX_DENSITY * d.length) {
    const indptr = new Int32Array(rows + 1), indices = new Int32Array(nnz), values = new Float64Array(nnz);
    let p = 0;
    for (let r = 0; r < rows; r++) {
      const off = r * cols;
      for (let c = 0; c < cols; c++) {
        const v = d[off + c];
        if (v !== 0) { indices[p] = c; values[p] = v; p++; }
      }
      indptr[r + 1] = p;
    }
    csr = { rows, cols, indptr, indices, values };
  }
  cache.set(x._data, { version: x._version.v, cols, csr });
  return csr;
}

/** X Wᵀ for CSR X [N, K] and dense W [O, K] → [N, O]; differentiable in W. */
function csrTimesWT(a: Csr, w: Tensor): Tensor {
  const [O, K] = w.shape;
  const wd = w._data;
  const wt = new Float64Array(K * O); // Wᵀ, so each nonzero reads one contiguous row
  for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) wt[k * O + o] = wd[o * K + k];
  const out = allocArray(w.dtype, a.rows * O);
  const acc = new Float64Array(O);
  const { indptr, indices, values } = a;
  for (let r = 0; r < a.rows; r++) {
    acc.fill(0);
    for (let p = indptr[r], end = indptr[r + 1]; p < end; p++) {
      const v = values[p], off = indices[p] * O;
      for (let o = 0; o < O; o++) acc[o] += v * wt[off + o];
    }
    const ro = r * O;
    for (let o = 0; o < O; o++) out[ro + o] = acc[o];
  }
  const y = make(out, [a.rows, O], w.dtype);
  if (w.requiresGrad && isGradEnabled()) record(y, "SparseLinearBackward", [w], (g) => [gTimesCsr(a, g)]);
  return y;
}

/** Gᵀ X for G [N, O] and CSR X [N, K] → [O, K] (the weight gradient); differentiable in G. */
function gTimesCsr(a: Csr, g: Tensor): Tensor {
  const O = g.shape[1], K = a.cols;
  const gd = g._data;
  const acc = new Float64Array(K * O);
  const gr = new Float64Array(O);
  const { indptr, indices, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const go = r * O;
    for (let o = 0; o < O; o++) gr[o] = gd[go + o];
    for (let p = indptr[r], end = indptr[r + 1]; p < end; p++) {
      const v = values[p], off = indices[p] * O;
      for (let o = 0; o < O; o++) acc[off + o] += v * gr[o];
    }
  }
  const out = allocArray(g.dtype, O * K);
  for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) out[o * K + k] = acc[k * O + o];
  const y = make(out, [O, K], g.dtype);
  if (g.requiresGrad && isGradEnabled()) record(y, "SparseLinearWeightGradBackward", [g], (h) => [csrTimesWT(a, h)]);
  return y;
}

/**
 * `F.linear(x, weight, bias)` that multiplies through a cached CSR copy of x when x
 * is a constant 2-D input with at most 20% nonzeros (bag-of-words node features).
 * @example const h = linearSparseAware(x, this.lin.weight, null); // [N, in] → [N, out]
 */
export function linearSparseAware(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  if (x.ndim !== 2 || x.requiresGrad || x.numel() < MIN_NUMEL || x.dtype !== weight.dtype || weight.ndim !== 2 || weight.shape[1] !== x.shape[1]) {
    return linear(x, weight, bias);
  }
  const csr = csrOf(x);
  if (!csr) return linear(x, weight, bias);
  const y = csrTimesWT(csr, weight);
  return bias ? y.add(bias) : y;
}

/**
 * Dropout for sparse node features (bag-of-words inputs): each nonzero is zeroed with
 * probability p and the rest scaled by 1/(1-p) — the same distribution as
 * `F.dropout`, whose zeros stay zero anyway — but only the nonzeros are drawn, and
 * the result's CSR copy is registered so the next `GCNConv`/`GATConv` projection
 * needs no rescan. Falls back to `F.dropout` for inputs that need gradients or are
 * not sparse. Identity when `training` is false or p = 0.
 * @example const xIn = nn.graph.sparseDropout(x, 0.5, model.training);
 */
export function sparseDropout(x: Tensor, p = 0.5, training = true, opts: { generator?: Generator } = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`sparseDropout: dropout probability has to be between 0 and 1, got ${p}`);
  if (!training || p === 0) return x;
  const csr = x.ndim === 2 && !x.requiresGrad && x.numel() >= MIN_NUMEL && (x.dtype === "float32" || x.dtype === "float64") ? csrOf(x) : null;
  if (!csr) return dropout(x, p, training, opts);
  const gen = opts.generator ?? defaultGenerator;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const out = allocArray(x.dtype, x.numel());
  const { indptr, indices, values } = csr;
  const kept = new Float64Array(values.length);
  for (let r = 0; r < csr.rows; r++) {
    const off = r * csr.cols;
    for (let q = indptr[r]; q < indptr[r + 1]; q++) {
      const v = gen.random() >= p ? values[q] * scale : 0;
      kept[q] = v;
      out[off + indices[q]] = v;
    }
  }
  const y = make(out, x.shape.slice(), x.dtype);
  cache.set(out, { version: y._version.v, cols: csr.cols, csr: { ...csr, values: kept } });
  return y;
}
