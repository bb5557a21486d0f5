/**
 * Linear algebra: matmul (batched, broadcasting, PyTorch's 1-D rules), mm, bmm,
 * mv, outer, dot and einsum. Transposes are passed to the GEMM kernel as flags,
 * never materialised, including in the backward pass.
 */
import { promoteTypes, isFloating } from "../core/dtype.js";
import { broadcastShapes, fmtShape, numel, shapesEqual } from "../core/shape.js";
import { Tensor, allocOn, allocUninitOn, make, needsGrad, record } from "../core/tensor.js";
import { currentBackend } from "../backends/backend.js";
import { assertTensor, onOneDevice } from "./util.js";
import { transposedWindow } from "./views.js";

/**
 * op(a) @ op(b) for a [batchA..., r, c] and b [batchB..., r, c] where batchA is
 * either empty (broadcast) or equal to batchB, and vice versa.
 * Differentiable; the core of every matmul-like op.
 */
export function gemm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const m = transA ? a.shape[a.ndim - 1] : a.shape[a.ndim - 2];
  const ka = transA ? a.shape[a.ndim - 2] : a.shape[a.ndim - 1];
  const kb = transB ? b.shape[b.ndim - 1] : b.shape[b.ndim - 2];
  const n = transB ? b.shape[b.ndim - 2] : b.shape[b.ndim - 1];
  if (ka !== kb) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied: inner dims ${ka} and ${kb} differ`);
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batchShape = batchA.length >= batchB.length ? batchA : batchB;
  const batch = numel(batchShape);
  const dtype = a.dtype;
  // Every GEMM kernel writes all of C when the inner dim is non-empty.
  if (a.device !== b.device) [a, b] = onOneDevice("matmul", a, b);
  const out = make((ka > 0 ? allocUninitOn : allocOn)(a.device, dtype, batch * m * n), [...batchShape, m, n], dtype);
  const aStride = batchA.length ? m * ka : 0;
  const bStride = batchB.length ? ka * n : 0;
  // A transposed view of a contiguous tensor (`x.matmul(w.t())`) is read in place with the flag flipped.
  const at = a._arr === null ? transposedWindow(a) : null;
  const bt = b._arr === null ? transposedWindow(b) : null;
  currentBackend().matmul(at ?? a._buf, bt ?? b._buf, out._buf, batch, m, n, ka, at ? !transA : transA, bt ? !transB : transB, aStride, bStride);
  if (needsGrad(a, b)) {
    record(out, "MmBackward", [a, b], (g) => {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) {
        ga = transA ? gemm(b, g, transB, true) : gemm(g, b, false, !transB);
        if (!batchA.length && batchB.length) ga = ga.sum(batchB.map((_, i) => i));
      }
      if (b.requiresGrad) {
        gb = transB ? gemm(g, a, true, transA) : gemm(a, g, !transA, false);
        if (!batchB.length && batchA.length) gb = gb.sum(batchA.map((_, i) => i));
      }
      return [ga, gb];
    }, [a, b]);
  }
  return out;
}

function sameFloat(a: Tensor, b: Tensor, op: string): [Tensor, Tensor] {
  if (a.dtype !== b.dtype) {
    const dt = promoteTypes(a.dtype, b.dtype);
    a = a.to(dt);
    b = b.to(dt);
  }
  if (!isFloating(a.dtype)) {
    a = a.to("float32");
    b = b.to("float32");
  }

  return [a, b];
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, 1-D operands
 * get a dim prepended/appended, batch dims broadcast.
 * @example my.matmul(x, w.t())  // [B, in] @ [in, out]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor(a, "matmul");
  assertTensor(b, "matmul", "other");
  if (!isFloating(a.dtype) && !isFloating(b.dtype)) return viaFloat64(matmul, a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  [a, b] = sameFloat(a, b, "matmul");
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  const aVec = a.ndim === 1, bVec = b.ndim === 1;
  let x = aVec ? a.unsqueeze(0) : a;
  let y = bVec ? b.unsqueeze(1) : b;
  const k = x.shape[x.ndim - 1];
  if (y.shape[y.ndim - 2] !== k) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${x.shape[x.ndim - 2]}x${k} and ${y.shape[y.ndim - 2]}x${y.shape[y.ndim - 1]})`);
  }
  let out: Tensor;
  if (y.ndim === 2 && x.ndim > 2) {
    // Fold the batch into rows: one big GEMM instead of many small ones.
    const lead = x.shape.slice(0, -1);
    out = gemm(x.reshape(-1, k), y, false, false).reshape([...lead, y.shape[1]]);
  } else {
    const batchX = x.shape.slice(0, -2), batchY = y.shape.slice(0, -2);
    const batch = broadcastShapes(batchX, batchY, "matmul");
    // A 2-D operand broadcasts inside the kernel (stride 0); batched ones expand to the common batch.
    if (batchX.length && !shapesEqual(batchX, batch)) x = x.expand([...batch, ...x.shape.slice(-2)]);
    if (batchY.length && !shapesEqual(batchY, batch)) y = y.expand([...batch, ...y.shape.slice(-2)]);
    out = gemm(x, y, false, false);
  }
  if (aVec) out = out.squeeze(-2);
  if (bVec) out = out.squeeze(-1);
  return out;
}

/**
 * Integer products, as PyTorch's int64 ones: computed in float64 (exact below 2^53)
 * and returned as int32.
 */
function viaFloat64(f: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor): Tensor {
  // A device has no float64: there float32 (exact below 2^24).
  const dt = a.device === "cpu" ? "float64" : "float32";
  return f(a.to(dt), b.to(dt)).to("int32");
}

/** 2-D matrix product. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new Error(`mm: expects 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (!isFloating(a.dtype) && !isFloating(b.dtype)) return viaFloat64(mm, a, b);
  [a, b] = sameFloat(a, b, "mm");
  return gemm(a, b, false, false);
}

/** Batched matrix product of [B, n, m] and [B, m, p]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: expects 3-D tensors with the same batch size, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (!isFloating(a.dtype) && !isFloating(b.dtype)) return viaFloat64(bmm, a, b);
  [a, b] = sameFloat(a, b, "bmm");
  return gemm(a, b, false, false);
}

/** Matrix-vector product. */
export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1) throw new Error(`mv: expects a 2-D matrix and a 1-D vector, got ${fmtShape(a.shape)} and ${fmtShape(v.shape)}`);
  return matmul(a, v);
}

/** Dot product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(`dot: expects two 1-D tensors of the same length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (!isFloating(a.dtype) && !isFloating(b.dtype)) return viaFloat64(dot, a, b);
  [a, b] = sameFloat(a, b, "dot");
  return a.mul(b).sum();
}

/** Outer product of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`outer: expects 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

// ---------------------------------------------------------------- einsum

interface Term {
  t: Tensor;
  labels: string[];
}

/**
 * Einstein summation, e.g. `einsum("bij,bjk->bik", a, b)`. Supports implicit
 * output, "..." broadcasting, repeated labels (diagonals) and any number of
 * operands (contracted pairwise, left to right, each pair as one batched GEMM).
 */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const ops = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhsRaw] = eq.split("->");
  const inputs = lhs.split(",");
  if (inputs.length !== ops.length) {
    throw new Error(`einsum: equation "${equation}" has ${inputs.length} operand(s) but ${ops.length} tensor(s) were given`);
  }
  // Expand "..." into fresh labels (uppercase-free private chars), right-aligned.
  let ellDims = 0;
  inputs.forEach((s, i) => {
    if (s.includes("...")) ellDims = Math.max(ellDims, ops[i].ndim - (s.length - 3));
  });
  const ellLabels = Array.from({ length: ellDims }, (_, i) => String.fromCharCode(0x100 + i));
  const terms: Term[] = inputs.map((s, i) => {
    let labels: string[];
    const t = ops[i];
    if (s.includes("...")) {
      const [pre, post] = s.split("...");
      const n = t.ndim - pre.length - post.length;
      if (n < 0) throw new Error(`einsum: operand ${i} has ${t.ndim} dims but "${s}" needs at least ${pre.length + post.length}`);
      labels = [...pre, ...ellLabels.slice(ellDims - n), ...post];
    } else labels = [...s];
    if (labels.length !== t.ndim) {
      throw new Error(`einsum: operand ${i} has shape ${fmtShape(t.shape)} (${t.ndim} dims) but subscripts "${s}" name ${labels.length}`);
    }
    for (const l of labels) {
      if (!/[a-zA-Z]/.test(l) && l.charCodeAt(0) < 0x100) throw new Error(`einsum: invalid subscript "${l}" in "${equation}"`);
    }
    return { t, labels };
  });
  const counts = new Map<string, number>();
  for (const term of terms) for (const l of term.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let outLabels: string[];
  if (rhsRaw !== undefined) {
    outLabels = rhsRaw.includes("...") ? [...rhsRaw.split("...")[0], ...ellLabels, ...rhsRaw.split("...")[1]] : [...rhsRaw];
    for (const l of outLabels) if (!counts.has(l)) throw new Error(`einsum: output subscript "${l}" does not appear in the inputs of "${equation}"`);
  } else {
    outLabels = [...ellLabels, ...[...counts.keys()].filter((l) => counts.get(l) === 1 && l.charCodeAt(0) < 0x100).sort()];
  }
  // Check sizes (1 broadcasts).
  const sizes = new Map<string, number>();
  for (const term of terms) {
    term.labels.forEach((l, i) => {
      const s = term.t.shape[i];
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, s);
      else if (s !== prev && s !== 1) throw new Error(`einsum: subscript "${l}" has size ${s} in one operand and ${prev} in another`);
    });
  }
  let work = terms.map((term) => takeDiagonals(term));
  // Sum out labels that appear in a single operand and not in the output.
  const keepAfter = (idx: number, list: Term[]): Set<string> => {
    const s = new Set(outLabels);
    list.forEach((t, j) => { if (j !== idx) t.labels.forEach((l) => s.add(l)); });
    return s;
  };
  work = work.map((term, i) => sumOut(term, keepAfter(i, work)));
  while (work.length > 1) {
    const a = work[0], b = work[1];
    const rest = work.slice(2);
    const keep = new Set(outLabels);
    rest.forEach((t) => t.labels.forEach((l) => keep.add(l)));
    work = [contractPair(a, b, keep, sizes), ...rest];
    work[0] = sumOut(work[0], keepAfter(0, work));
  }
  let res = work[0];
  res = sumOut(res, new Set(outLabels));
  // Broadcast labels missing after reduction (size-1 dims) and permute into the output order.
  const perm = outLabels.map((l) => res.labels.indexOf(l));
  let t = res.t.permute(perm);
  const target = outLabels.map((l) => sizes.get(l)!);
  if (t.shape.some((s, i) => s !== target[i])) t = t.expand(target);
  return t;
}

function takeDiagonals(term: Term): Term {
  let { t, labels } = term;
  for (;;) {
    const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (dup < 0) return { t, labels };
    const first = labels.indexOf(labels[dup]);
    t = t.diagonal(0, first, dup);
    const l = labels[dup];
    labels = labels.filter((_, i) => i !== first && i !== dup);
    labels.push(l);
  }
}

function sumOut(term: Term, keep: Set<string>): Term {
  const dims = term.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (!dims.length) return term;
  return { t: term.t.sum(dims), labels: term.labels.filter((l) => keep.has(l)) };
}

function contractPair(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const contract = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !inA.has(l));
  const size = (l: string) => sizes.get(l)!;
  const prep = (term: Term, order: string[]): Tensor => {
    let t = term.t.permute(order.map((l) => term.labels.indexOf(l)));
    const full = order.map(size);
    if (t.shape.some((s, i) => s !== full[i])) t = t.expand(full);
    return t;
  };
  const nb = numel(batch.map(size)), m = numel(aOnly.map(size)), k = numel(contract.map(size)), n = numel(bOnly.map(size));
  const ta = prep(a, [...batch, ...aOnly, ...contract]).reshape(nb, m, k);
  const tb = prep(b, [...batch, ...contract, ...bOnly]).reshape(nb, k, n);
  const [x, y] = sameFloat(ta, tb, "einsum");
  const r = gemm(x, y, false, false).reshape([...batch, ...aOnly, ...bOnly].map(size));
  return { t: r, labels: [...batch, ...aOnly, ...bOnly] };
}

declare module "../core/tensor.js" {
  interface Tensor {
    /** Method form of {@link matmul}. */ matmul(other: Tensor): Tensor;
    /** Method form of {@link mm}. */ mm(other: Tensor): Tensor;
    /** Method form of {@link bmm}. */ bmm(other: Tensor): Tensor;
    /** Method form of {@link mv}. */ mv(v: Tensor): Tensor;
    /** Method form of {@link dot}. */ dot(other: Tensor): Tensor;
    /** Method form of {@link outer}. */ outer(other: Tensor): Tensor;
  }
}

const P = Tensor.prototype;
P.matmul = function (o) { return matmul(this, o); };
P.mm = function (o) { return mm(this, o); };
P.bmm = function (o) { return bmm(this, o); };
P.mv = function (v) { return mv(this, v); };
P.dot = function (o) { return dot(this, o); };
P.outer = function (o) { return outer(this, o); };


