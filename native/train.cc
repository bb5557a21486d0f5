// Training-step kernels: the fused Adam/AdamW update (float32, PyTorch's formula and
// operation order). AVX2 where the CPU has it, portable C++ otherwise; elementwise, so
// splitting across threads never changes a result.
#include "train.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "gemm.h"
#include "napi_util.h"

namespace myelin {
namespace {

Pool* thePool = nullptr;

struct AdamArgs {
  float *p, *g, *m, *v, *vmax;
  float b1, b2, c1, c2, stepSize, bc2Sqrt, eps, sign, l2, decay;
};

// One element, in the order of torch.optim.Adam's single-tensor path:
// p *= decay; g = sign*g + l2*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g;
// p -= stepSize * (m / (sqrt(max(vmax, v)) / bc2Sqrt + eps)).
inline void adamScalar(const AdamArgs& a, size_t i) {
  float p = a.p[i] * a.decay;
  const float g = a.sign * a.g[i] + a.l2 * p;
  const float m = a.b1 * a.m[i] + a.c1 * g;
  const float v = a.b2 * a.v[i] + a.c2 * (g * g);
  a.m[i] = m;
  a.v[i] = v;
  float vv = v;
  if (a.vmax) {
    vv = std::max(a.vmax[i], v);
    a.vmax[i] = vv;
  }
  a.p[i] = p - a.stepSize * (m / (std::sqrt(vv) / a.bc2Sqrt + a.eps));
}

__attribute__((target("avx2,fma"))) void adamAvx2(const AdamArgs& a, size_t i0, size_t i1) {
  const __m256 b1 = _mm256_set1_ps(a.b1), b2 = _mm256_set1_ps(a.b2), c1 = _mm256_set1_ps(a.c1), c2 = _mm256_set1_ps(a.c2);
  const __m256 st = _mm256_set1_ps(a.stepSize), bc = _mm256_set1_ps(a.bc2Sqrt), eps = _mm256_set1_ps(a.eps);
  const __m256 sg = _mm256_set1_ps(a.sign), l2 = _mm256_set1_ps(a.l2), dc = _mm256_set1_ps(a.decay);
  size_t i = i0;
  // Separate mul and add (no FMA contraction) so the result equals the scalar path.
  for (; i + 8 <= i1; i += 8) {
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(a.p + i), dc);
    const __m256 g = _mm256_add_ps(_mm256_mul_ps(sg, _mm256_loadu_ps(a.g + i)), _mm256_mul_ps(l2, p));
    const __m256 m = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(a.m + i)), _mm256_mul_ps(c1, g));
    const __m256 v = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(a.v + i)), _mm256_mul_ps(c2, _mm256_mul_ps(g, g)));
    _mm256_storeu_ps(a.m + i, m);
    _mm256_storeu_ps(a.v + i, v);
    __m256 vv = v;
    if (a.vmax) {
      vv = _mm256_max_ps(_mm256_loadu_ps(a.vmax + i), v);
      _mm256_storeu_ps(a.vmax + i, vv);
    }
    const __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vv), bc), eps);
    p = _mm256_sub_ps(p, _mm256_mul_ps(st, _mm256_div_ps(m, den)));
    _mm256_storeu_ps(a.p + i, p);
  }
  for (; i < i1; i++) adamScalar(a, i);
}

void adamRange(const AdamArgs& a, size_t i0, size_t i1) {
  static const bool avx2 = cpu_has_avx2_fma();
  if (avx2) {
    adamAvx2(a, i0, i1);
  } else {
    for (size_t i = i0; i < i1; i++) adamScalar(a, i);
  }
}

// adamStep(p, g, m, v, vmax|null, b1, b2, stepSize, bc2Sqrt, eps, sign, l2, decay)
napi_value AdamStep(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "adamStep: bad arguments")) return nullptr;
  if (argc < 13) {
    napi_throw_error(env, nullptr, "adamStep: expected 13 arguments");
    return nullptr;
  }
  AdamArgs a{};
  size_t n, lg, lm, lv, lx = 0;
  if (!getF32(env, argv[0], &a.p, &n) || !getF32(env, argv[1], &a.g, &lg) || !getF32(env, argv[2], &a.m, &lm) ||
      !getF32(env, argv[3], &a.v, &lv)) return nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[4], &t);
  if (t != napi_null && !getF32(env, argv[4], &a.vmax, &lx)) return nullptr;
  if (lg < n || lm < n || lv < n || (a.vmax && lx < n)) {
    napi_throw_range_error(env, nullptr, "adamStep: gradient/state arrays shorter than the parameter");
    return nullptr;
  }
  const double b1 = getDouble(env, argv[5]), b2 = getDouble(env, argv[6]);
  // 1 - beta in double, then rounded: PyTorch passes value=1-beta as a double scalar.
  a.b1 = (float)b1;
  a.b2 = (float)b2;
  a.c1 = (float)(1.0 - b1);
  a.c2 = (float)(1.0 - b2);
  a.stepSize = (float)getDouble(env, argv[7]);
  a.bc2Sqrt = (float)getDouble(env, argv[8]);
  a.eps = (float)getDouble(env, argv[9]);
  a.sign = (float)getDouble(env, argv[10]);
  a.l2 = (float)getDouble(env, argv[11]);
  a.decay = (float)getDouble(env, argv[12]);
  const int T = thePool ? thePool->size() : 1;
  if (T <= 1 || n < (1u << 16)) {
    adamRange(a, 0, n);
    return nullptr;
  }
  thePool->run([&](int tid) {
    const size_t per = ((n + T - 1) / T + 7) / 8 * 8;
    const size_t i0 = std::min(n, tid * per), i1 = std::min(n, i0 + per);
    if (i0 < i1) adamRange(a, i0, i1);
  });
  return nullptr;
}

}  // namespace

void registerTrainKernels(napi_env env, napi_value exports, Pool& pool) {
  thePool = &pool;
  napi_property_descriptor props[] = {
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
