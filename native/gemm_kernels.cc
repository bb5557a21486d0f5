// Packing routines and micro-kernels of the native SGEMM (driven by gemm.cc): the
// portable and AVX2 packers of op(A) / op(B) into MR-row / NR-column panels, and the
// 6x16 AVX2 micro-kernel with its edge, in-place-A and transposed-C variants. Compiled
// with the AVX2 code behind target attributes, so the addon still loads on CPUs
// without AVX2 (gemm.cc picks the generic routines there).
#include "gemm_kernels.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>

namespace myelin {
namespace gemm_kernels {

// ---------------------------------------------------------------------------------------
// Packing. Panels are zero-padded to full MR rows / NR columns; every packed value is an
// exact copy, so the AVX2 and portable packers are interchangeable.

// Rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels at dst + ir * kc.
void packA_generic(const float* A, int m, int k, bool transA, int i0, int mc, int p0, int kc, float* dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int rows = std::min(MR, mc - ir);
    float* panel = dst + (size_t)ir * kc;
    for (int p = 0; p < kc; p++) {
      float* d = panel + p * MR;
      int r = 0;
      if (!transA) {
        for (; r < rows; r++) d[r] = A[(size_t)(i0 + ir + r) * k + p0 + p];
      } else {
        const float* src = A + (size_t)(p0 + p) * m + i0 + ir;
        for (; r < rows; r++) d[r] = src[r];
      }
      for (; r < MR; r++) d[r] = 0.f;
    }
  }
}

// Depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-column panels at dst + jr * kc.
void packB_generic(const float* B, int n, int k, bool transB, int j0, int nc, int p0, int kc, float* dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int cols = std::min(NR, nc - jr);
    float* panel = dst + (size_t)jr * kc;
    for (int p = 0; p < kc; p++) {
      float* d = panel + p * NR;
      int c = 0;
      if (!transB) {
        const float* src = B + (size_t)(p0 + p) * n + j0 + jr;
        for (; c < cols; c++) d[c] = src[c];
      } else {
        for (; c < cols; c++) d[c] = B[(size_t)(j0 + jr + c) * k + p0 + p];
      }
      for (; c < NR; c++) d[c] = 0.f;
    }
  }
}

// In-register 8x8 transpose: afterwards x[j] holds lane j of every input row.
__attribute__((target("avx2,fma"))) inline void transpose8(__m256 x[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(x[0], x[1]), t1 = _mm256_unpackhi_ps(x[0], x[1]);
  const __m256 t2 = _mm256_unpacklo_ps(x[2], x[3]), t3 = _mm256_unpackhi_ps(x[2], x[3]);
  const __m256 t4 = _mm256_unpacklo_ps(x[4], x[5]), t5 = _mm256_unpackhi_ps(x[4], x[5]);
  const __m256 t6 = _mm256_unpacklo_ps(x[6], x[7]), t7 = _mm256_unpackhi_ps(x[6], x[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  x[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  x[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  x[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  x[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  x[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  x[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  x[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  x[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

__attribute__((target("avx2,fma")))
void packA_avx2(const float* A, int m, int k, bool transA, int i0, int mc, int p0, int kc, float* dst) {
  if (transA) {
    // Rows of A^T are contiguous: read each once, front to back, into every panel.
    const int full = mc / MR * MR;
    for (int p = 0; p < kc; p++) {
      const float* src = A + (size_t)(p0 + p) * m + i0;
      for (int ir = 0; ir < full; ir += MR) std::memcpy(dst + (size_t)ir * kc + p * MR, src + ir, MR * sizeof(float));
    }
    if (full < mc) packA_generic(A, m, k, transA, i0 + full, mc - full, p0, kc, dst + (size_t)full * kc);
    return;
  }
  for (int ir = 0; ir < mc; ir += MR) {
    const int rows = std::min(MR, mc - ir);
    float* panel = dst + (size_t)ir * kc;
    const float* src[MR];
    for (int r = 0; r < rows; r++) src[r] = A + (size_t)(i0 + ir + r) * k + p0;
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 x[8];
      if (rows == MR) {
        for (int r = 0; r < MR; r++) x[r] = _mm256_loadu_ps(src[r] + p);
      } else {
        for (int r = 0; r < MR; r++) x[r] = r < rows ? _mm256_loadu_ps(src[r] + p) : _mm256_setzero_ps();
      }
      x[6] = x[7] = _mm256_setzero_ps();
      transpose8(x);
      // 8-lane stores 6 floats apart: each overwrites the previous one's 2 pad lanes.
      float* d = panel + p * MR;
      for (int j = 0; j < 7; j++) _mm256_storeu_ps(d + j * MR, x[j]);
      _mm_storeu_ps(d + 7 * MR, _mm256_castps256_ps128(x[7]));
      _mm_storel_pi((__m64*)(d + 7 * MR + 4), _mm256_extractf128_ps(x[7], 1));
    }
    for (; p < kc; p++)
      for (int r = 0; r < MR; r++) panel[p * MR + r] = r < rows ? src[r][p] : 0.f;
  }
}

__attribute__((target("avx2,fma")))
void packB_avx2(const float* B, int n, int k, bool transB, int j0, int nc, int p0, int kc, float* dst) {
  if (!transB) {
    // Rows of B are contiguous: read each once, front to back, into every panel.
    const int full = nc / NR * NR;
    for (int p = 0; p < kc; p++) {
      const float* s = B + (size_t)(p0 + p) * n + j0;
      float* d = dst + p * NR;
      for (int jr = 0; jr < full; jr += NR) {
        _mm256_storeu_ps(d + (size_t)jr * kc, _mm256_loadu_ps(s + jr));
        _mm256_storeu_ps(d + (size_t)jr * kc + 8, _mm256_loadu_ps(s + jr + 8));
      }
    }
    if (full < nc) packB_generic(B, n, k, transB, j0 + full, nc - full, p0, kc, dst + (size_t)full * kc);
    return;
  }
  for (int jr = 0; jr < nc; jr += NR) {
    const int cols = std::min(NR, nc - jr);
    float* panel = dst + (size_t)jr * kc;
    const float* src = B + (size_t)(j0 + jr) * k + p0;
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      for (int h = 0; h < NR; h += 8) {
        __m256 x[8];
        if (cols == NR) {
          for (int c = 0; c < 8; c++) x[c] = _mm256_loadu_ps(src + (size_t)(h + c) * k + p);
        } else {
          for (int c = 0; c < 8; c++) x[c] = h + c < cols ? _mm256_loadu_ps(src + (size_t)(h + c) * k + p) : _mm256_setzero_ps();
        }
        transpose8(x);
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(panel + (p + j) * NR + h, x[j]);
      }
    }
    for (; p < kc; p++)
      for (int c = 0; c < NR; c++) panel[p * NR + c] = c < cols ? src[(size_t)c * k + p] : 0.f;
  }
}

// ---------------------------------------------------------------------------------------
// Micro-kernels: a full MR x NR tile of C (= on the first depth block, += after). B rows
// are ldb apart: NR in a packed panel, n when B is read in place.

void kernel_generic(int kc, const float* Ap, const float* Bp, size_t ldb, float* C, size_t ldc, bool first) {
  float acc[MR * NR] = {};
  for (int p = 0; p < kc; p++) {
    const float* a = Ap + p * MR;
    const float* b = Bp + p * ldb;
    for (int r = 0; r < MR; r++) {
      const float ar = a[r];
      for (int c = 0; c < NR; c++) acc[r * NR + c] += ar * b[c];
    }
  }
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) C[r * ldc + c] = first ? acc[r * NR + c] : C[r * ldc + c] + acc[r * NR + c];
}

__attribute__((target("avx2,fma")))
void kernel_avx2(int kc, const float* Ap, const float* Bp, size_t ldb, float* C, size_t ldc, bool first) {
  // The C tile is touched only at the end: start fetching it now.
  for (int r = 0; r < MR; r++) {
    _mm_prefetch((const char*)(C + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(C + r * ldc + NR - 1), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(Bp);
    const __m256 b1 = _mm256_loadu_ps(Bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    Ap += MR;
    Bp += ldb;
  }
#define MYELIN_STORE_ROW(r, v0, v1)                                              \
  {                                                                              \
    float* cr = C + (r) * ldc;                                                   \
    if (first) {                                                                 \
      _mm256_storeu_ps(cr, v0);                                                  \
      _mm256_storeu_ps(cr + 8, v1);                                              \
    } else {                                                                     \
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), v0));              \
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), v1));      \
    }                                                                            \
  }
  MYELIN_STORE_ROW(0, c00, c01)
  MYELIN_STORE_ROW(1, c10, c11)
  MYELIN_STORE_ROW(2, c20, c21)
  MYELIN_STORE_ROW(3, c30, c31)
  MYELIN_STORE_ROW(4, c40, c41)
  MYELIN_STORE_ROW(5, c50, c51)
#undef MYELIN_STORE_ROW
}

// Stores (or adds) the first R lanes of v at d: one column of a transposed tile.
template <int R>
__attribute__((target("avx2,fma"))) inline void storeLanes(float* d, __m256 v, bool first) {
  const __m128 lo = _mm256_castps256_ps128(v);
  if (R >= 4) {
    _mm_storeu_ps(d, first ? lo : _mm_add_ps(_mm_loadu_ps(d), lo));
    const __m128 hi = _mm256_extractf128_ps(v, 1);
    if (R == 6) {
      const __m128 old = _mm_castpd_ps(_mm_load_sd((const double*)(d + 4)));
      _mm_store_sd((double*)(d + 4), _mm_castps_pd(first ? hi : _mm_add_ps(old, hi)));
    } else if (R == 5) {
      _mm_store_ss(d + 4, first ? hi : _mm_add_ss(_mm_load_ss(d + 4), hi));
    }
  } else {
    if (R >= 2) {
      const __m128 old = _mm_castpd_ps(_mm_load_sd((const double*)d));
      _mm_store_sd((double*)d, _mm_castps_pd(first ? lo : _mm_add_ps(old, lo)));
    }
    if (R == 3 || R == 1) {
      const __m128 x = R == 3 ? _mm_movehl_ps(lo, lo) : lo;
      float* e = d + (R == 3 ? 2 : 0);
      _mm_store_ss(e, first ? x : _mm_add_ss(_mm_load_ss(e), x));
    }
  }
}

// A tile of R <= MR rows x NR columns. DA: rows of A are read in place (row r, step p at
// Ap[r * lda + p]; a row-major A needs no packing) instead of from a packed panel. TC:
// the tile goes to C transposed (element (r, c) at C[c * ldc + r]), for products computed
// as C^T = op(B)^T op(A)^T so that a row-major B^T can be the in-place operand. Either way
// each element is the same FMA chain as in kernel_avx2. R = 4 still fills the FMA pipes
// (8 independent accumulators).
template <int R, bool DA, bool TC>
__attribute__((target("avx2,fma")))
void kernel_avx2_t(int kc, const float* Ap, size_t lda, const float* Bp, size_t ldb, float* C, size_t ldc, bool first) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(Bp);
    const __m256 b1 = _mm256_loadu_ps(Bp + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
      const __m256 a = _mm256_broadcast_ss(DA ? Ap + r * lda + p : Ap + p * MR + r);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
    Bp += ldb;
  }
  if (TC) {
    for (int h = 0; h < 2; h++) {
      __m256 x[8];
#pragma GCC unroll 8
      for (int r = 0; r < 8; r++) x[r] = r < R ? (h ? c1[r < R ? r : 0] : c0[r < R ? r : 0]) : _mm256_setzero_ps();
      transpose8(x);
#pragma GCC unroll 8
      for (int j = 0; j < 8; j++) storeLanes<R>(C + (size_t)(h * 8 + j) * ldc, x[j], first);
    }
    return;
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) {
    float* cr = C + r * ldc;
    if (first) {
      _mm256_storeu_ps(cr, c0[r]);
      _mm256_storeu_ps(cr + 8, c1[r]);
    } else {
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), c0[r]));
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), c1[r]));
    }
  }
}


// kernel_avx2 in the table's signature (packed A, C not transposed, all MR rows).
__attribute__((target("avx2,fma")))
void kernel_avx2_full(int kc, const float* Ap, size_t, const float* Bp, size_t ldb, float* C, size_t ldc, bool first) {
  kernel_avx2(kc, Ap, Bp, ldb, C, ldc, first);
}

// By [A in place][C transposed][rows 1..MR].
template <bool DA, bool TC>
constexpr KernelFn kRow[MR + 1] = {nullptr, kernel_avx2_t<1, DA, TC>, kernel_avx2_t<2, DA, TC>, kernel_avx2_t<3, DA, TC>,
                                   kernel_avx2_t<4, DA, TC>, kernel_avx2_t<5, DA, TC>, kernel_avx2_t<6, DA, TC>};
constexpr KernelFn kRowPacked[MR + 1] = {nullptr, kernel_avx2_t<1, false, false>, kernel_avx2_t<2, false, false>,
                                         kernel_avx2_t<3, false, false>, kernel_avx2_t<4, false, false>,
                                         kernel_avx2_t<5, false, false>, kernel_avx2_full};
const KernelFn* const kAvx2[2][2] = {{kRowPacked, kRow<false, true>}, {kRow<true, false>, kRow<true, true>}};

}  // namespace gemm_kernels
}  // namespace myelin
