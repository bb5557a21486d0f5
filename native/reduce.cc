// Float32 sums over the middle axis of an [outer, r, inner] view, zero-copy (the base
// backend's wasm version copies the whole input into wasm memory first: 2 MB per bias
// gradient of the bench LSTM). Same summation order as assembly/reduce.ts, so the two
// agree bitwise: row sums (inner == 1) in four float64 lanes (elements j, j+1, j+2, j+3
// of each group of four), the lanes added as (l0 + l2) + (l1 + l3), then the tail in
// order; column sums start from row 0 and add the rows in order in float32.
#include "reduce.h"

#include <cstring>
#include <immintrin.h>

#include "gemm.h"
#include "napi_util.h"

namespace myelin {
namespace {

__attribute__((target("avx2,fma"))) float rowSum(const float* x, int r) {
  __m256d acc = _mm256_setzero_pd();
  int j = 0;
  for (; j + 4 <= r; j += 4) acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm_loadu_ps(x + j)));
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double total = _mm_cvtsd_f64(s) + _mm_cvtsd_f64(_mm_unpackhi_pd(s, s));
  for (; j < r; j++) total += (double)x[j];
  return (float)total;
}

__attribute__((target("avx2,fma"))) void colSum(const float* x, int r, int inner, float* out) {
  std::memcpy(out, x, sizeof(float) * inner);
  for (int j = 1; j < r; j++) {
    const float* xr = x + (size_t)j * inner;
    int i = 0;
    for (; i + 8 <= inner; i += 8) _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), _mm256_loadu_ps(xr + i)));
    for (; i < inner; i++) out[i] += xr[i];
  }
}

// reduceSum(x, outer, r, inner, out): out[o, i] = sum_j x[o, j, i], r >= 1.
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "reduceSum: bad arguments")) return nullptr;
  float *x, *out;
  size_t lx, lo;
  if (argc < 5 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[4], &out, &lo)) return nullptr;
  const int64_t outer = getInt(env, argv[1]), r = getInt(env, argv[2]), inner = getInt(env, argv[3]);
  if (outer < 0 || r < 1 || inner < 0 || (size_t)(outer * r * inner) > lx || (size_t)(outer * inner) > lo) {
    napi_throw_range_error(env, nullptr, "reduceSum: arrays too small for [outer, r, inner], or r < 1");
    return nullptr;
  }
  for (int64_t o = 0; o < outer; o++) {
    const float* xb = x + (size_t)(o * r * inner);
    float* ob = out + (size_t)(o * inner);
    if (inner == 1) *ob = rowSum(xb, (int)r);
    else if (inner > 0) colSum(xb, (int)r, (int)inner, ob);
  }
  return nullptr;
}

}  // namespace

void registerReduceKernels(napi_env env, napi_value exports) {
  if (!cpu_has_avx2_fma()) return;  // the base backend's reductions serve other CPUs
  napi_property_descriptor props[] = {
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
