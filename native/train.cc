// Training-step kernels: the fused Adam/AdamW update (float32, PyTorch's formula and
// operation order); row softmax / log-softmax and layer norm, forward and backward (AVX2 only; the
// JS kernels serve other CPUs). Work splits by element or row, so the thread count
// never changes a result.
#include "train.h"

#include <immintrin.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <string>

#include "elementwise.h"
#include "reduce.h"
#include "rnn.h"
#include "gemm.h"
#include "napi_util.h"
#include "simd_math.h"

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

// One lane's e^x through the vector routine, so row tails agree with the body.
__attribute__((target("avx2,fma"))) inline float exp1(float x) { return _mm256_cvtss_f32(exp256(_mm256_set1_ps(x))); }

// Rows [r0, r1) of the softmax; see Backend.softmax.
__attribute__((target("avx2,fma"))) void softmaxRowsAvx2(const float* x, float* out, int r0, int r1, int cols, float scale, int causalL, bool log) {
  const __m256 vs = _mm256_set1_ps(scale);
  for (int r = r0; r < r1; r++) {
    const float* xr = x + (size_t)r * cols;
    float* orow = out + (size_t)r * cols;
    const int n = causalL > 0 ? std::min(r % causalL + 1, cols) : cols;
    float m = -INFINITY;
    bool nan = false;
    for (int j = 0; j < n; j++) {
      const float z = xr[j] * scale;
      if (z > m) m = z;
      nan |= z != z;
    }
    if (nan) m = NAN;
    if (m == -INFINITY) m = 0;
    const __m256 mv = _mm256_set1_ps(m);
    __m256 acc = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      const __m256 e = exp256(_mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + j), vs), mv));
      if (!log) _mm256_storeu_ps(orow + j, e);
      acc = _mm256_add_ps(acc, e);
    }
    float s = hsum256(acc);
    for (; j < n; j++) {
      const float e = exp1(xr[j] * scale - m);
      if (!log) orow[j] = e;
      s += e;
    }
    if (log) {
      const float ls = std::log(s) + m;
      for (j = 0; j < n; j++) orow[j] = xr[j] * scale - ls;
    } else {
      const float inv = 1.f / s;
      const __m256 iv = _mm256_set1_ps(inv);
      for (j = 0; j + 8 <= n; j += 8) _mm256_storeu_ps(orow + j, _mm256_mul_ps(_mm256_loadu_ps(orow + j), iv));
      for (; j < n; j++) orow[j] *= inv;
    }
    for (j = n; j < cols; j++) orow[j] = 0.f;
  }
}

// Rows [r0, r1) of the softmax backward; see Backend.softmaxBackward.
__attribute__((target("avx2,fma"))) void softmaxBackwardRowsAvx2(const float* y, const float* g, float* out, int r0, int r1, int cols, float scale, bool log) {
  const __m256 vs = _mm256_set1_ps(scale), zero = _mm256_setzero_ps();
  for (int r = r0; r < r1; r++) {
    const size_t o = (size_t)r * cols;
    const float *yr = y + o, *gr = g + o;
    float* orow = out + o;
    __m256 acc = zero;
    int j = 0;
    if (log) {
      for (; j + 8 <= cols; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(gr + j));
    } else {
      for (; j + 8 <= cols; j += 8) acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(gr + j), _mm256_loadu_ps(yr + j)));
    }
    float dot = hsum256(acc);
    for (; j < cols; j++) {
      if (log) dot += gr[j];
      else dot += gr[j] * yr[j];
    }
    const __m256 dv = _mm256_set1_ps(dot);
    j = 0;
    if (log) {
      for (; j + 8 <= cols; j += 8) {
        const __m256 p = exp256(_mm256_loadu_ps(yr + j));
        _mm256_storeu_ps(orow + j, _mm256_mul_ps(vs, _mm256_sub_ps(_mm256_loadu_ps(gr + j), _mm256_mul_ps(p, dv))));
      }
      for (; j < cols; j++) orow[j] = scale * (gr[j] - exp1(yr[j]) * dot);
    } else {
      for (; j + 8 <= cols; j += 8) {
        const __m256 yy = _mm256_loadu_ps(yr + j);
        _mm256_storeu_ps(orow + j, _mm256_mul_ps(vs, _mm256_mul_ps(yy, _mm256_sub_ps(_mm256_loadu_ps(gr + j), dv))));
      }
      for (; j < cols; j++) orow[j] = scale * (yr[j] * (gr[j] - dot));
    }
  }
}

// Rows [r0, r1) of the layer norm; see Backend.layerNorm. Two passes (mean, then the
// squared deviations) keep the variance accurate in float32 lanes.
__attribute__((target("avx2,fma"))) void layerNormRows(const float* x, const float* w, const float* b, int D, float eps,
                                                        float* out, float* mean, float* rstd, int r0, int r1) {
  for (int r = r0; r < r1; r++) {
    const float* xr = x + (size_t)r * D;
    float* orow = out + (size_t)r * D;
    __m256 acc = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= D; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(xr + j));
    float s = hsum256(acc);
    for (; j < D; j++) s += xr[j];
    const float mu = s / D;
    const __m256 mv = _mm256_set1_ps(mu);
    acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= D; j += 8) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + j), mv);
      acc = _mm256_add_ps(acc, _mm256_mul_ps(d, d));
    }
    float v = hsum256(acc);
    for (; j < D; j++) v += (xr[j] - mu) * (xr[j] - mu);
    const float rs = 1.f / std::sqrt(v / D + eps);
    mean[r] = mu;
    rstd[r] = rs;
    const __m256 rv = _mm256_set1_ps(rs);
    for (j = 0; j + 8 <= D; j += 8) {
      __m256 y = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), rv);
      if (w) y = _mm256_mul_ps(y, _mm256_loadu_ps(w + j));
      if (b) y = _mm256_add_ps(y, _mm256_loadu_ps(b + j));
      _mm256_storeu_ps(orow + j, y);
    }
    for (; j < D; j++) {
      float y = (xr[j] - mu) * rs;
      if (w) y *= w[j];
      if (b) y += b[j];
      orow[j] = y;
    }
  }
}

// Layer-norm backward over all rows (one thread: dw/db sum over rows in a fixed order).
__attribute__((target("avx2,fma"))) void layerNormBackwardAll(const float* x, const float* w, const float* mean, const float* rstd, const float* g,
                                                               int rows, int D, float* dx, float* dw, float* db) {
  if (dw) std::fill(dw, dw + D, 0.f);
  if (db) std::fill(db, db + D, 0.f);
  for (int r = 0; r < rows; r++) {
    const size_t o = (size_t)r * D;
    const float *xr = x + o, *gr = g + o;
    const __m256 mv = _mm256_set1_ps(mean[r]), qv = _mm256_set1_ps(rstd[r]);
    __m256 a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps();
    int j = 0;
    for (; j + 8 <= D; j += 8) {
      const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), qv);
      const __m256 gj = _mm256_loadu_ps(gr + j);
      const __m256 gw = w ? _mm256_mul_ps(gj, _mm256_loadu_ps(w + j)) : gj;
      a1 = _mm256_add_ps(a1, gw);
      a2 = _mm256_add_ps(a2, _mm256_mul_ps(gw, xh));
      if (dw) _mm256_storeu_ps(dw + j, _mm256_add_ps(_mm256_loadu_ps(dw + j), _mm256_mul_ps(gj, xh)));
      if (db) _mm256_storeu_ps(db + j, _mm256_add_ps(_mm256_loadu_ps(db + j), gj));
    }
    float sg = hsum256(a1), sgx = hsum256(a2);
    for (; j < D; j++) {
      const float xh = (xr[j] - mean[r]) * rstd[r], gj = gr[j];
      const float gw = w ? gj * w[j] : gj;
      sg += gw;
      sgx += gw * xh;
      if (dw) dw[j] += gj * xh;
      if (db) db[j] += gj;
    }
    if (!dx) continue;
    const float a = sg / D, c = sgx / D;
    const __m256 av = _mm256_set1_ps(a), cv = _mm256_set1_ps(c);
    float* dr = dx + o;
    for (j = 0; j + 8 <= D; j += 8) {
      const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + j), mv), qv);
      const __m256 gj = _mm256_loadu_ps(gr + j);
      const __m256 gw = w ? _mm256_mul_ps(gj, _mm256_loadu_ps(w + j)) : gj;
      _mm256_storeu_ps(dr + j, _mm256_mul_ps(qv, _mm256_sub_ps(_mm256_sub_ps(gw, av), _mm256_mul_ps(xh, cv))));
    }
    for (; j < D; j++) {
      const float xh = (xr[j] - mean[r]) * rstd[r];
      const float gw = w ? gr[j] * w[j] : gr[j];
      dr[j] = rstd[r] * ((gw - a) - xh * c);
    }
  }
}

// softmax(x, rows, cols, scale, causalL, log, out)
napi_value Softmax(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "softmax: bad arguments")) return nullptr;
  float *x, *out;
  size_t lx, lo;
  if (argc < 7 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[6], &out, &lo)) return nullptr;
  const int rows = (int)getInt(env, argv[1]), cols = (int)getInt(env, argv[2]);
  const float scale = (float)getDouble(env, argv[3]);
  const int causalL = (int)getInt(env, argv[4]);
  const bool log = getBool(env, argv[5]);
  if (rows < 0 || cols < 0 || lx < (size_t)rows * cols || lo < (size_t)rows * cols) {
    napi_throw_range_error(env, nullptr, "softmax: array too small for rows x cols");
    return nullptr;
  }
  thePool->splitItems(rows, (double)rows * cols * 8, [&](int a, int b) { softmaxRowsAvx2(x, out, a, b, cols, scale, causalL, log); });
  return nullptr;
}

// softmaxBackward(y, g, rows, cols, scale, log, out)
napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "softmaxBackward: bad arguments")) return nullptr;
  float *y, *g, *out;
  size_t ly, lg, lo;
  if (argc < 7 || !getF32(env, argv[0], &y, &ly) || !getF32(env, argv[1], &g, &lg) || !getF32(env, argv[6], &out, &lo)) return nullptr;
  const int rows = (int)getInt(env, argv[2]), cols = (int)getInt(env, argv[3]);
  const float scale = (float)getDouble(env, argv[4]);
  const bool log = getBool(env, argv[5]);
  const size_t n = (size_t)rows * cols;
  if (rows < 0 || cols < 0 || ly < n || lg < n || lo < n) {
    napi_throw_range_error(env, nullptr, "softmaxBackward: array too small for rows x cols");
    return nullptr;
  }
  thePool->splitItems(rows, (double)n * 4, [&](int a, int b) { softmaxBackwardRowsAvx2(y, g, out, a, b, cols, scale, log); });
  return nullptr;
}

// layerNorm(x, w|null, b|null, rows, D, eps, out, mean, rstd)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "layerNorm: bad arguments")) return nullptr;
  float *x, *w, *b, *out, *mean, *rstd;
  size_t lx, lw, lb, lo, lm, lr;
  if (argc < 9 || !getF32(env, argv[0], &x, &lx) || !optF32(env, argv[1], &w, &lw) || !optF32(env, argv[2], &b, &lb) ||
      !getF32(env, argv[6], &out, &lo) || !getF32(env, argv[7], &mean, &lm) || !getF32(env, argv[8], &rstd, &lr)) return nullptr;
  const int rows = (int)getInt(env, argv[3]), D = (int)getInt(env, argv[4]);
  const float eps = (float)getDouble(env, argv[5]);
  const size_t n = (size_t)rows * D;
  if (rows < 0 || D <= 0 || lx < n || lo < n || lm < (size_t)rows || lr < (size_t)rows || (w && lw < (size_t)D) || (b && lb < (size_t)D)) {
    napi_throw_range_error(env, nullptr, "layerNorm: array too small for rows x D");
    return nullptr;
  }
  thePool->splitItems(rows, (double)n * 4, [&](int r0, int r1) { layerNormRows(x, w, b, D, eps, out, mean, rstd, r0, r1); });
  return nullptr;
}

// layerNormBackward(x, w|null, mean, rstd, g, rows, D, dx|null, dw|null, db|null)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "layerNormBackward: bad arguments")) return nullptr;
  float *x, *w, *mean, *rstd, *g, *dx, *dw, *db;
  size_t lx, lw, lm, lr, lg, ldx, ldw, ldb;
  if (argc < 10 || !getF32(env, argv[0], &x, &lx) || !optF32(env, argv[1], &w, &lw) || !getF32(env, argv[2], &mean, &lm) ||
      !getF32(env, argv[3], &rstd, &lr) || !getF32(env, argv[4], &g, &lg) || !optF32(env, argv[7], &dx, &ldx) ||
      !optF32(env, argv[8], &dw, &ldw) || !optF32(env, argv[9], &db, &ldb)) return nullptr;
  const int rows = (int)getInt(env, argv[5]), D = (int)getInt(env, argv[6]);
  const size_t n = (size_t)rows * D;
  if (rows < 0 || D <= 0 || lx < n || lg < n || lm < (size_t)rows || lr < (size_t)rows || (w && lw < (size_t)D) ||
      (dx && ldx < n) || (dw && ldw < (size_t)D) || (db && ldb < (size_t)D)) {
    napi_throw_range_error(env, nullptr, "layerNormBackward: array too small for rows x D");
    return nullptr;
  }
  layerNormBackwardAll(x, w, mean, rstd, g, rows, D, dx, dw, db);
  return nullptr;
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
  thePool->parallelFor((int64_t)n, thePool->pieces((int64_t)n / 8), 8, [&](int64_t i0, int64_t i1) { adamRange(a, (size_t)i0, (size_t)i1); });
  return nullptr;
}

}  // namespace

// Tensors are large, short-lived ArrayBuffers that V8 allocates with calloc and frees
// at GC. With glibc's defaults each one over the (dynamic) mmap threshold is a fresh
// mmap, page-faulted in on first touch and unmapped at GC, and heap tops are trimmed
// back to the OS: ~20% of a Transformer training step. Keeping freed memory for reuse
// (as PyTorch's caching allocator does) removes that. MYELIN_MALLOC=default opts out.
void tuneMalloc() {
#if defined(__GLIBC__)
  const char* opt = std::getenv("MYELIN_MALLOC");
  if (opt && std::string(opt) == "default") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

void registerTrainKernels(napi_env env, napi_value exports, Pool& pool) {
  thePool = &pool;
  tuneMalloc();
  registerElementwiseKernels(env, exports, pool);
  registerRnnKernels(env, exports);
  registerReduceKernels(env, exports);
  // The softmax kernels are AVX2-only; without it JS keeps them (the addon omits them).
  if (!cpu_has_avx2_fma()) {
    napi_property_descriptor adam = {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr};
    napi_define_properties(env, exports, 1, &adam);
    return;
  }
  napi_property_descriptor props[] = {
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxBackward", nullptr, SoftmaxBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
