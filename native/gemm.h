// Packed single-precision GEMM (GotoBLAS/BLIS-style blocking) with runtime CPU
// dispatch: an AVX2+FMA 6x16 micro-kernel where the CPU has it, portable C++ otherwise.
#pragma once
#include <cstddef>

namespace myelin {

// C[m x n] = op(A) @ op(B); A is m x k (k x m when transA), B is k x n (n x k when transB),
// all row-major and contiguous. Columns [n0, n1) of C only (threads split on n).
void sgemm_cols(const float* A, const float* B, float* C, int m, int n, int k,
                bool transA, bool transB, int n0, int n1);
// Rows [m0, m1) of C only (threads split on m when n is small).
void sgemm_rows(const float* A, const float* B, float* C, int m, int n, int k,
                bool transA, bool transB, int m0, int m1);

bool cpu_has_avx2_fma();

}  // namespace myelin
