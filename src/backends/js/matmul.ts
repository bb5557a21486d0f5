/**
 * JS reference GEMM: operands packed into 4-row / 4-column float64 panels (which
 * also folds transposes in, so no transposed copy is ever made), then a 4x4
 * register-tiled micro-kernel. Blocked over k so a packed B block stays in L2; each
 * packed 4-row A panel is reused across every B panel. A B operand broadcast over
 * the batch (stride 0) is packed once, not once per batch item.
 *
 * Measured on the shared 2-core Zen 4 (CPU time, best of runs; load made +-15% noise):
 * the 4x4 micro-kernel alone peaks at ~4.9 GFLOP/s from L1 (V8 spills some of the 16
 * accumulators and bounds-checks every load), and N=512 reaches 3.3-3.8, i.e. the
 * packing and blocking cost little. Variants that did not beat it: float32 panels
 * (a convert per load), KC 64/256, 2x4 / 3x4 tiles, one B value live at a time,
 * k-unrolling by 2, masking indices to drop overflow checks.
 */
import type { TypedArray } from "../../core/dtype.js";

const KC = 128;

/** Packs rows [i0, i0+4) x k-range of op(A) (m x k logical) into ap[kk*4 + r]; missing rows are 0. */
function packA(a: TypedArray, off: number, transA: boolean, m: number, k: number, i0: number, k0: number, kc: number, ap: Float64Array): void {
  const rows = Math.min(4, m - i0);
  for (let r = 0; r < 4; r++) {
    if (r >= rows) {
      for (let kk = 0; kk < kc; kk++) ap[kk * 4 + r] = 0;
      continue;
    }
    const i = i0 + r;
    if (!transA) {
      const base = off + i * k + k0;
      for (let kk = 0; kk < kc; kk++) ap[kk * 4 + r] = a[base + kk];
    } else {
      const base = off + k0 * m + i;
      for (let kk = 0; kk < kc; kk++) ap[kk * 4 + r] = a[base + kk * m];
    }
  }
}

/** Packs op(B) (k x n logical), rows k0..k0+kc, into 4-column panels: bp[(jp*kc + kk)*4 + c]; missing columns are 0. */
function packB(b: TypedArray, off: number, transB: boolean, k: number, n: number, k0: number, kc: number, bp: Float64Array): void {
  const panels = (n + 3) >> 2;
  const full = n >> 2;
  if (!transB) {
    // Row by row, so B is read sequentially.
    const step = kc * 4;
    for (let kk = 0; kk < kc; kk++) {
      const s = off + (k0 + kk) * n;
      let d = kk * 4;
      for (let jp = 0; jp < full; jp++, d += step) {
        const j = s + jp * 4;
        bp[d] = b[j]; bp[d + 1] = b[j + 1]; bp[d + 2] = b[j + 2]; bp[d + 3] = b[j + 3];
      }
      if (full < panels) for (let c = 0; c < 4; c++) bp[d + c] = full * 4 + c < n ? b[s + full * 4 + c] : 0;
    }
    return;
  }
  for (let jp = 0; jp < panels; jp++) {
    const pbase = jp * kc * 4;
    for (let c = 0; c < 4; c++) {
      const j = jp * 4 + c;
      if (j >= n) {
        for (let kk = 0; kk < kc; kk++) bp[pbase + kk * 4 + c] = 0;
        continue;
      }
      const base = off + j * k + k0;
      for (let kk = 0; kk < kc; kk++) bp[pbase + kk * 4 + c] = b[base + kk];
    }
  }
}

let apBuf = new Float64Array(4 * KC);
let bpBuf = new Float64Array(0);

export function matmul(a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, n: number, k: number,
  transA: boolean, transB: boolean, aStride: number, bStride: number): void {
  out.fill(0, 0, batch * m * n);
  if (m === 0 || n === 0 || k === 0) return;
  const panels = (n + 3) >> 2;
  const need = panels * 4 * Math.min(KC, k);
  if (bpBuf.length < need) bpBuf = new Float64Array(need);
  const ap = apBuf, bp = bpBuf;
  // One k-block and a shared B: pack it once for the whole batch.
  const packBOnce = bStride === 0 && k <= KC;
  if (packBOnce) packB(b, 0, transB, k, n, 0, k, bp);
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aStride, bOff = bi * bStride, oOff = bi * m * n;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      if (!packBOnce) packB(b, bOff, transB, k, n, k0, kc, bp);
      for (let i0 = 0; i0 < m; i0 += 4) {
        packA(a, aOff, transA, m, k, i0, k0, kc, ap);
        const rows = Math.min(4, m - i0);
        for (let jp = 0; jp < panels; jp++) {
          const j0 = jp * 4;
          const o = oOff + i0 * n + j0;
          if (rows === 4 && j0 + 4 <= n) tile4x4(ap, bp, jp * kc * 4, kc, out, o, n);
          else tileEdge(ap, bp, jp * kc * 4, kc, out, o, n, rows, Math.min(4, n - j0));
        }
      }
    }
  }
}

/** The micro-kernel: out[4x4 block at o] += A panel (4 x kc) times B panel (kc x 4 at pb). */
function tile4x4(ap: Float64Array, bp: Float64Array, pb: number, kc: number, out: TypedArray, o: number, n: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  // One induction variable: V8 emits fewer overflow checks than with pa and pb both stepping.
  const end = kc * 4;
  for (let pa = 0; pa < end; pa += 4) {
    const q = pb + pa;
    const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
    const b0 = bp[q], b1 = bp[q + 1], b2 = bp[q + 2], b3 = bp[q + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03; o += n;
  out[o] += c10; out[o + 1] += c11; out[o + 2] += c12; out[o + 3] += c13; o += n;
  out[o] += c20; out[o + 1] += c21; out[o + 2] += c22; out[o + 3] += c23; o += n;
  out[o] += c30; out[o + 1] += c31; out[o + 2] += c32; out[o + 3] += c33;
}

/** A partial tile at the matrix edge (fewer than 4 rows or columns), from the same packed panels. */
function tileEdge(ap: Float64Array, bp: Float64Array, pb: number, kc: number, out: TypedArray, o: number, n: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      for (let kk = 0; kk < kc; kk++) acc += ap[kk * 4 + r] * bp[pb + kk * 4 + c];
      out[o + r * n + c] += acc;
    }
  }
}
