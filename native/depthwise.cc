// Kernels for the model zoo's hot paths (issue #21), zero-copy on the caller's arrays:
// depthwise conv2d (groups = in = out channels; MobileNet, EfficientNet, ConvNeXt)
// as a direct sliding-window kernel, forward and both gradients, instead of an im2col
// and a batched GEMM of one row per group; clamp (ReLU6, hardtanh) and hardtanh's gradient, which ran in JS.
//
// Every depthwise mode walks the same skeleton: per output row oh and kernel row kh the
// input row ih = oh*sH - padT + kh*dH, and per kernel column kw the output columns whose
// input column iw = ow*sW - padL + kw*dW lies inside the image. Per (plane, kernel tap)
// the inner loop is an axpy (forward, input gradient) or a dot product (weight gradient)
// over that column range: contiguous for stride 1 (AVX2 below), strided otherwise.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "conv.h"
#include "gemm.h"
#include "napi_util.h"
#include "pool.h"

namespace myelin {
namespace {

Pool* dwPool = nullptr;

// Valid output-column range [lo, hi) for kernel column kw (iw inside [0, W)).
inline void colRange(const ConvGeom& g, int kw, int* lo, int* hi) {
  const int a = g.padL - kw * g.dW;  // ow*sW >= a
  const int b = g.W - 1 + g.padL - kw * g.dW;  // ow*sW <= b
  *lo = a <= 0 ? 0 : (a + g.sW - 1) / g.sW;
  *hi = b < 0 ? 0 : std::min(g.oW, b / g.sW + 1);
  if (*hi < *lo) *hi = *lo;
}

// o[i] += w * x[i * s] for i < n.
__attribute__((target("avx2,fma"))) inline void axpyStrided(float* o, const float* x, int s, float w, int n) {
  int i = 0;
  if (s == 1) {
    const __m256 vw = _mm256_set1_ps(w);
    // mul then add (no FMA): the same rounding as the reference's separate products and sums.
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_add_ps(_mm256_loadu_ps(o + i), _mm256_mul_ps(vw, _mm256_loadu_ps(x + i))));
  }
  for (; i < n; i++) o[i] += w * x[(size_t)i * s];
}

// o[i * s] += w * g[i] for i < n (the adjoint of axpyStrided).
__attribute__((target("avx2,fma"))) inline void axpyScatter(float* o, const float* g, int s, float w, int n) {
  int i = 0;
  if (s == 1) {
    const __m256 vw = _mm256_set1_ps(w);
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_add_ps(_mm256_loadu_ps(o + i), _mm256_mul_ps(vw, _mm256_loadu_ps(g + i))));
  }
  for (; i < n; i++) o[(size_t)i * s] += w * g[i];
}

// sum of g[i] * x[i * s] for i < n.
__attribute__((target("avx2,fma"))) inline double dotStrided(const float* g, const float* x, int s, int n) {
  int i = 0;
  double acc = 0;
  if (s == 1) {
    __m256 v = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_loadu_ps(g + i), _mm256_loadu_ps(x + i)));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, v);
    for (float l : lanes) acc += l;
  }
  for (; i < n; i++) acc += (double)g[i] * x[(size_t)i * s];
  return acc;
}

// Calls fn(ohRow, ihRow, kh) for every output row and kernel row whose input row is inside.
template <typename F>
inline void forRows(const ConvGeom& g, F&& fn) {
  for (int oh = 0; oh < g.oH; oh++)
    for (int kh = 0; kh < g.kH; kh++) {
      const int ih = oh * g.sH - g.padT + kh * g.dH;
      if (ih >= 0 && ih < g.H) fn(oh, ih, kh);
    }
}

// Planes [p0, p1) of [n*C] (plane p is channel p % C): out = depthwise conv (+ bias).
__attribute__((target("avx2,fma"))) void dwForward(const float* x, const float* w, const float* bias, float* out,
                                                  const ConvGeom& g, int p0, int p1) {
  const int kk = g.kH * g.kW, L = g.oH * g.oW;
  int lo[64], hi[64];
  for (int kw = 0; kw < g.kW; kw++) colRange(g, kw, &lo[kw], &hi[kw]);
  for (int p = p0; p < p1; p++) {
    const int c = p % g.C;
    const float* xp = x + (size_t)p * g.H * g.W;
    const float* wc = w + (size_t)c * kk;
    float* op = out + (size_t)p * L;
    std::fill(op, op + L, bias ? bias[c] : 0.f);
    forRows(g, [&](int oh, int ih, int kh) {
      for (int kw = 0; kw < g.kW; kw++) {
        if (hi[kw] <= lo[kw]) continue;
        const int iw0 = lo[kw] * g.sW - g.padL + kw * g.dW;
        axpyStrided(op + (size_t)oh * g.oW + lo[kw], xp + (size_t)ih * g.W + iw0, g.sW, wc[kh * g.kW + kw], hi[kw] - lo[kw]);
      }
    });
  }
}

// Planes [p0, p1): dx (overwritten) = the adjoint of dwForward's products for gy.
__attribute__((target("avx2,fma"))) void dwInputGrad(const float* w, const float* gy, float* dx, const ConvGeom& g, int p0, int p1) {
  const int kk = g.kH * g.kW, L = g.oH * g.oW;
  int lo[64], hi[64];
  for (int kw = 0; kw < g.kW; kw++) colRange(g, kw, &lo[kw], &hi[kw]);
  for (int p = p0; p < p1; p++) {
    const int c = p % g.C;
    const float* gp = gy + (size_t)p * L;
    const float* wc = w + (size_t)c * kk;
    float* dp = dx + (size_t)p * g.H * g.W;
    std::fill(dp, dp + (size_t)g.H * g.W, 0.f);
    forRows(g, [&](int oh, int ih, int kh) {
      for (int kw = 0; kw < g.kW; kw++) {
        if (hi[kw] <= lo[kw]) continue;
        const int iw0 = lo[kw] * g.sW - g.padL + kw * g.dW;
        axpyScatter(dp + (size_t)ih * g.W + iw0, gp + (size_t)oh * g.oW + lo[kw], g.sW, wc[kh * g.kW + kw], hi[kw] - lo[kw]);
      }
    });
  }
}

// Channels [c0, c1): dw [C, kH*kW] (overwritten) = sum over the n images of gy ⊙ the shifted x.
__attribute__((target("avx2,fma"))) void dwWeightGrad(const float* x, const float* gy, float* dw, const ConvGeom& g, int n, int c0, int c1) {
  const int kk = g.kH * g.kW, L = g.oH * g.oW;
  int lo[64], hi[64];
  for (int kw = 0; kw < g.kW; kw++) colRange(g, kw, &lo[kw], &hi[kw]);
  double acc[4096];
  for (int c = c0; c < c1; c++) {
    std::fill(acc, acc + kk, 0.0);
    for (int b = 0; b < n; b++) {
      const size_t p = (size_t)b * g.C + c;
      const float* xp = x + p * g.H * g.W;
      const float* gp = gy + p * L;
      forRows(g, [&](int oh, int ih, int kh) {
        for (int kw = 0; kw < g.kW; kw++) {
          if (hi[kw] <= lo[kw]) continue;
          const int iw0 = lo[kw] * g.sW - g.padL + kw * g.dW;
          acc[kh * g.kW + kw] += dotStrided(gp + (size_t)oh * g.oW + lo[kw], xp + (size_t)ih * g.W + iw0, g.sW, hi[kw] - lo[kw]);
        }
      });
    }
    for (int t = 0; t < kk; t++) dw[(size_t)c * kk + t] = (float)acc[t];
  }
}

// depthwiseConv2d(mode, x, w, bias, gy, out, n, geom Int32Array[13]); modes kConv* as convFused,
// w [C, kH*kW], unused operands null.
napi_value DepthwiseConv2d(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *w, *bias, *gy, *out;
  size_t lx, lw, lb, lg, lo;
  ConvGeom g;
  if (argc < 8 || !optF32(env, argv[1], &x, &lx) || !optF32(env, argv[2], &w, &lw) || !optF32(env, argv[3], &bias, &lb) ||
      !optF32(env, argv[4], &gy, &lg) || !getF32(env, argv[5], &out, &lo) || !readGeom(env, argv[7], &g)) return nullptr;
  const int mode = (int)getInt(env, argv[0]), n = (int)getInt(env, argv[6]);
  const size_t nn = n < 0 ? 0 : (size_t)n, C = g.C < 0 ? 0 : (size_t)g.C;
  const size_t kk = (size_t)g.kH * g.kW, L = (size_t)g.oH * g.oW, image = C * g.H * g.W;
  bool ok = n >= 0 && g.C >= 0 && g.kW >= 1 && g.kW <= 64 && kk <= 4096 && g.sW >= 1 && g.sH >= 1 && mode >= 0 && mode <= 2 &&
            (!bias || lb >= C);
  if (mode != kConvInputGrad) ok = ok && x && lx >= nn * image;
  if (mode != kConvWeightGrad) ok = ok && w && lw >= C * kk;
  if (mode != kConvForward) ok = ok && gy && lg >= nn * C * L;
  ok = ok && lo >= (mode == kConvForward ? nn * C * L : mode == kConvInputGrad ? nn * image : C * kk);
  if (!ok) {
    napi_throw_range_error(env, nullptr, "depthwiseConv2d: bad mode or geometry, missing operand or array too small");
    return nullptr;
  }
  const double work = (double)nn * C * L * kk;
  if (mode == kConvWeightGrad) {
    dwPool->splitItems(g.C, work, [&](int c0, int c1) { dwWeightGrad(x, gy, out, g, n, c0, c1); });
  } else {
    dwPool->splitItems(n * g.C, work, [&](int p0, int p1) {
      if (mode == kConvForward) dwForward(x, w, bias, out, g, p0, p1);
      else dwInputGrad(w, gy, out, g, p0, p1);
    });
  }
  return nullptr;
}

// out[i] = min(max(x[i], lo), hi) as the JS reference: max_ps/min_ps return their second
// operand when either is NaN, so x goes second and NaN stays NaN; lo > hi gives hi.
__attribute__((target("avx2,fma"))) void clampRange(const float* x, float lo, float hi, float* o, size_t i0, size_t i1) {
  const __m256 vl = _mm256_set1_ps(lo), vh = _mm256_set1_ps(hi);
  size_t i = i0;
  for (; i + 8 <= i1; i += 8) _mm256_storeu_ps(o + i, _mm256_min_ps(vh, _mm256_max_ps(vl, _mm256_loadu_ps(x + i))));
  for (; i < i1; i++) {
    const float v = x[i], r = v < lo ? lo : v;
    o[i] = r > hi ? hi : r;
  }
}

// clamp(x, lo, hi, out)
napi_value Clamp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *o;
  size_t lx, lo;
  if (argc < 4 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[3], &o, &lo)) return nullptr;
  if (lo > lx) {
    napi_throw_range_error(env, nullptr, "clamp: output longer than input");
    return nullptr;
  }
  const float a = (float)getDouble(env, argv[1]), b = (float)getDouble(env, argv[2]);
  if (dwPool->size() <= 1 || lo < (1u << 17)) {
    clampRange(x, a, b, o, 0, lo);
  } else {
    dwPool->parallelFor((int64_t)lo, dwPool->pieces((int64_t)lo / 8), 8, [&](int64_t i0, int64_t i1) { clampRange(x, a, b, o, (size_t)i0, (size_t)i1); });
  }
  return nullptr;
}

// hardtanhBackward(x, g, lo, hi, out): out = lo < x < hi ? g : 0 (ordered compares: NaN x gives 0).
__attribute__((target("avx2,fma"))) void hardtanhBackwardRange(const float* x, const float* g, float lo, float hi, float* o, size_t i0, size_t i1) {
  const __m256 vl = _mm256_set1_ps(lo), vh = _mm256_set1_ps(hi);
  size_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 m = _mm256_and_ps(_mm256_cmp_ps(v, vl, _CMP_GT_OQ), _mm256_cmp_ps(v, vh, _CMP_LT_OQ));
    _mm256_storeu_ps(o + i, _mm256_and_ps(m, _mm256_loadu_ps(g + i)));
  }
  for (; i < i1; i++) o[i] = x[i] > lo && x[i] < hi ? g[i] : 0.f;
}

napi_value HardtanhBackward(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *g, *o;
  size_t lx, lg, lo;
  if (argc < 5 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[1], &g, &lg) || !getF32(env, argv[4], &o, &lo)) return nullptr;
  if (lx < lo || lg < lo) {
    napi_throw_range_error(env, nullptr, "hardtanhBackward: x or g shorter than the output");
    return nullptr;
  }
  const float a = (float)getDouble(env, argv[2]), b = (float)getDouble(env, argv[3]);
  dwPool->parallelFor((int64_t)lo, dwPool->size() <= 1 || lo < (1u << 17) ? 1 : dwPool->pieces((int64_t)lo / 8), 8,
                      [&](int64_t i0, int64_t i1) { hardtanhBackwardRange(x, g, a, b, o, (size_t)i0, (size_t)i1); });
  return nullptr;
}

}  // namespace

void registerDepthwiseKernels(napi_env env, napi_value exports, Pool& pool) {
  dwPool = &pool;
  if (!cpu_has_avx2_fma()) return;  // AVX2-only kernels: without it the wasm/JS ones run
  napi_property_descriptor props[] = {
      {"depthwiseConv2d", nullptr, DepthwiseConv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"clamp", nullptr, Clamp, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hardtanhBackward", nullptr, HardtanhBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
