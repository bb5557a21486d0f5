// Interface between the native SGEMM driver (gemm.cc) and its packing routines and
// micro-kernels (gemm_kernels.cc). Internal to the addon.
#pragma once

#include <cstddef>

namespace myelin {
namespace gemm_kernels {

/** Micro-tile: MR rows x NR columns of C (12 ymm accumulators). */
constexpr int MR = 6;
constexpr int NR = 16;

// Rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into MR-row panels at dst + ir * kc.
void packA_generic(const float* A, int m, int k, bool transA, int i0, int mc, int p0, int kc, float* dst);
void packA_avx2(const float* A, int m, int k, bool transA, int i0, int mc, int p0, int kc, float* dst);
// Depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into NR-column panels at dst + jr * kc.
void packB_generic(const float* B, int n, int k, bool transB, int j0, int nc, int p0, int kc, float* dst);
void packB_avx2(const float* B, int n, int k, bool transB, int j0, int nc, int p0, int kc, float* dst);

// A full MR x NR tile of C (= when first, += after); B rows ldb apart.
void kernel_generic(int kc, const float* Ap, const float* Bp, size_t ldb, float* C, size_t ldc, bool first);

// A tile of R rows (1..MR) x NR columns: A panel (or rows lda apart in place), B rows ldb
// apart, C rows ldc apart (or the tile stored transposed).
using KernelFn = void (*)(int kc, const float* Ap, size_t lda, const float* Bp, size_t ldb, float* C, size_t ldc, bool first);
// AVX2 tile kernels by [A read in place][C stored transposed][rows 1..MR].
extern const KernelFn* const kAvx2[2][2];

}  // namespace gemm_kernels
}  // namespace myelin
