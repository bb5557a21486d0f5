// Packed GotoBLAS-style SGEMM for WebAssembly SIMD: op(A) and op(B) are packed into
// 4-row / 8-column panels (transposes are folded into the packing, never materialised),
// then a 4x8 register-tiled micro-kernel (8 v128 accumulators) runs over the panels,
// one call per column strip of full tiles (see kernelStrip) and per edge tile.
// Built twice from this source: with relaxed-SIMD FMA and with plain mul+add.
// Per output element the k-summation order depends only on KC, never on how the
// caller splits rows/columns across threads, so results are identical for any split.

/** Micro-tile rows / columns (4x8: 8 v128 accumulators; larger tiles spill registers in V8). */
export const MR: i32 = 4;
export const NR: i32 = 8;
/**
 * Cache blocking: KC x NR B panels (16 KB) stay in L1 beside a 4 x KC A panel, MC x KC
 * A blocks (256 KB) in L2, KC x NC B blocks in L3. KC 512 rather than 256 halves the
 * passes over C: 1 thread, interleaved calls, best / p25 GFLOP/s at 1024^3 47.6 / 46.8
 * -> 48.7 / 47.4 (288 calls each); the MLP's shapes within +-1% (bench/profile/wasm-gemm-blocking.ts).
 */
export const KC: i32 = 512;
export const MC: i32 = 128;
export const NC: i32 = 2048;

/** Bytes of scratch one thread needs: packed A block, packed B block, one edge tile. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4 + 64;
}

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Packs op(A) rows [i0, i0+mc) x k-range [k0, k0+kc) into MR-row panels:
// ap[(p*kc + kk)*MR + r] = op(A)[i0 + p*MR + r, k0 + kk], zero beyond row m.
function packA(a: usize, transA: bool, m: i32, k: i32, i0: i32, mc: i32, k0: i32, kc: i32, ap: usize): void {
  for (let p = 0; p < mc; p += MR) {
    const rows = min(MR, mc - p);
    const dst = ap + <usize>(p * kc) * 4;
    const i = i0 + p;
    if (transA) {
      // op(A)[i, kk] = A[kk, i]: MR consecutive floats per kk.
      let src = a + (<usize>k0 * <usize>m + <usize>i) * 4;
      if (rows == MR) {
        for (let kk = 0; kk < kc; kk++) {
          v128.store(dst + <usize>(kk * MR) * 4, v128.load(src));
          src += <usize>m * 4;
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const d = dst + <usize>(kk * MR) * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * 4) : 0);
          src += <usize>m * 4;
        }
      }
    } else {
      // op(A)[i, kk] = A[i, kk]: MR rows, each contiguous along k; 4x4 SIMD transposes.
      const s0 = a + (<usize>i * <usize>k + <usize>k0) * 4;
      const ld = <usize>k * 4;
      if (rows == MR) {
        let kk = 0;
        for (; kk + 4 <= kc; kk += 4) {
          const off = <usize>kk * 4;
          const r0 = v128.load(s0 + off), r1 = v128.load(s0 + ld + off);
          const r2 = v128.load(s0 + 2 * ld + off), r3 = v128.load(s0 + 3 * ld + off);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const d = dst + <usize>(kk * MR) * 4;
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        }
        for (; kk < kc; kk++) {
          const d = dst + <usize>(kk * MR) * 4;
          const off = <usize>kk * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, load<f32>(s0 + <usize>r * ld + off));
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const d = dst + <usize>(kk * MR) * 4;
          const off = <usize>kk * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(s0 + <usize>r * ld + off) : 0);
        }
      }
    }
  }
}

// Packs op(B) k-range [k0, k0+kc) x columns [j0, j0+nc) into NR-column panels:
// bp[(q*kc + kk)*NR + c] = op(B)[k0 + kk, j0 + q*NR + c], zero beyond column n.
function packB(b: usize, transB: bool, k: i32, n: i32, j0: i32, nc: i32, k0: i32, kc: i32, bp: usize): void {
  for (let q = 0; q < nc; q += NR) {
    const cols = min(NR, nc - q);
    const dst = bp + <usize>(q * kc) * 4;
    const j = j0 + q;
    if (!transB) {
      // op(B)[kk, j] = B[kk, j]: NR consecutive floats per kk.
      let src = b + (<usize>k0 * <usize>n + <usize>j) * 4;
      if (cols == NR) {
        for (let kk = 0; kk < kc; kk++) {
          const d = dst + <usize>(kk * NR) * 4;
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += <usize>n * 4;
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const d = dst + <usize>(kk * NR) * 4;
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, c < cols ? load<f32>(src + <usize>c * 4) : 0);
          src += <usize>n * 4;
        }
      }
    } else {
      // op(B)[kk, j] = B[j, kk]: NR rows of B, each contiguous along k; 4x4 SIMD transposes.
      const s0 = b + (<usize>j * <usize>k + <usize>k0) * 4;
      const ld = <usize>k * 4;
      if (cols == NR) {
        let kk = 0;
        for (; kk + 4 <= kc; kk += 4) {
          const off = <usize>kk * 4;
          for (let h = 0; h < 2; h++) {
            const s = s0 + <usize>(h * 4) * ld + off;
            const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
            const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
            const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
            const d = dst + <usize>(kk * NR + h * 4) * 4;
            v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
            v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
            v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
            v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
          }
        }
        for (; kk < kc; kk++) {
          const d = dst + <usize>(kk * NR) * 4;
          const off = <usize>kk * 4;
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, load<f32>(s0 + <usize>c * ld + off));
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const d = dst + <usize>(kk * NR) * 4;
          const off = <usize>kk * 4;
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, c < cols ? load<f32>(s0 + <usize>c * ld + off) : 0);
        }
      }
    }
  }
}

// 4x8 micro-kernel for edge tiles: C[rows x cols] (=|+=) Apanel[kc x 4]^T-ish * Bpanel[kc x 8].
// Writes straight into C (row stride ldc floats) when the tile is full, else via tmp.
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    pa += 16; pb += 32;
  }
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    let o = c;
    if (accumulate) {
      v128.store(o, f32x4.add(v128.load(o), c00)); v128.store(o, f32x4.add(v128.load(o, 16), c01), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c10)); v128.store(o, f32x4.add(v128.load(o, 16), c11), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c20)); v128.store(o, f32x4.add(v128.load(o, 16), c21), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c30)); v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
    } else {
      v128.store(o, c00); v128.store(o, c01, 16); o += ld;
      v128.store(o, c10); v128.store(o, c11, 16); o += ld;
      v128.store(o, c20); v128.store(o, c21, 16); o += ld;
      v128.store(o, c30); v128.store(o, c31, 16);
    }
    return;
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let r = 0; r < rows; r++) {
    const o = c + <usize>r * ld;
    const t = tmp + <usize>(r * NR) * 4;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(t + <usize>j * 4);
      store<f32>(o + <usize>j * 4, accumulate ? load<f32>(o + <usize>j * 4) + v : v);
    }
  }
}

// The 4x8 micro-kernel run down a strip of `tiles` full tiles that share one B panel:
// A panels are consecutive in ap, C tiles 4 rows apart. One call per strip instead of
// per tile lets TurboFan keep the loop state in registers: the same loop runs at ~46
// GFLOP/s in a whole GEMM instead of ~41 (relaxed FMA, Zen 3 at 3.66 GHz, 1 thread).
function kernelStrip(kc: i32, pa: usize, pb0: usize, c: usize, ldc: i32, tiles: i32, accumulate: bool): void {
  const ld = <usize>ldc * 4;
  for (let t = 0; t < tiles; t++) {
    let pb = pb0;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let kk = 0; kk < kc; kk++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
      a = v128.load32_splat(pa, 8);
      c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
      a = v128.load32_splat(pa, 12);
      c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
      pa += 16; pb += 32;
    }
    let o = c;
    if (accumulate) {
      v128.store(o, f32x4.add(v128.load(o), c00)); v128.store(o, f32x4.add(v128.load(o, 16), c01), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c10)); v128.store(o, f32x4.add(v128.load(o, 16), c11), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c20)); v128.store(o, f32x4.add(v128.load(o, 16), c21), 16); o += ld;
      v128.store(o, f32x4.add(v128.load(o), c30)); v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
    } else {
      v128.store(o, c00); v128.store(o, c01, 16); o += ld;
      v128.store(o, c10); v128.store(o, c11, 16); o += ld;
      v128.store(o, c20); v128.store(o, c21, 16); o += ld;
      v128.store(o, c30); v128.store(o, c31, 16);
    }
    c += <usize>MR * ld;
  }
}

/**
 * out[b] = op(A[b]) @ op(B[b]) for batches [b0, b1), rows [m0, m1), columns [n0, n1)
 * (all in floats; m0/n0 must be multiples of MR/NR for a thread split to match one
 * thread exactly). A[b] starts at b*aStride floats, B[b] at b*bStride (0 broadcasts).
 * `scratch` is this thread's gemmScratchBytes() region.
 */
export function sgemm(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, transA: i32, transB: i32,
  aStride: i32, bStride: i32, b0: i32, b1: i32, m0: i32, m1: i32, n0: i32, n1: i32, scratch: usize): void {
  for (let bi = b0; bi < b1; bi++) {
    gemmInto(a + <usize>bi * <usize>aStride * 4, b + <usize>bi * <usize>bStride * 4, c + <usize>bi * <usize>m * <usize>n * 4, n,
      m, n, k, transA != 0, transB != 0, m0, m1, n0, n1, false, scratch);
  }
}

/**
 * C[m0:m1, n0:n1] (=, or += with `accumulate`) op(A) @ op(B) for one product, C with
 * row stride `ldc` floats (so C may be a column slice of a wider matrix). A is m x k
 * (k x m with transA), B k x n (n x k with transB), both dense.
 */
export function gemmInto(A: usize, Bm: usize, C: usize, ldc: i32, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  m0: i32, m1: i32, n0: i32, n1: i32, accumulate: bool, scratch: usize): void {
  const ap = (scratch + 15) & ~(<usize>15);
  const bp = ap + <usize>(MC * KC) * 4;
  const tmp = bp + <usize>(KC * NC) * 4;
  if (k == 0) {
    if (!accumulate) for (let i = m0; i < m1; i++) memory.fill(C + (<usize>i * <usize>ldc + <usize>n0) * 4, 0, <usize>(n1 - n0) * 4);
    return;
  }
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const acc = accumulate || pc > 0;
      packB(Bm, transB, k, n, jc, nc, pc, kc, bp);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(A, transA, m, k, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = bp + <usize>(jr * kc) * 4;
          let ir = 0;
          if (cols == NR) {
            const full = mc / MR;
            kernelStrip(kc, ap, pb, C + (<usize>ic * <usize>ldc + <usize>(jc + jr)) * 4, ldc, full, acc);
            ir = full * MR;
          }
          for (; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const cp = C + (<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) * 4;
            kernel(kc, ap + <usize>(ir * kc) * 4, pb, cp, ldc, rows, cols, acc, tmp);
          }
        }
      }
    }
  }
}

// ---- Threaded GEMM -----------------------------------------------------------------
// Every thread runs gemmRun on one shared plan (below) and claims tasks from atomic
// counters, so a thread that is late or descheduled simply takes fewer tasks.
// Phase 1 packs op(A) and op(B) whole (all KC blocks) into shared buffers; phase 2
// computes blocks of C from them, so nothing is packed twice. With many batch items
// each task is instead one or more whole items on the thread's own scratch (sgemm).

/** i32 fields of a plan (written by the caller, counters zeroed). */
export const PLAN_NEXT_PACK = 0, PLAN_DONE_PACK = 1, PLAN_NEXT_TASK = 2,
  PLAN_A = 3, PLAN_B = 4, PLAN_C = 5, PLAN_M = 6, PLAN_N = 7, PLAN_K = 8, PLAN_TRANS_A = 9, PLAN_TRANS_B = 10,
  PLAN_A_STRIDE = 11, PLAN_B_STRIDE = 12, PLAN_BATCH = 13,
  // Packed buffers (0 selects batch mode), pack task shape, compute task shape.
  PLAN_AP = 14, PLAN_BP = 15, PLAN_PACK_ROWS = 16, PLAN_PACK_COLS = 17, PLAN_TASK_ROWS = 18, PLAN_TASK_COLS = 19,
  PLAN_FIELDS = 20;

@inline function field(plan: usize, f: i32): i32 {
  return load<i32>(plan + <usize>f * 4);
}

@inline function roundUp(x: i32, u: i32): i32 {
  return (x + u - 1) / u * u;
}

/** Number of pack tasks of a plan: row groups of each distinct A item, column groups of each distinct B item. */
function packTasks(plan: usize, aItems: i32, bItems: i32): i32 {
  const m = field(plan, PLAN_M), n = field(plan, PLAN_N);
  const pr = field(plan, PLAN_PACK_ROWS), pcols = field(plan, PLAN_PACK_COLS);
  return aItems * ((m + pr - 1) / pr) + bItems * ((n + pcols - 1) / pcols);
}

// Packed layout of one item: the KC block starting at k-row pc begins at pc * mp floats
// (mp = m rounded up to MR), and holds its MR-row panels back to back (as packA writes
// them); likewise B with np = n rounded up to NR.
function runPackTask(plan: usize, t: i32, aItems: i32): void {
  const m = field(plan, PLAN_M), n = field(plan, PLAN_N), k = field(plan, PLAN_K);
  const mp = roundUp(m, MR), np = roundUp(n, NR);
  const pr = field(plan, PLAN_PACK_ROWS), pcols = field(plan, PLAN_PACK_COLS);
  const aGroups = (m + pr - 1) / pr;
  if (t < aItems * aGroups) {
    const item = t / aGroups, i0 = (t % aGroups) * pr, i1 = min(m, i0 + pr);
    const A = <usize>field(plan, PLAN_A) + <usize>item * <usize>field(plan, PLAN_A_STRIDE) * 4;
    const ap = <usize>field(plan, PLAN_AP) + <usize>item * <usize>mp * <usize>k * 4;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packA(A, field(plan, PLAN_TRANS_A) != 0, m, k, i0, i1 - i0, pc, kc, ap + (<usize>pc * <usize>mp + <usize>i0 * <usize>kc) * 4);
    }
    return;
  }
  t -= aItems * aGroups;
  const bGroups = (n + pcols - 1) / pcols;
  const item = t / bGroups, j0 = (t % bGroups) * pcols, j1 = min(n, j0 + pcols);
  const B = <usize>field(plan, PLAN_B) + <usize>item * <usize>field(plan, PLAN_B_STRIDE) * 4;
  const bp = <usize>field(plan, PLAN_BP) + <usize>item * <usize>np * <usize>k * 4;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    packB(B, field(plan, PLAN_TRANS_B) != 0, k, n, j0, j1 - j0, pc, kc, bp + (<usize>pc * <usize>np + <usize>j0 * <usize>kc) * 4);
  }
}

// C rows [i0, i1) x columns [j0, j1) of one item from its packed operands, in the same
// per-element order as sgemm (KC blocks in order, each added into C).
function computeBlock(ap: usize, bp: usize, C: usize, m: i32, n: i32, k: i32, i0: i32, i1: i32, j0: i32, j1: i32, tmp: usize): void {
  const mp = roundUp(m, MR), np = roundUp(n, NR);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const ab = ap + <usize>pc * <usize>mp * 4, bb = bp + <usize>pc * <usize>np * 4;
    for (let ic = i0; ic < i1; ic += MC) {
      const mc = min(MC, i1 - ic);
      const pa = ab + <usize>ic * <usize>kc * 4;
      for (let jr = j0; jr < j1; jr += NR) {
        const cols = min(NR, j1 - jr);
        const pb = bb + <usize>jr * <usize>kc * 4;
        let ir = 0;
        if (cols == NR) {
          const full = mc / MR;
          kernelStrip(kc, pa, pb, C + (<usize>ic * <usize>n + <usize>jr) * 4, n, full, pc > 0);
          ir = full * MR;
        }
        for (; ir < mc; ir += MR) {
          kernel(kc, pa + <usize>(ir * kc) * 4, pb, C + (<usize>(ic + ir) * <usize>n + <usize>jr) * 4, n, min(MR, mc - ir), cols, pc > 0, tmp);
        }
      }
    }
  }
}

/**
 * One thread's share of the plan at `plan` (PLAN_* fields); `scratch` is this thread's
 * gemmScratchBytes() region. Returns once no task is left to claim. `canBlock` (0 on a
 * browser's main thread) lets the thread sleep instead of spin while the last pack
 * tasks finish elsewhere, so it does not take the core from a thread it waits for.
 */
export function gemmRun(plan: usize, scratch: usize, canBlock: i32): void {
  const m = field(plan, PLAN_M), n = field(plan, PLAN_N), k = field(plan, PLAN_K), batch = field(plan, PLAN_BATCH);
  const A = field(plan, PLAN_A), B = field(plan, PLAN_B), C = <usize>field(plan, PLAN_C);
  const ta = field(plan, PLAN_TRANS_A), tb = field(plan, PLAN_TRANS_B);
  const aStride = field(plan, PLAN_A_STRIDE), bStride = field(plan, PLAN_B_STRIDE);
  const next = plan + <usize>PLAN_NEXT_TASK * 4;
  if (field(plan, PLAN_AP) == 0) {
    // Batch mode: task t is items [t*per, (t+1)*per).
    const per = field(plan, PLAN_TASK_ROWS);
    for (;;) {
      const b0 = atomic.add<i32>(next, 1) * per;
      if (b0 >= batch) return;
      sgemm(A, B, C, m, n, k, ta, tb, aStride, bStride, b0, min(batch, b0 + per), 0, m, 0, n, scratch);
    }
  }
  const aItems = aStride == 0 ? 1 : batch, bItems = bStride == 0 ? 1 : batch;
  const nPack = packTasks(plan, aItems, bItems);
  for (;;) {
    const t = atomic.add<i32>(plan + <usize>PLAN_NEXT_PACK * 4, 1);
    if (t >= nPack) break;
    runPackTask(plan, t, aItems);
    if (atomic.add<i32>(plan + <usize>PLAN_DONE_PACK * 4, 1) == nPack - 1) atomic.notify(plan + <usize>PLAN_DONE_PACK * 4);
  }
  // The last pack tasks may still be running on other threads: spin briefly, then sleep.
  for (let spins = 0; ; spins++) {
    const done = atomic.load<i32>(plan + <usize>PLAN_DONE_PACK * 4);
    if (done >= nPack) break;
    if (canBlock != 0 && spins >= 1000) atomic.wait<i32>(plan + <usize>PLAN_DONE_PACK * 4, done, 1000000);
  }
  const mp = roundUp(m, MR), np = roundUp(n, NR);
  const tr = field(plan, PLAN_TASK_ROWS), tcols = field(plan, PLAN_TASK_COLS);
  const rGroups = (m + tr - 1) / tr, cGroups = (n + tcols - 1) / tcols;
  const tasks = batch * rGroups * cGroups;
  const tmp = ((scratch + 15) & ~(<usize>15)) + <usize>(MC * KC + KC * NC) * 4;
  for (;;) {
    const t = atomic.add<i32>(next, 1);
    if (t >= tasks) return;
    const item = t / (rGroups * cGroups), r = t % (rGroups * cGroups);
    const i0 = (r / cGroups) * tr, j0 = (r % cGroups) * tcols;
    const ap = <usize>field(plan, PLAN_AP) + <usize>(aStride == 0 ? 0 : item) * <usize>mp * <usize>k * 4;
    const bp = <usize>field(plan, PLAN_BP) + <usize>(bStride == 0 ? 0 : item) * <usize>np * <usize>k * 4;
    computeBlock(ap, bp, C + <usize>item * <usize>m * <usize>n * 4, m, n, k, i0, min(m, i0 + tr), j0, min(n, j0 + tcols), tmp);
  }
}
