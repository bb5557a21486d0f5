// Packed SGEMM. Blocking follows the BLIS recipe for Zen/Haswell: op(B) is packed into
// KC x NR panels (for all of k at once, one column block of at most kBlockFloats), op(A)
// into MR x KC panels per row block (an L2-sized MC x KC block), and a 6x16
// register-blocked micro-kernel keeps 12 ymm accumulators live. Transposes are folded
// into the packing (8x8 register transposes), so A@B^T and A^T@B run at A@B's speed.
// Small and skinny products skip packing where it would not pay: a row-major A meeting
// few B panels is read in place, and A@B^T with a small A is computed as C^T = B A^T so
// that the big B is the operand read in place (tiles stored transposed).
//
// Threads share one packed B block (packed cooperatively) and take row x column tasks
// of C from an atomic counter; batches of small products go one product per task, and a
// broadcast operand (stride 0) is packed once for the whole batch. Every element of C
// is the same chain of FMAs (from zero over each KC depth block, blocks added in order)
// whatever the split, packing or orientation, so results are bitwise identical for any
// thread count.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <new>
#include <utility>

#include "pool.h"

namespace myelin {

namespace {

constexpr int MR = 6;
constexpr int NR = 16;
// Depth blocks: at most KC deep, k split into equal blocks (784 = 2 x 392, not 512 + 272:
// a shallow block pays the C tile update for little work). KC = 512 (B micro-panel 32 KiB,
// partly served from L2) measured 2-5% faster than 256 at N = 1024/2048 and k = 784, the
// same elsewhere: half as many read-modify-write passes over C.
constexpr int KC = 512;
constexpr int MC = 96;  // packed A block: 96 x 512 x 4 B = 192 KiB, in L2
// Packed B column block (all of k): 4 MiB, L3-resident and shared by the threads.
constexpr size_t kBlockFloats = size_t(1) << 20;
// Products below this many flops run on the calling thread alone. Measured on the quiet
// machine with spinning workers, 2 threads win from 64^3 (0.5 MFLOP: 1.3x; 128^3 1.85x)
// and break even near 32^3.
constexpr double kThreadFlops = 2.0e5;
// Floats of slack after every packing buffer (the A transposes store 8 lanes for 6).
constexpr size_t kSlack = 16;
// Row-major B is read in place (not packed) for products of at most this many row tiles.
constexpr int kInPlaceTiles = 6;
// Products with a shallower depth are not computed as C^T (its transposed tile stores
// cost too much next to a short FMA loop).
constexpr int kSwapMinDepth = 64;
// A row-major A is read in place (not packed) when it meets at most this many B panels.
constexpr int kRowMajorPanels = 8;

inline int roundUp(int x, int to) { return (x + to - 1) / to * to; }

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

using KernelFn = void (*)(int, const float*, size_t, const float*, size_t, float*, size_t, bool);

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
constexpr const KernelFn* kAvx2[2][2] = {{kRowPacked, kRow<false, true>}, {kRow<true, false>, kRow<true, true>}};

// ---------------------------------------------------------------------------------------
// Buffers: 64-byte aligned and grow-only. Each thread packs its A blocks (and, for
// batch tasks, its B blocks) privately; the calling thread also owns the blocks that
// all threads read during one call (a cooperatively packed B block, a broadcast operand).

struct Buffer {
  float* ptr = nullptr;
  size_t cap = 0;
  ~Buffer() { std::free(ptr); }
  float* get(size_t n) {
    n += kSlack;
    if (cap < n) {
      std::free(ptr);
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
      cap = ptr ? n : 0;
      if (!ptr) throw std::bad_alloc();
    }
    return ptr;
  }
};

thread_local Buffer privA, privB, sharedB, bcastA, bcastB;

int depthBlock(int k) {
  const int blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

// One product as the kernels see it, and the kernels chosen for this CPU. With swap the
// product is computed as C^T = op(B)^T op(A)^T: m, n, ta, tb and the A, B pointers handed
// around describe that view, and tiles are stored transposed into C.
struct Geom {
  int m, n, k;
  bool ta, tb;
  bool avx2;
  int kcb;       // depth block size
  bool swap;     // the view is C^T
  bool directA;  // the view's A is row-major and read in place (never packed)
  // Where view element (i, j) of C lives.
  float* cAt(float* C, int i, int j) const {
    return swap ? C + (size_t)j * m + i : C + (size_t)i * n + j;
  }
  void packA(const float* A, int i0, int mc, int p0, int kc, float* dst) const {
    (avx2 ? packA_avx2 : packA_generic)(A, m, k, ta, i0, mc, p0, kc, dst);
  }
  void packB(const float* B, int j0, int nc, int p0, int kc, float* dst) const {
    (avx2 ? packB_avx2 : packB_generic)(B, n, k, tb, j0, nc, p0, kc, dst);
  }
};

// Whether a row-major operand with rows k floats apart may be read in place by the
// kernels: not when k is a multiple of 1024 (the rows of a tile would share L1 sets).
bool rowsReadable(int k) { return k % 1024 != 0; }

// The view of C = op(A) op(B) the kernels run (see Geom). A row-major A is read in place
// when it meets only a few B panels (packing it would not pay for itself; with many
// panels the contiguous packed block measured 2-3% faster). For such products a
// row-major B^T that is the larger operand is handled by computing C^T, so that B is the
// operand read in place and only the small op(A) gets packed.
Geom makeGeom(int m, int n, int k, bool ta, bool tb) {
  Geom g{m, n, k, ta, tb, cpu_has_avx2_fma(), depthBlock(k), false, false};
  if (!g.avx2 || !rowsReadable(k)) return g;
  const int fewCols = kRowMajorPanels * NR;
  if (tb && n > m && m <= fewCols && k >= kSwapMinDepth) {
    g.swap = true;
    g.m = n;
    g.n = m;
    g.ta = false;  // op(B)^T is B itself, n x k row-major
    g.tb = !ta;    // op(A)^T[p][i] = A[i * k + p] unless A is stored transposed
  }
  g.directA = !g.ta && g.n <= fewCols;
  return g;
}

// A packed operand block: all depth blocks of rows (or columns) [start, start + count);
// depth block p0 begins at p0 * padded, and within it panel x at x * kc.
struct Packed {
  const float* data;
  int start, padded;
  const float* at(int p0, int kc, int idx) const { return data + (size_t)p0 * padded + (size_t)(idx - start) * kc; }
};

// Where the NR-column panels of one column block of op(B) are: packed, or (columns
// before directEnd, full panels of a row-major B) read in place, rows ld apart.
struct BBlock {
  Packed packed;
  const float* direct = nullptr;
  size_t ld = 0;
  int directEnd = 0;
  const float* at(int p0, int kc, int j, size_t* stride) const {
    if (j < directEnd) {
      *stride = ld;
      return direct + (size_t)p0 * ld + j;
    }
    *stride = NR;
    return packed.at(p0, kc, j);
  }
};

// Packs panels [pan0, pan1) (NR-column units, counted from jb) of op(B) for all depth
// blocks, where `to` says they go.
void packPanels(const Geom& g, const float* B, int jb, int nc, int pan0, int pan1, const Packed& to) {
  const int j0 = jb + pan0 * NR, j1 = jb + std::min(nc, pan1 * NR);
  if (j1 <= j0) return;
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    g.packB(B, j0, j1 - j0, pc, kc, const_cast<float*>(to.at(pc, kc, j0)));
  }
}

// Whether full panels of op(B) are read in place instead of packed: a row-major B that
// few row tiles reuse (so packing would cost more than it saves), with a row stride that
// does not alias in L1 (a multiple of 4 KiB would crowd a panel's rows into few sets).
bool readBInPlace(const Geom& g) {
  if (g.tb || g.n < NR || (g.m + MR - 1) / MR > kInPlaceTiles) return false;
  const size_t stride = (size_t)g.n * sizeof(float);
  return (stride & (~stride + 1)) <= 64 || (size_t)g.k * g.n <= 4096;
}

// Lays out the column block [jb, jb+nc) of B_i over `buf` and says which panels must be
// packed into it: all of them, or only the partial last one when B is read in place.
BBlock layoutB(const Geom& g, const float* Bi, int jb, int nc, bool inPlace, float* buf, int* pan0, int* pan1) {
  BBlock b;
  *pan1 = roundUp(nc, NR) / NR;
  if (inPlace) {
    *pan0 = nc / NR;
    b.direct = Bi;
    b.ld = (size_t)g.n;
    b.directEnd = jb + *pan0 * NR;
    b.packed = {buf, b.directEnd, NR};
  } else {
    *pan0 = 0;
    b.packed = {buf, jb, *pan1 * NR};
  }
  return b;
}

// Floats of packing buffer for a block of nc columns.
size_t blockFloats(const Geom& g, int nc, bool inPlace) {
  return (size_t)(inPlace ? (nc % NR ? NR : 0) : roundUp(nc, NR)) * g.k;
}

// Packs rows [0, m) of op(A), all depth blocks.
void packAWhole(const Geom& g, const float* A, float* dst) {
  const int mPad = roundUp(g.m, MR);
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    g.packA(A, 0, g.m, pc, kc, dst + (size_t)pc * mPad);
  }
}

// View rows [i0, i1) x columns [j0, j1) of C from the laid-out B block, A read in place
// (g.directA), from the whole packed A (pa), or packed here per depth block. i0 is a
// multiple of MR; j0 - B's start a multiple of NR.
void computeRect(const Geom& g, const float* A, const Packed* pa, const BBlock& pb, float* C,
                 int i0, int i1, int j0, int j1) {
  if (i1 <= i0 || j1 <= j0) return;
  alignas(32) float edge[MR * NR];
  const size_t ldc = g.swap ? (size_t)g.m : (size_t)g.n;
  const KernelFn* kern = g.avx2 ? kAvx2[g.directA][g.swap] : nullptr;
  const KernelFn* kernEdge = g.avx2 ? kAvx2[g.directA][false] : nullptr;
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    const bool first = pc == 0;
    // Row ir of the A block starts at Ap + (ir - i0) * aStep.
    const float* Ap;
    size_t aStep = kc;
    if (g.directA) {
      Ap = A + (size_t)i0 * g.k + pc;
      aStep = g.k;
    } else if (pa) {
      Ap = pa->at(pc, kc, i0);
    } else {
      float* buf = privA.get((size_t)roundUp(i1 - i0, MR) * kc);
      g.packA(A, i0, i1 - i0, pc, kc, buf);
      Ap = buf;
    }
    const auto tile = [&](int ir, int jr, const float* Bp, size_t ldb) {
      const int rows = std::min(MR, i1 - ir), cols = std::min(NR, j1 - jr);
      const float* a = Ap + (size_t)(ir - i0) * aStep;
      float* c = g.cAt(C, ir, jr);
      if (g.avx2) {
        if (cols == NR) {
          kern[rows](kc, a, (size_t)g.k, Bp, ldb, c, ldc, first);
          return;
        }
        kernEdge[rows](kc, a, (size_t)g.k, Bp, ldb, edge, NR, true);
      } else {
        if (rows == MR && cols == NR) {
          kernel_generic(kc, a, Bp, ldb, c, ldc, first);
          return;
        }
        kernel_generic(kc, a, Bp, ldb, edge, NR, true);
      }
      // Edge tile (last columns): computed into a scratch tile, its valid part copied.
      for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
          float* d = g.cAt(C, ir + r, jr + q);
          *d = first ? edge[r * NR + q] : *d + edge[r * NR + q];
        }
    };
    size_t ldb;
    if (g.directA) {
      // A read in place meets few B panels: A-row-major order, so each 6-row slice of A
      // comes from memory once and stays in L1 across the panels (which sit in L2).
      for (int ir = i0; ir < i1; ir += MR)
        for (int jr = j0; jr < j1; jr += NR) {
          const float* Bp = pb.at(pc, kc, jr, &ldb);
          tile(ir, jr, Bp, ldb);
        }
    } else {
      // B-panel-major: a B micro-panel stays in L1 across the packed A block.
      for (int jr = j0; jr < j1; jr += NR) {
        const float* Bp = pb.at(pc, kc, jr, &ldb);
        for (int ir = i0; ir < i1; ir += MR) tile(ir, jr, Bp, ldb);
      }
    }
  }
}

// Columns per packed B block: all of n when it fits kBlockFloats, else a multiple of NR.
int blockCols(const Geom& g) {
  const size_t fit = kBlockFloats / std::max(1, g.k) / NR * NR;
  return (int)std::max<size_t>(NR, std::min<size_t>(fit, (size_t)g.n));
}

// One product, rows [m0, m1) x columns [n0, n1), on the calling thread. pa / pb: the
// whole operand laid out already (broadcast across a batch), or null to pack here.
void productRect(const Geom& g, const float* A, const float* B, float* C, const Packed* pa, const BBlock* pb,
                 int m0, int m1, int n0, int n1) {
  const bool inPlace = readBInPlace(g);
  const int ncMax = pb ? n1 - n0 : blockCols(g);
  for (int jb = n0; jb < n1; jb += ncMax) {
    const int nc = std::min(ncMax, n1 - jb);
    BBlock blk;
    if (pb) {
      blk = *pb;
    } else {
      int pan0, pan1;
      blk = layoutB(g, B, jb, nc, inPlace, privB.get(blockFloats(g, nc, inPlace)), &pan0, &pan1);
      packPanels(g, B, jb, nc, pan0, pan1, blk.packed);
    }
    for (int ic = m0; ic < m1; ic += MC) computeRect(g, A, pa, blk, C, ic, std::min(m1, ic + MC), jb, jb + nc);
  }
}

// Claims the next task below `end` (tasks are numbered across phases, so a counter never
// runs past the phase it is in).
inline bool claim(std::atomic<int>& next, int end, int* task) {
  int t = next.load(std::memory_order_relaxed);
  while (t < end) {
    if (next.compare_exchange_weak(t, t + 1, std::memory_order_relaxed)) {
      *task = t;
      return true;
    }
  }
  return false;
}

inline void waitFor(const std::atomic<int>& done, int target) {
  spinWhile([&] { return done.load(std::memory_order_acquire) < target; });
}

// Splits [0, units) into `parts` near-equal contiguous ranges; returns the start of `i`.
inline int splitAt(int units, int parts, int i) { return (int)((long long)units * i / parts); }

// Threads cooperate on each product in turn. When op(A) is the smaller operand (m < n/T)
// they split the columns: each packs its own panels of B and all of A (an extra copy of
// the small operand, no sharing). Otherwise they split the rows around one shared packed
// B block: they pack its panels together, wait for all of them, then take row chunks.
void cooperative(Pool& pool, const Geom& g, const float* A, const float* B, float* C, int batch,
                 int64_t sa, int64_t sb, const Packed* pa, const BBlock* pb) {
  const int T = pool.size();
  if ((long long)g.m * T < g.n) {
    const int panels = (g.n + NR - 1) / NR, cc = std::min(panels, T);
    std::atomic<int> next{0};
    pool.runDynamic([&](int) {
      int t;
      while (claim(next, batch * cc, &t)) {
        const int i = t / cc, c = t % cc;
        productRect(g, A + i * sa, B + i * sb, C + (size_t)i * g.m * g.n, pa, pb, 0, g.m, splitAt(panels, cc, c) * NR,
                    std::min(g.n, splitAt(panels, cc, c + 1) * NR));
      }
    });
    return;
  }
  const bool inPlace = readBInPlace(g);
  const int ncMax = pb ? g.n : blockCols(g);
  float* shared = pb ? nullptr : sharedB.get(blockFloats(g, ncMax, inPlace));
  // Task grid of one block: row chunks of at most MC rows, a multiple of T in all.
  const int mt = (g.m + MR - 1) / MR;
  int rc = std::min(mt, roundUp((mt + MC / MR - 1) / (MC / MR), T));
  std::atomic<int> packNext{0}, packDone{0}, workNext{0}, workDone{0};
  pool.runDynamic([&](int) {
    int packEnd = 0, workEnd = 0, t;
    for (int i = 0; i < batch; i++) {
      const float* Ai = A + i * sa;
      const float* Bi = B + i * sb;
      float* Ci = C + (size_t)i * g.m * g.n;
      for (int jb = 0; jb < g.n; jb += ncMax) {
        const int nc = std::min(ncMax, g.n - jb);
        const int panels = roundUp(nc, NR) / NR;
        // Everyone must be done reading the previous block before it is overwritten.
        waitFor(workDone, workEnd);
        BBlock blk;
        if (pb) {
          blk = *pb;
        } else {
          int pan0, pan1;
          blk = layoutB(g, Bi, jb, nc, inPlace, shared, &pan0, &pan1);
          const int groups = std::min(pan1 - pan0, 2 * T), base = packEnd;
          packEnd += groups;
          while (claim(packNext, packEnd, &t)) {
            const int q = t - base;
            packPanels(g, Bi, jb, nc, pan0 + splitAt(pan1 - pan0, groups, q), pan0 + splitAt(pan1 - pan0, groups, q + 1), blk.packed);
            packDone.fetch_add(1, std::memory_order_release);
          }
          waitFor(packDone, packEnd);
        }
        const int cc = rc >= T ? 1 : std::min(panels, (T + rc - 1) / rc);
        const int base = workEnd;
        workEnd += rc * cc;
        while (claim(workNext, workEnd, &t)) {
          const int r = (t - base) / cc, c = (t - base) % cc;
          const int i0 = splitAt(mt, rc, r) * MR, i1 = std::min(g.m, splitAt(mt, rc, r + 1) * MR);
          const int j0 = jb + splitAt(panels, cc, c) * NR, j1 = std::min(jb + nc, jb + splitAt(panels, cc, c + 1) * NR);
          for (int ic = i0; ic < i1; ic += MC) computeRect(g, Ai, pa, blk, Ci, ic, std::min(i1, ic + MC), j0, j1);
          workDone.fetch_add(1, std::memory_order_release);
        }
      }
    }
  });
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

void sgemm(Pool* pool, const float* A, const float* B, float* C, int batch, int m, int n, int k,
           bool transA, bool transB, int64_t strideA, int64_t strideB) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::memset(C, 0, sizeof(float) * (size_t)batch * m * n);
    return;
  }
  Geom g = makeGeom(m, n, k, transA, transB);
  // The view's operands (swapped: A <- B, B <- A).
  if (g.swap) {
    std::swap(A, B);
    std::swap(strideA, strideB);
  }
  // A broadcast A is packed once for the batch rather than read in place per product.
  if (batch > 1 && strideA == 0) g.directA = false;
  const double flops = 2.0 * batch * m * n * k;
  const int T = pool && flops >= kThreadFlops ? pool->size() : 1;
  // A broadcast operand is laid out once for the whole batch.
  Packed pa{nullptr, 0, roundUp(g.m, MR)};
  BBlock pb;
  if (batch > 1 && strideA == 0 && !g.directA) {
    float* buf = bcastA.get((size_t)pa.padded * k);
    packAWhole(g, A, buf);
    pa.data = buf;
  }
  const bool bcastBlock = batch > 1 && strideB == 0;
  if (bcastBlock) {
    const bool inPlace = readBInPlace(g);
    int pan0, pan1;
    pb = layoutB(g, B, 0, g.n, inPlace, bcastB.get(blockFloats(g, g.n, inPlace)), &pan0, &pan1);
    packPanels(g, B, 0, g.n, pan0, pan1, pb.packed);
  }
  const Packed* ppa = pa.data ? &pa : nullptr;
  const BBlock* ppb = bcastBlock ? &pb : nullptr;
  const size_t mn = (size_t)m * n;
  if (T <= 1) {
    for (int i = 0; i < batch; i++) productRect(g, A + i * strideA, B + i * strideB, C + i * mn, ppa, ppb, 0, g.m, 0, g.n);
    return;
  }
  if (batch % T == 0 || batch >= 4 * T) {
    // Whole products per task.
    std::atomic<int> next{0};
    pool->runDynamic([&](int) {
      int i;
      while (claim(next, batch, &i)) productRect(g, A + i * strideA, B + i * strideB, C + i * mn, ppa, ppb, 0, g.m, 0, g.n);
    });
    return;
  }
  cooperative(*pool, g, A, B, C, batch, strideA, strideB, ppa, ppb);
}

void sgemm_cols(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int n0, int n1) {
  if (m <= 0 || n1 <= n0) return;
  if (k <= 0) {
    for (int i = 0; i < m; i++) std::memset(C + (size_t)i * n + n0, 0, sizeof(float) * (n1 - n0));
    return;
  }
  const Geom g{m, n, k, transA, transB, cpu_has_avx2_fma(), depthBlock(k), false, false};
  productRect(g, A, B, C, nullptr, nullptr, 0, m, n0, n1);
}

void sgemm_rows(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int m0, int m1) {
  if (m1 <= m0 || n <= 0) return;
  if (k <= 0) {
    for (int i = m0; i < m1; i++) std::memset(C + (size_t)i * n, 0, sizeof(float) * n);
    return;
  }
  const Geom g{m, n, k, transA, transB, cpu_has_avx2_fma(), depthBlock(k), false, false};
  productRect(g, A, B, C, nullptr, nullptr, m0, m1, 0, n);
}

}  // namespace myelin
