// Packed single-precision GEMM (GotoBLAS/BLIS-style blocking) with runtime CPU
// dispatch: an AVX2+FMA 6x16 micro-kernel where the CPU has it, portable C++ otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace myelin {

class Pool;

// C_i[m x n] = op(A_i) @ op(B_i) for i < batch, with A_i = A + i * strideA (m x k, or k x m
// when transA), B_i = B + i * strideB (k x n, or n x k when transB), C_i = C + i * m * n;
// all row-major and contiguous. A stride of 0 broadcasts that operand (packed once).
// Work is split over the pool's threads (or run on the caller alone when pool is null or
// the product is small); every result is bitwise identical for any thread count.
void sgemm(Pool* pool, const float* A, const float* B, float* C, int batch, int m, int n, int k,
           bool transA, bool transB, int64_t strideA, int64_t strideB);

// Single-threaded pieces of one product: columns [n0, n1) or rows [m0, m1) of C only.
void sgemm_cols(const float* A, const float* B, float* C, int m, int n, int k,
                bool transA, bool transB, int n0, int n1);
void sgemm_rows(const float* A, const float* B, float* C, int m, int n, int k,
                bool transA, bool transB, int m0, int m1);

bool cpu_has_avx2_fma();

// Whether arrays of la, lb, lc elements hold a batched GEMM's operands and result
// (the N-API entry points check this before touching raw memory).
inline bool gemmArgsFit(int batch, int m, int n, int k, int64_t sa, int64_t sb, size_t la, size_t lb, size_t lc) {
  if (batch < 0 || m < 0 || n < 0 || k < 0 || sa < 0 || sb < 0) return false;
  const size_t needA = (size_t)(batch > 0 ? (batch - 1) * sa : 0) + (size_t)m * k;
  const size_t needB = (size_t)(batch > 0 ? (batch - 1) * sb : 0) + (size_t)k * n;
  return la >= needA && lb >= needB && lc >= (size_t)batch * m * n;
}

}  // namespace myelin
