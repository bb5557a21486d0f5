/**
 * `nn.graph`: PyTorch Geometric's edge-list utilities — validation of `edgeIndex`,
 * self-loop handling, degrees, and the differentiable segment ops message passing is
 * built from (`scatter` sum/mean/max/min, segment `softmax`, `propagate`). They are
 * composed from `indexSelect` / `indexAdd` / `scatterReduce`, except the hot
 * sum-aggregation `spmm`, one fused loop whose backward is again `spmm` plus
 * indexSelect products; so gradients and double backward work everywhere, and the
 * cost is O(E·F): no per-edge closures and never a dense N×N matrix.
 *
 * Exports (as `nn.graph.*`): checkEdgeIndex, checkEdgeWeight, maybeNumNodes,
 * indexTensor, splitEdges, removeSelfLoops, addSelfLoops, addRemainingSelfLoops,
 * degree, scatter, softmax, propagate, spmm, gcnNorm, sparseDropout. The layers
 * (`nn.GCNConv` …) and pools (`nn.globalMeanPool` …) live in layers/graph-*.ts.
 *
 * An `edgeIndex` is an int32 tensor [2, E]; column e is the edge
 * `edgeIndex[0][e] → edgeIndex[1][e]` (source → target), so messages flow from row 0
 * to row 1 and aggregation groups edges by their target.
 * @module
 */
import { Tensor, make, record } from "../../core/tensor.js";
import { allocArray, isFloating, type DType } from "../../core/dtype.js";
import { isGradEnabled, noGrad } from "../../core/autograd.js";
import { fmtShape } from "../../core/shape.js";
import { indexAdd, scatter as scatterSet, scatterReduce } from "../indexing.js";
import { cat } from "../shape.js";
import { ones, zeros } from "../creation.js";
export { sparseDropout } from "./graph-linear.js";
import { where } from "../elementwise.js";

/** Source and target node ids of a validated edge list (views into its storage). */
export interface Edges {
  /** edgeIndex[0]: source node of each edge. */
  src: Int32Array;
  /** edgeIndex[1]: target node of each edge. */
  dst: Int32Array;
  /** Number of edges E. */
  numEdges: number;
}

/**
 * Checks that `edgeIndex` is an int32 tensor [2, E] whose node ids lie in
 * [0, numNodes), throwing an error that names `op`, the shape and the rule broken.
 * @example const { src, dst } = nn.graph.checkEdgeIndex(edgeIndex, x.shape[0], "GCNConv");
 */
export function checkEdgeIndex(edgeIndex: Tensor, numNodes: number, op = "checkEdgeIndex"): Edges {
  if (!(edgeIndex instanceof Tensor)) {
    throw new TypeError(`${op}: edgeIndex must be an int32 Tensor of shape [2, E], got ${edgeIndex === null ? "null" : typeof edgeIndex}`);
  }
  if (edgeIndex.dtype !== "int32") {
    throw new TypeError(`${op}: edgeIndex must be an int32 tensor of shape [2, E], got dtype ${edgeIndex.dtype} (shape ${fmtShape(edgeIndex.shape)})${isFloating(edgeIndex.dtype) ? "; convert node ids with .int()" : ""}`);
  }
  if (edgeIndex.ndim !== 2 || edgeIndex.shape[0] !== 2) {
    throw new Error(`${op}: edgeIndex must have shape [2, E] (row 0 = source nodes, row 1 = target nodes), got ${fmtShape(edgeIndex.shape)}${edgeIndex.ndim === 2 && edgeIndex.shape[1] === 2 ? "; transpose an [E, 2] edge list with .t()" : ""}`);
  }
  const E = edgeIndex.shape[1];
  const d = edgeIndex._data as Int32Array;
  for (let i = 0; i < 2 * E; i++) {
    const v = d[i];
    if (v < 0 || v >= numNodes) {
      const where = `edgeIndex[${i < E ? 0 : 1}][${i % E}] = ${v}`;
      throw new RangeError(v < 0
        ? `${op}: ${where} is negative; node ids must lie in [0, ${numNodes}) (edgeIndex ${fmtShape(edgeIndex.shape)})`
        : `${op}: ${where} is out of range for ${numNodes} nodes; node ids must lie in [0, ${numNodes}) (edgeIndex ${fmtShape(edgeIndex.shape)})`);
    }
  }
  return { src: d.subarray(0, E), dst: d.subarray(E, 2 * E), numEdges: E };
}

/** Checks an optional per-edge weight vector [E] and returns it (or null). */
export function checkEdgeWeight(edgeWeight: Tensor | null | undefined, numEdges: number, op: string): Tensor | null {
  if (edgeWeight === null || edgeWeight === undefined) return null;
  if (!(edgeWeight instanceof Tensor)) throw new TypeError(`${op}: edgeWeight must be a Tensor of shape [E], got ${typeof edgeWeight}`);
  if (!isFloating(edgeWeight.dtype)) throw new TypeError(`${op}: edgeWeight must be floating point, got ${edgeWeight.dtype}`);
  if (edgeWeight.ndim !== 1 || edgeWeight.shape[0] !== numEdges) {
    throw new Error(`${op}: edgeWeight must have shape [E] = [${numEdges}] (one weight per edgeIndex column), got ${fmtShape(edgeWeight.shape)}`);
  }
  return edgeWeight;
}

/** The number of nodes an edge list implies: `numNodes` if given, else max id + 1 (PyG's maybe_num_nodes). */
export function maybeNumNodes(index: Tensor, numNodes?: number | null): number {
  if (numNodes !== undefined && numNodes !== null) return numNodes;
  const d = index._data as Int32Array;
  let m = -1;
  for (let i = 0; i < d.length; i++) if (d[i] > m) m = d[i];
  return m + 1;
}

/** An int32 [n] tensor copied from `ids`. */
export function indexTensor(ids: Int32Array | number[]): Tensor {
  return make(Int32Array.from(ids), [ids.length], "int32");
}

function edgeTensor(src: ArrayLike<number>, dst: ArrayLike<number>): Tensor {
  const E = src.length;
  const d = new Int32Array(2 * E);
  for (let i = 0; i < E; i++) { d[i] = src[i]; d[E + i] = dst[i]; }
  return make(d, [2, E], "int32");
}

/**
 * Removes every self loop (i → i); returns the remaining edges and their attributes
 * (PyG's `remove_self_loops`).
 */
export function removeSelfLoops(edgeIndex: Tensor, edgeAttr: Tensor | null = null): [Tensor, Tensor | null] {
  const { src, dst, numEdges } = checkEdgeIndex(edgeIndex, 2 ** 31 - 1, "removeSelfLoops");
  const keep: number[] = [];
  for (let e = 0; e < numEdges; e++) if (src[e] !== dst[e]) keep.push(e);
  const ks = keep.map((e) => src[e]), kd = keep.map((e) => dst[e]);
  return [edgeTensor(ks, kd), edgeAttr ? edgeAttr.indexSelect(0, indexTensor(keep)) : null];
}

/** Options of the self-loop helpers. */
export interface SelfLoopOptions {
  /** Per-edge attributes [E] or [E, D] to extend (optional). */
  edgeAttr?: Tensor | null;
  /** Attribute value of the new loops (default 1). */
  fillValue?: number;
  /** Number of nodes (default: max node id + 1). */
  numNodes?: number;
}

function loopAttr(edgeAttr: Tensor, n: number, fill: number): Tensor {
  const shape = [n, ...edgeAttr.shape.slice(1)];
  return make(allocArray(edgeAttr.dtype, shape.reduce((a, b) => a * b, 1)).fill(fill), shape, edgeAttr.dtype);
}

/**
 * Appends a self loop i → i for every node (after the existing edges, in node
 * order) with attribute `fillValue`; existing loops are kept (PyG's `add_self_loops`).
 * @example const [ei, w] = nn.graph.addSelfLoops(edgeIndex, { numNodes: 4 });
 */
export function addSelfLoops(edgeIndex: Tensor, opts: SelfLoopOptions = {}): [Tensor, Tensor | null] {
  const n = maybeNumNodes(edgeIndex, opts.numNodes);
  const { src, dst } = checkEdgeIndex(edgeIndex, n, "addSelfLoops");
  const loops = Int32Array.from({ length: n }, (_, i) => i);
  const ei = edgeTensor(Int32Array.from([...src, ...loops]), Int32Array.from([...dst, ...loops]));
  const a = opts.edgeAttr ?? null;
  return [ei, a ? cat([a, loopAttr(a, n, opts.fillValue ?? 1)], 0) : null];
}

/**
 * Makes every node have exactly one self loop: existing loops are removed from the
 * edge list and one loop per node is appended in node order; a node that had a loop
 * keeps that loop's attribute (the last one if several), the others get `fillValue`
 * (PyG's `add_remaining_self_loops`, used by GCNConv).
 */
export function addRemainingSelfLoops(edgeIndex: Tensor, opts: SelfLoopOptions = {}): [Tensor, Tensor | null] {
  const n = maybeNumNodes(edgeIndex, opts.numNodes);
  const { src, dst, numEdges } = checkEdgeIndex(edgeIndex, n, "addRemainingSelfLoops");
  const keep: number[] = [], loopEdges: number[] = [], loopNodes: number[] = [];
  for (let e = 0; e < numEdges; e++) {
    if (src[e] !== dst[e]) keep.push(e);
    else { loopEdges.push(e); loopNodes.push(src[e]); }
  }
  const s = new Int32Array(keep.length + n), t = new Int32Array(keep.length + n);
  keep.forEach((e, i) => { s[i] = src[e]; t[i] = dst[e]; });
  for (let i = 0; i < n; i++) s[keep.length + i] = t[keep.length + i] = i;
  const ei = edgeTensor(s, t);
  const a = opts.edgeAttr ?? null;
  if (!a) return [ei, null];
  let loops = loopAttr(a, n, opts.fillValue ?? 1);
  if (loopEdges.length) {
    const rows = a.indexSelect(0, indexTensor(loopEdges));
    const idx = expandIndex(indexTensor(loopNodes), rows.shape);
    loops = scatterSet(loops, 0, idx, rows); // later loops win, as PyTorch's index_put
  }
  return [ei, cat([a.indexSelect(0, indexTensor(keep)), loops], 0)];
}

/**
 * Number of entries of `index` equal to each node id: in-degree for
 * `edgeIndex[1]`, out-degree for `edgeIndex[0]` (PyG's `degree`).
 */
export function degree(index: Tensor, numNodes?: number, opts: { dtype?: DType } = {}): Tensor {
  if (!(index instanceof Tensor) || index.dtype !== "int32" || index.ndim !== 1) {
    throw new TypeError(`degree: index must be a 1-D int32 tensor, got ${index instanceof Tensor ? `${index.dtype} ${fmtShape(index.shape)}` : typeof index}`);
  }
  const n = maybeNumNodes(index, numNodes);
  const d = index._data as Int32Array;
  const out = allocArray(opts.dtype ?? "float32", n);
  for (let i = 0; i < d.length; i++) {
    if (d[i] < 0 || d[i] >= n) throw new RangeError(`degree: index ${d[i]} is out of range for ${n} nodes`);
    out[d[i]]++;
  }
  return make(out, [n], opts.dtype ?? "float32");
}

/** int32 index [E] repeated over the trailing dims of `shape` ([E, ...]) for scatterReduce. */
function expandIndex(index: Tensor, shape: readonly number[]): Tensor {
  const E = index.shape[0];
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  if (inner === 1 && shape.length === 1) return index;
  const src = index._data as Int32Array;
  const d = new Int32Array(E * inner);
  for (let e = 0; e < E; e++) d.fill(src[e], e * inner, (e + 1) * inner);
  return make(d, shape.slice(), "int32");
}

/** Reductions `scatter` supports ("add" is PyG's alias of "sum"). */
export type GraphReduce = "sum" | "add" | "mean" | "max" | "min";

/**
 * Reduces rows of `src` [E, ...] into `dimSize` groups given by `index` [E] (dim 0):
 * sum, mean, max or min; groups that receive nothing are 0, as PyG's `scatter`.
 * Differentiable in `src` (max/min split the gradient among ties, as PyTorch).
 * @example nn.graph.scatter(msgs, dst, { dimSize: n, reduce: "mean" }) // [E, F] → [n, F]
 */
export function scatter(src: Tensor, index: Tensor, opts: { dimSize?: number; reduce?: GraphReduce } = {}): Tensor {
  const reduce = opts.reduce ?? "sum";
  if (!(index instanceof Tensor) || index.dtype !== "int32" || index.ndim !== 1) {
    throw new TypeError(`scatter: index must be a 1-D int32 tensor, got ${index instanceof Tensor ? `${index.dtype} ${fmtShape(index.shape)}` : typeof index}`);
  }
  if (src.ndim < 1 || src.shape[0] !== index.shape[0]) {
    throw new Error(`scatter: src ${fmtShape(src.shape)} must have index's length ${index.shape[0]} in dim 0`);
  }
  const n = opts.dimSize ?? maybeNumNodes(index);
  const outShape = [n, ...src.shape.slice(1)];
  const base = zeros(outShape, { dtype: src.dtype });
  if (reduce === "sum" || reduce === "add") return indexAdd(base, 0, index, src);
  if (reduce === "mean") {
    const cnt = degree(index, n, { dtype: src.dtype }).clamp(1);
    return indexAdd(base, 0, index, src).div(cnt.reshape([n, ...src.shape.slice(1).map(() => 1)]));
  }
  if (reduce === "max" || reduce === "min") {
    return scatterReduce(base, 0, expandIndex(index, src.shape), src, reduce === "max" ? "amax" : "amin", { includeSelf: false });
  }
  throw new Error(`scatter: unknown reduce "${reduce}"; expected "sum", "mean", "max" or "min"`);
}

/**
 * Softmax of `src` [E, ...] within the groups given by `index` [E] (each target
 * node's incoming edges), PyG's `utils.softmax`: the group max is subtracted for
 * stability (without gradient, as PyG) and 1e-16 is added to the denominator.
 * @example const alpha = nn.graph.softmax(scores, dst, n); // [E, heads]
 */
export function softmax(src: Tensor, index: Tensor, numNodes?: number): Tensor {
  const n = numNodes ?? maybeNumNodes(index);
  const max = noGrad(() => scatter(src.detach(), index, { dimSize: n, reduce: "max" }));
  const ex = src.sub(max.indexSelect(0, index)).exp();
  const den = scatter(ex, index, { dimSize: n, reduce: "sum" }).add(1e-16);
  return ex.div(den.indexSelect(0, index));
}

/**
 * Message passing: out[i] = reduce_{e: dst[e] = i} w[e] · x[src[e]] for x [N, ...]
 * (`weight` [E] optional). With sum aggregation this is A·x for the weighted
 * adjacency, computed by one fused gather-multiply-scatter (`spmm`).
 */
export function propagate(x: Tensor, src: Tensor, dst: Tensor, numNodes: number, weight: Tensor | null = null, reduce: GraphReduce = "sum"): Tensor {
  if (reduce === "sum" || reduce === "add") return spmm(x, src, dst, numNodes, weight);
  let msg = x.indexSelect(0, src);
  if (weight) msg = msg.mul(weight.reshape([weight.shape[0], ...x.shape.slice(1).map(() => 1)]));
  return scatter(msg, dst, { dimSize: numNodes, reduce });
}

/**
 * Fused sparse-dense product: out [numNodes, ...] with out[dst[e]] += w[e] · x[src[e]]
 * for x [N, ...]. `weight` may be [E] (one scalar per edge) or [E, H] (one per edge
 * and head, x viewed as [N, H, C], as GAT's attention). Equals
 * `indexAdd(zeros, 0, dst, x.indexSelect(0, src) * w)` without the [E, F]
 * intermediates. Differentiable in x (the transposed product) and in w (per-edge dot
 * products, composed from indexSelect), so double backward works.
 * @example const ax = nn.graph.spmm(x, src, dst, n, w); // [n, F]
 */
export function spmm(x: Tensor, src: Tensor, dst: Tensor, numNodes: number, weight: Tensor | null = null): Tensor {
  const E = src.shape[0];
  if (dst.shape[0] !== E || (weight && weight.shape[0] !== E)) {
    throw new Error(`spmm: src [${E}], dst ${fmtShape(dst.shape)} and weight ${weight ? fmtShape(weight.shape) : "null"} must have one entry per edge`);
  }
  const N = x.shape[0];
  const F = x.numel() / Math.max(N, 1);
  const H = weight ? (weight.ndim === 1 ? 1 : weight.shape[1]) : 1;
  const C = F / H;
  if (!Number.isInteger(C)) throw new Error(`spmm: weight ${fmtShape(weight!.shape)} heads must divide the row size ${F} of x ${fmtShape(x.shape)}`);
  const s = src._data as Int32Array, t = dst._data as Int32Array;
  const xd = x._data, out = allocArray(x.dtype, numNodes * F);
  const wd = weight ? (weight.dtype === x.dtype ? weight : weight.to(x.dtype))._data : null;
  for (let e = 0; e < E; e++) {
    const si = s[e], ti = t[e];
    if (si < 0 || si >= N || ti < 0 || ti >= numNodes) throw new RangeError(`spmm: edge ${e} (${si} → ${ti}) is out of range for ${N} source and ${numNodes} target nodes`);
    const so = si * F, to = ti * F;
    if (!wd) {
      for (let f = 0; f < F; f++) out[to + f] += xd[so + f];
      continue;
    }
    for (let h = 0; h < H; h++) {
      const wv = wd[e * H + h], o = h * C;
      for (let c = o; c < o + C; c++) out[to + c] += wv * xd[so + c];
    }
  }
  const y = make(out, [numNodes, ...x.shape.slice(1)], x.dtype);
  if (isGradEnabled() && (x.requiresGrad || weight?.requiresGrad)) {
    record(y, "SpmmBackward", weight ? [x, weight] : [x], (g) => {
      const gx = x.requiresGrad ? spmm(g, dst, src, N, weight) : null;
      if (!weight) return [gx];
      if (!weight.requiresGrad) return [gx, null];
      const prod = g.indexSelect(0, dst).mul(x.indexSelect(0, src)).reshape([E, H, C]).sum(-1);
      return [gx, weight.ndim === 1 ? prod.reshape([E]) : prod.reshape(weight.shape.slice())];
    }, weight ? [x, weight] : [x]);
  }
  return y;
}

/** Source and target rows of an edge list as int32 [E] tensors (copies). */
export function splitEdges(edgeIndex: Tensor): [Tensor, Tensor] {
  const E = edgeIndex.shape[1];
  const d = edgeIndex._data as Int32Array;
  return [make(d.slice(0, E), [E], "int32"), make(d.slice(E, 2 * E), [E], "int32")];
}

/**
 * GCN's symmetric normalisation (PyG's `gcn_norm`): with Â = A + fill·I (self loops
 * via `addRemainingSelfLoops`, fill 2 when `improved`) and d_i = Σ_j Â_ij over each
 * target's incoming edges, edge j → i gets weight Â_ij / √(d_j d_i); nodes of degree
 * 0 get 0. Differentiable in `edgeWeight`. Returns [edgeIndex with loops, weights].
 */
export function gcnNorm(edgeIndex: Tensor, edgeWeight: Tensor | null, numNodes: number,
  opts: { improved?: boolean; addSelfLoops?: boolean; dtype?: DType } = {}): [Tensor, Tensor] {
  const E = edgeIndex.shape[1];
  let w = edgeWeight ?? ones([E], { dtype: opts.dtype ?? "float32" });
  let ei = edgeIndex;
  if (opts.addSelfLoops ?? true) {
    const r = addRemainingSelfLoops(edgeIndex, { edgeAttr: w, fillValue: opts.improved ? 2 : 1, numNodes });
    ei = r[0];
    w = r[1]!;
  }
  const [src, dst] = splitEdges(ei);
  const deg = scatter(w, dst, { dimSize: numNodes, reduce: "sum" });
  // 1/√0 is defined as 0 (isolated nodes); the guard keeps its gradient 0 rather than NaN.
  const pos = deg.gt(0);
  const dis = where(pos, where(pos, deg, 1).rsqrt(), 0);
  return [ei, dis.indexSelect(0, src).mul(w).mul(dis.indexSelect(0, dst))];
}
