/**
 * Self-attention on a packed in-projection as one autograd node: from y = x W_inᵀ + b
 * ([N, L, 3E] batch-first or [L, N, 3E]) to the merged heads ([N, L, E] / [L, N, E]),
 * with the head split, scores, softmax, dropout and weighted sum inside. The composed
 * form made three head-split copies whose backwards each built a zero-filled copy of y,
 * plus a node per step; here the backward writes dq, dk and dv straight into one
 * gradient of y. Under createGraph the backward differentiates the composed form (same
 * dropout mask), so higher-order gradients still work.
 */
import { Tensor, make, needsGrad, record } from "../../core/tensor.js";
import { allocArray, allocUninit } from "../../core/dtype.js";
import { gradOfComposed, recordFused } from "../fused.js";
import { defaultGenerator, type Generator } from "../../core/random.js";
import { currentBackend } from "../../backends/backend.js";
import { gemm } from "../linalg.js";
import { stridedView } from "../shape.js";
import "../elementwise.js";
import "../reduce.js";

export interface PackedAttentionOptions {
  N: number; L: number; H: number; hd: number;
  /** y is [N, L, 3E] (true) or [L, N, 3E] (false); the output follows. */
  batchFirst: boolean;
  causal: boolean;
  dropoutP: number;
  training: boolean;
  generator?: Generator;
}

/** Strides of y [.., .., 3E] read as [3, N, H, L, hd]. */
function packedStrides(o: PackedAttentionOptions): number[] {
  const { N, L, H, hd, batchFirst } = o, E = H * hd;
  return batchFirst ? [E, L * 3 * E, hd, 3 * E, 1] : [E, 3 * E, hd, N * 3 * E, 1];
}

/** Strides of the merged output [.., .., E] read as [N, H, L, hd]. */
function mergedStrides(o: PackedAttentionOptions): number[] {
  const { N, L, H, hd, batchFirst } = o, E = H * hd;
  return batchFirst ? [L * E, hd, E, 1] : [E, hd, N * E, 1];
}

/** Softmax(q kᵀ · scale (+ causal mask)) → dropout → · v over the heads packed in y. */
export function packedSelfAttention(y: Tensor, o: PackedAttentionOptions): Tensor {
  const { N, L, H, hd } = o, E = H * hd, NH = N * H, Q = NH * L * hd, scale = 1 / Math.sqrt(hd);
  const be = currentBackend(), dt = y.dtype;
  const qkv = allocUninit(dt, 3 * Q);
  be.strided(y._data, 0, [3, N, H, L, hd], packedStrides(o), qkv);
  const q = qkv.subarray(0, Q), k = qkv.subarray(Q, 2 * Q), v = qkv.subarray(2 * Q);
  const P = allocUninit(dt, NH * L * L);
  be.matmul(q, k, P, NH, L, L, hd, false, true, L * hd, L * hd);
  be.softmax(P, NH * L, L, scale, o.causal ? L : 0, false, P);
  let mask: ReturnType<typeof allocArray> | null = null;
  let Pd = P;
  if (o.training && o.dropoutP > 0) {
    mask = allocArray(dt, P.length);
    if (o.dropoutP >= 1) mask.fill(0);
    else {
      const gen = o.generator ?? defaultGenerator;
      const st = gen.getState();
      const words = Uint32Array.of(st[0], st[1], st[2], st[3]);
      be.bernoulliMask(words, Math.min(o.dropoutP * 4294967296, 4294967295), 1 / (1 - o.dropoutP), mask);
      st[0] = words[0]; st[1] = words[1]; st[2] = words[2]; st[3] = words[3];
      gen.setState(st);
    }
    Pd = allocUninit(dt, P.length);
    be.binary("mul", P, [P.length], mask, [P.length], Pd, [P.length]);
  }
  const O = allocUninit(dt, Q);
  be.matmul(Pd, v, O, NH, L, hd, L, false, false, L * L, L * hd);
  const outShape = o.batchFirst ? [N, L, E] : [L, N, E];
  const merged = allocUninit(dt, Q);
  be.stridedAssign(O, merged, 0, [N, H, L, hd], mergedStrides(o), false);
  const out = make(merged, outShape, dt);
  if (!needsGrad(y)) return out;
  recordFused(out, "PackedSelfAttentionBackward", [y], (g) => [composedBackward(y, g, mask, o)], (g) => {
    const dO = allocUninit(dt, Q);
    be.strided(g.contiguous()._data, 0, [N, H, L, hd], mergedStrides(o), dO);
    const dqkv = allocUninit(dt, 3 * Q);
    const dq = dqkv.subarray(0, Q), dk = dqkv.subarray(Q, 2 * Q), dv = dqkv.subarray(2 * Q);
    const dP = allocUninit(dt, NH * L * L);
    be.matmul(dO, v, dP, NH, L, L, hd, false, true, L * hd, L * hd);      // dPd = dO vᵀ
    be.matmul(Pd, dO, dv, NH, L, hd, L, true, false, L * L, L * hd);     // dv = Pdᵀ dO
    if (mask) be.binary("mul", dP, [dP.length], mask, [dP.length], dP, [dP.length]);
    be.softmaxBackward(P, dP, NH * L, L, scale, false, dP);               // dS (scale folded in)
    be.matmul(dP, k, dq, NH, L, hd, L, false, false, L * L, L * hd);     // dq = dS k
    be.matmul(dP, q, dk, NH, L, hd, L, true, false, L * L, L * hd);      // dk = dSᵀ q
    const dy = allocUninit(dt, y._data.length);
    be.stridedAssign(dqkv, dy, 0, [3, N, H, L, hd], packedStrides(o), false);
    return [make(dy, y.shape.slice(), dt)];
  }, [y]);
  return out;
}

/** createGraph backward: the same computation in differentiable ops (with the forward's mask), differentiated. */
function composedBackward(y: Tensor, g: Tensor, mask: ReturnType<typeof allocArray> | null, o: PackedAttentionOptions): Tensor | null {
  return gradOfComposed([y], ([yy]) => composedForward(yy, g.shape, mask, o), g)[0];
}

/** The packed attention in differentiable ops (with the forward's mask), from the packed projections yy. */
function composedForward(yy: Tensor, outShape: readonly number[], mask: ReturnType<typeof allocArray> | null, o: PackedAttentionOptions): Tensor {
  const { N, L, H, hd } = o, NH = N * H, scale = 1 / Math.sqrt(hd);
  const part = (i: number) => stridedView(yy, [N, H, L, hd], packedStrides(o).slice(1), i * H * hd, "HeadSplitBackward").reshape([NH, L, hd]);
  const q = part(0), k = part(1), v = part(2);
  let s = gemm(q, k, false, true).mul(scale);
  if (o.causal) {
    const m = allocArray(yy.dtype, L * L);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) m[i * L + j] = -Infinity;
    s = s.add(make(m, [L, L], yy.dtype));
  }
  let w = s.softmax(-1);
  if (mask) w = w.mul(make(mask, [NH, L, L], yy.dtype));
  const O = gemm(w, v, false, false);
  return O.reshape([N, H, L, hd]).permute(o.batchFirst ? [0, 2, 1, 3] : [2, 0, 1, 3]).reshape(outShape.slice());
}
