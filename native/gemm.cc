// Packed SGEMM. Loop order and block sizes follow the BLIS recipe for Zen/Haswell:
// B is packed into KC x NR panels (reused across all rows), A into MR x KC panels
// (reused across a column block), and a 6x16 register-blocked micro-kernel keeps
// 12 ymm accumulators live. Transposes are folded into the packing.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <new>
#include <vector>

namespace myelin {

namespace {

constexpr int MR = 6;
constexpr int NR = 16;
constexpr int KC = 256;   // A panel (6 x 256 floats = 6 KiB) + B panel stream fit L1/L2
constexpr int MC = 120;   // packed A block: 120 x 256 x 4 B = 120 KiB, in L2
constexpr int NC = 3072;  // packed B block: 256 x 3072 x 4 B = 3 MiB, in L3

inline float getA(const float* A, int m, int k, bool transA, int i, int p) {
  return transA ? A[(size_t)p * m + i] : A[(size_t)i * k + p];
}

// Packs rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels, zero-padded.
void packA(const float* A, int m, int k, bool transA, int i0, int mc, int p0, int kc, float* dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int rows = std::min(MR, mc - ir);
    float* panel = dst + (size_t)ir * kc;
    if (!transA) {
      for (int r = 0; r < MR; r++) {
        if (r < rows) {
          const float* src = A + (size_t)(i0 + ir + r) * k + p0;
          for (int p = 0; p < kc; p++) panel[p * MR + r] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * MR + r] = 0.f;
        }
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float* src = A + (size_t)(p0 + p) * m + i0 + ir;
        int r = 0;
        for (; r < rows; r++) panel[p * MR + r] = src[r];
        for (; r < MR; r++) panel[p * MR + r] = 0.f;
      }
    }
  }
}

// Packs depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-column panels, zero-padded.
void packB(const float* B, int n, int k, bool transB, int j0, int nc, int p0, int kc, float* dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int cols = std::min(NR, nc - jr);
    float* panel = dst + (size_t)jr * kc;
    if (!transB) {
      for (int p = 0; p < kc; p++) {
        const float* src = B + (size_t)(p0 + p) * n + j0 + jr;
        float* d = panel + p * NR;
        if (cols == NR) {
          std::memcpy(d, src, NR * sizeof(float));
        } else {
          int c = 0;
          for (; c < cols; c++) d[c] = src[c];
          for (; c < NR; c++) d[c] = 0.f;
        }
      }
    } else {
      for (int c = 0; c < NR; c++) {
        if (c < cols) {
          const float* src = B + (size_t)(j0 + jr + c) * k + p0;
          for (int p = 0; p < kc; p++) panel[p * NR + c] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * NR + c] = 0.f;
        }
      }
    }
  }
}

// Portable micro-kernel: acc[MR][NR] = Ap^T Bp over kc; the compiler vectorises it with SSE.
void kernel_generic(int kc, const float* Ap, const float* Bp, float* acc) {
  for (int i = 0; i < MR * NR; i++) acc[i] = 0.f;
  for (int p = 0; p < kc; p++) {
    const float* a = Ap + p * MR;
    const float* b = Bp + p * NR;
    for (int r = 0; r < MR; r++) {
      const float ar = a[r];
      for (int c = 0; c < NR; c++) acc[r * NR + c] += ar * b[c];
    }
  }
}

// Full 6x16 tile written straight into C (store on the first depth block, add after).
__attribute__((target("avx2,fma")))
void kernel_avx2_c(int kc, const float* Ap, const float* Bp, float* C, size_t ldc, bool first) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
    __m256 a;
    a = _mm256_broadcast_ss(Ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(Ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(Ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(Ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(Ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(Ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    Ap += MR;
    Bp += NR;
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


// 64-byte aligned, grow-only packing buffers, one pair per thread.
struct Buffer {
  float* ptr = nullptr;
  size_t cap = 0;
  ~Buffer() { std::free(ptr); }
};

struct Scratch {
  Buffer a, b;
};

thread_local Scratch scratch;

float* ensure(Buffer& buf, size_t n) {
  if (buf.cap < n) {
    std::free(buf.ptr);
    const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    buf.ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
    buf.cap = buf.ptr ? n : 0;
    if (!buf.ptr) throw std::bad_alloc();
  }
  return buf.ptr;
}

// The BLIS five loops over the sub-problem rows [m0, m1) x cols [n0, n1).
void sgemm_block(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB,
                 int m0, int m1, int n0, int n1) {
  static const bool avx2 = cpu_has_avx2_fma();
  if (m1 <= m0 || n1 <= n0) return;
  if (k == 0) {
    for (int i = m0; i < m1; i++) std::memset(C + (size_t)i * n + n0, 0, sizeof(float) * (n1 - n0));
    return;
  }
  alignas(32) float acc[MR * NR];
  for (int jc = n0; jc < n1; jc += NC) {
    const int nc = std::min(NC, n1 - jc);
    const int ncPad = (nc + NR - 1) / NR * NR;
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      float* Bp = ensure(scratch.b, (size_t)ncPad * kc);
      packB(B, n, k, transB, jc, nc, pc, kc, Bp);
      const bool first = pc == 0;
      for (int ic = m0; ic < m1; ic += MC) {
        const int mc = std::min(MC, m1 - ic);
        const int mcPad = (mc + MR - 1) / MR * MR;
        float* Ap = ensure(scratch.a, (size_t)mcPad * kc);
        packA(A, m, k, transA, ic, mc, pc, kc, Ap);
        for (int jr = 0; jr < nc; jr += NR) {
          const int cols = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {
            const int rows = std::min(MR, mc - ir);
            float* c = C + (size_t)(ic + ir) * n + jc + jr;
            if (avx2 && rows == MR && cols == NR) {
              kernel_avx2_c(kc, Ap + (size_t)ir * kc, Bp + (size_t)jr * kc, c, (size_t)n, first);
              continue;
            }
            // Edge tiles: compute the full padded tile into a scratch buffer, copy the valid part.
            if (avx2) kernel_avx2_c(kc, Ap + (size_t)ir * kc, Bp + (size_t)jr * kc, acc, NR, true);
            else kernel_generic(kc, Ap + (size_t)ir * kc, Bp + (size_t)jr * kc, acc);
            for (int r = 0; r < rows; r++) {
              float* cr = c + (size_t)r * n;
              const float* ar = acc + r * NR;
              if (first) {
                for (int q = 0; q < cols; q++) cr[q] = ar[q];
              } else {
                for (int q = 0; q < cols; q++) cr[q] += ar[q];
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = [] {
    if (std::getenv("MYELIN_NATIVE_NO_AVX2")) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

void sgemm_cols(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int n0, int n1) {
  sgemm_block(A, B, C, m, n, k, transA, transB, 0, m, n0, n1);
}

void sgemm_rows(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int m0, int m1) {
  sgemm_block(A, B, C, m, n, k, transA, transB, m0, m1, 0, n);
}

}  // namespace myelin
