/**
 * JS reference GEMM: operands packed into 4-row / 4-column float64 panels (which
 * also folds transposes in, so no transposed copy is ever made), then a 4x4
 * register-tiled micro-kernel. Blocked over k so a packed B block stays in L2.
 */
import type { TypedArray } from "../../core/dtype.js";

const KC = 128;

/** Packs rows [i0, i0+4) x k-range of op(A) (m x k logical) into ap[kk*4 + r]. */
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

/** Packs op(B) (k x n logical) k-range x all columns into 4-column panels: bp[(jp*kc + kk)*4 + c]. */
function packB(b: TypedArray, off: number, transB: boolean, k: number, n: number, k0: number, kc: number, bp: Float64Array): void {
  const panels = Math.ceil(n / 4);
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * 4;
    const cols = Math.min(4, n - j0);
    const pbase = jp * kc * 4;
    for (let c = 0; c < 4; c++) {
      if (c >= cols) {
        for (let kk = 0; kk < kc; kk++) bp[pbase + kk * 4 + c] = 0;
        continue;
      }
      const j = j0 + c;
      if (!transB) {
        const base = off + k0 * n + j;
        for (let kk = 0; kk < kc; kk++) bp[pbase + kk * 4 + c] = b[base + kk * n];
      } else {
        const base = off + j * k + k0;
        for (let kk = 0; kk < kc; kk++) bp[pbase + kk * 4 + c] = b[base + kk];
      }
    }
  }
}

let apBuf = new Float64Array(4 * KC);
let bpBuf = new Float64Array(0);

export function matmul(a: TypedArray, b: TypedArray, out: TypedArray, batch: number, m: number, n: number, k: number,
  transA: boolean, transB: boolean, aStride: number, bStride: number): void {
  out.fill(0, 0, batch * m * n);
  if (m === 0 || n === 0 || k === 0) return;
  const panels = Math.ceil(n / 4);
  const need = panels * 4 * Math.min(KC, k);
  if (bpBuf.length < need) bpBuf = new Float64Array(need);
  const ap = apBuf, bp = bpBuf;
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * aStride, bOff = bi * bStride, oOff = bi * m * n;
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = Math.min(KC, k - k0);
      packB(b, bOff, transB, k, n, k0, kc, bp);
      for (let i0 = 0; i0 < m; i0 += 4) {
        packA(a, aOff, transA, m, k, i0, k0, kc, ap);
        const rows = Math.min(4, m - i0);
        for (let jp = 0; jp < panels; jp++) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          // One induction variable: V8 emits fewer overflow checks than with pa and pb both stepping.
          const pbOff = jp * kc * 4;
          const end = kc * 4;
          for (let pa = 0; pa < end; pa += 4) {
            const pb = pbOff + pa;
            const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
            const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          }
          const j0 = jp * 4;
          const cols = Math.min(4, n - j0);
          if (rows === 4 && cols === 4) {
            let o = oOff + i0 * n + j0;
            out[o] += c00; out[o + 1] += c01; out[o + 2] += c02; out[o + 3] += c03; o += n;
            out[o] += c10; out[o + 1] += c11; out[o + 2] += c12; out[o + 3] += c13; o += n;
            out[o] += c20; out[o + 1] += c21; out[o + 2] += c22; out[o + 3] += c23; o += n;
            out[o] += c30; out[o + 1] += c31; out[o + 2] += c32; out[o + 3] += c33;
          } else {
            const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            for (let r = 0; r < rows; r++) {
              for (let c = 0; c < cols; c++) out[oOff + (i0 + r) * n + j0 + c] += acc[r * 4 + c];
            }
          }
        }
      }
    }
  }
}
