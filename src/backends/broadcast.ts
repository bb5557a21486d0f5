/**
 * The 2-D broadcast plan the wasm and native binary kernels share: the broadcast of
 * two shapes coalesced into at most [n0, n1] with inner strides 0 or 1. Neutral
 * ground, so backends need not import each other.
 */

/**
 * Coalesces the broadcast of aShape/bShape to outShape into at most 2 dims; returns
 * [n0, n1, sa0, sa1, sb0, sb1] or null when it needs more dims or a strided inner run.
 */
export function plan2d(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): number[] | null {
  const nd = outShape.length;
  const shape: number[] = [], stA: number[] = [], stB: number[] = [];
  let accA = 1, accB = 1;
  const sa: number[] = new Array(nd), sb: number[] = new Array(nd);
  for (let i = nd - 1; i >= 0; i--) {
    const da = i - (nd - aShape.length) >= 0 ? aShape[i - (nd - aShape.length)] : 1;
    const db = i - (nd - bShape.length) >= 0 ? bShape[i - (nd - bShape.length)] : 1;
    sa[i] = da === 1 ? 0 : accA;
    sb[i] = db === 1 ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  for (let i = 0; i < nd; i++) {
    const size = outShape[i];
    if (size === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && stA[last] === sa[i] * size && stB[last] === sb[i] * size) {
      shape[last] *= size; stA[last] = sa[i]; stB[last] = sb[i];
    } else {
      shape.push(size); stA.push(sa[i]); stB.push(sb[i]);
    }
  }
  if (shape.length === 0) return [1, 1, 0, 0, 0, 0];
  if (shape.length === 1) return [1, shape[0], 0, stA[0], 0, stB[0]];
  if (shape.length > 2 || stA[1] > 1 || stB[1] > 1) return null;
  return [shape[0], shape[1], stA[0], stA[1], stB[0], stB[1]];
}

/** The plan [n0, n1, sa0, sa1, sb0, sb1] for operands of na / nb elements (same-shape and scalar cases first), or null. */
export function broadcastPlan(na: number, nb: number, aShape: readonly number[], bShape: readonly number[], total: number,
  outShape: readonly number[]): number[] | null {
  if (na === total && nb === total) return [1, total, 0, 1, 0, 1];
  if (nb === 1 && na === total) return [1, total, 0, 1, 0, 0];
  if (na === 1 && nb === total) return [1, total, 0, 0, 0, 1];
  return plan2d(aShape, bShape, outShape);
}
