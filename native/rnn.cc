// Fused recurrent cell steps (float32, AVX2): LSTM forward/backward and GRU forward,
// zero-copy on the scan's buffers (the wasm versions copy in and out each step). Same
// math and gate order as src/backends/js/rnn.ts (PyTorch's: LSTM i, f, g, o; GRU r, z, n).
#include "rnn.h"

#include "gemm.h"
#include "napi_util.h"
#include "simd_math.h"

namespace myelin {
namespace {

// Loads the first k (< 8) floats of p, the rest zero; stores likewise.
__attribute__((target("avx2,fma"))) inline __m256i tailMask(int k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
__attribute__((target("avx2,fma"))) inline __m256 ld(const float* p, int k) {
  return k >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, tailMask(k));
}
__attribute__((target("avx2,fma"))) inline void st(float* p, __m256 v, int k) {
  if (k >= 8) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, tailMask(k), v);
}

// A lane block of gates, plus xAdd's unless it is null (no addend).
__attribute__((target("avx2,fma"))) inline __m256 pre(const float* g, const float* x, int k) {
  return x ? _mm256_add_ps(ld(g, k), ld(x, k)) : ld(g, k);
}

// Pre-activations are gates (+ xAdd, [n, 4H], when given); gates become the activations.
__attribute__((target("avx2,fma"))) void lstmCell(float* gates, const float* xAdd, const float* cPrev, int n, int H, float* hOut, float* cOut) {
  for (int b = 0; b < n; b++) {
    float* g0 = gates + (size_t)b * 4 * H;
    const float* x0 = xAdd ? xAdd + (size_t)b * 4 * H : nullptr;
    const size_t s0 = (size_t)b * H;
    for (int j = 0; j < H; j += 8) {
      const int k = H - j;
      const __m256 i = sigmoid256(pre(g0 + j, x0 ? x0 + j : nullptr, k));
      const __m256 f = sigmoid256(pre(g0 + H + j, x0 ? x0 + H + j : nullptr, k));
      const __m256 g = tanh256(pre(g0 + 2 * H + j, x0 ? x0 + 2 * H + j : nullptr, k));
      const __m256 o = sigmoid256(pre(g0 + 3 * H + j, x0 ? x0 + 3 * H + j : nullptr, k));
      st(g0 + j, i, k); st(g0 + H + j, f, k); st(g0 + 2 * H + j, g, k); st(g0 + 3 * H + j, o, k);
      const __m256 c = _mm256_add_ps(_mm256_mul_ps(f, ld(cPrev + s0 + j, k)), _mm256_mul_ps(i, g));
      st(cOut + s0 + j, c, k);
      st(hOut + s0 + j, _mm256_mul_ps(o, tanh256(c)), k);
    }
  }
}

// The gradient of h is gh + gh2 (either may be null = zero).
__attribute__((target("avx2,fma"))) void lstmCellBackward(const float* act, const float* cPrev, const float* c, const float* gh, const float* gh2,
                                                          const float* gc, int n, int H, float* dGates, float* dcPrev) {
  const __m256 one = _mm256_set1_ps(1.f), zero = _mm256_setzero_ps();
  for (int b = 0; b < n; b++) {
    const float* a0 = act + (size_t)b * 4 * H;
    float* d0 = dGates + (size_t)b * 4 * H;
    const size_t s0 = (size_t)b * H;
    for (int j = 0; j < H; j += 8) {
      const int k = H - j;
      const __m256 i = ld(a0 + j, k), f = ld(a0 + H + j, k), g = ld(a0 + 2 * H + j, k), o = ld(a0 + 3 * H + j, k);
      const __m256 tc = tanh256(ld(c + s0 + j, k));
      const __m256 dh1 = gh ? ld(gh + s0 + j, k) : zero;
      const __m256 dh = gh2 ? _mm256_add_ps(dh1, ld(gh2 + s0 + j, k)) : dh1;
      const __m256 gcv = gc ? ld(gc + s0 + j, k) : zero;
      const __m256 dc = _mm256_add_ps(gcv, _mm256_mul_ps(_mm256_mul_ps(dh, o), _mm256_sub_ps(one, _mm256_mul_ps(tc, tc))));
      st(d0 + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dc, g), i), _mm256_sub_ps(one, i)), k);
      st(d0 + H + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dc, ld(cPrev + s0 + j, k)), f), _mm256_sub_ps(one, f)), k);
      st(d0 + 2 * H + j, _mm256_mul_ps(_mm256_mul_ps(dc, i), _mm256_sub_ps(one, _mm256_mul_ps(g, g))), k);
      st(d0 + 3 * H + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dh, tc), o), _mm256_sub_ps(one, o)), k);
      st(dcPrev + s0 + j, _mm256_mul_ps(dc, f), k);
    }
  }
}

__attribute__((target("avx2,fma"))) void gruCell(const float* gx, const float* gh, const float* hPrev, int n, int H, float* hOut, float* act) {
  const __m256 one = _mm256_set1_ps(1.f);
  for (int b = 0; b < n; b++) {
    const float *x0 = gx + (size_t)b * 3 * H, *h0 = gh + (size_t)b * 3 * H;
    float* a0 = act + (size_t)b * 4 * H;
    const size_t s0 = (size_t)b * H;
    for (int j = 0; j < H; j += 8) {
      const int k = H - j;
      const __m256 r = sigmoid256(_mm256_add_ps(ld(x0 + j, k), ld(h0 + j, k)));
      const __m256 z = sigmoid256(_mm256_add_ps(ld(x0 + H + j, k), ld(h0 + H + j, k)));
      const __m256 hn = ld(h0 + 2 * H + j, k);
      const __m256 m = tanh256(_mm256_add_ps(ld(x0 + 2 * H + j, k), _mm256_mul_ps(r, hn)));
      st(a0 + j, r, k); st(a0 + H + j, z, k); st(a0 + 2 * H + j, m, k); st(a0 + 3 * H + j, hn, k);
      st(hOut + s0 + j, _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(one, z), m), _mm256_mul_ps(z, ld(hPrev + s0 + j, k))), k);
    }
  }
}

bool tooSmall(napi_env env, bool bad, const char* what) {
  if (bad) napi_throw_range_error(env, nullptr, what);
  return bad;
}

// lstmCell(gates, cPrev, n, H, hOut, cOut, xAdd|null)
napi_value LstmCell(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "lstmCell: bad arguments")) return nullptr;
  float *gates, *cPrev, *hOut, *cOut, *xAdd;
  size_t lg, lc, lh, lo, lx;
  if (argc < 6 || !getF32(env, argv[0], &gates, &lg) || !getF32(env, argv[1], &cPrev, &lc) || !getF32(env, argv[4], &hOut, &lh) ||
      !getF32(env, argv[5], &cOut, &lo) || !optF32(env, argv[6], &xAdd, &lx)) return nullptr;
  const int n = (int)getInt(env, argv[2]), H = (int)getInt(env, argv[3]);
  const size_t S = (size_t)n * H;
  if (tooSmall(env, n < 0 || H < 0 || lg < 4 * S || lc < S || lh < S || lo < S || (xAdd && lx < 4 * S), "lstmCell: arrays too small for n x H")) return nullptr;
  lstmCell(gates, xAdd, cPrev, n, H, hOut, cOut);
  return nullptr;
}

// lstmCellBackward(act, cPrev, c, gh|null, gc|null, n, H, dGates, dcPrev, gh2|null)
napi_value LstmCellBackward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "lstmCellBackward: bad arguments")) return nullptr;
  float *act, *cPrev, *c, *gh, *gc, *dG, *dc, *gh2;
  size_t la, lp, lc, lgh, lgc, ldg, ldc, lgh2;
  if (argc < 9 || !getF32(env, argv[0], &act, &la) || !getF32(env, argv[1], &cPrev, &lp) || !getF32(env, argv[2], &c, &lc) ||
      !optF32(env, argv[3], &gh, &lgh) || !optF32(env, argv[4], &gc, &lgc) || !getF32(env, argv[7], &dG, &ldg) ||
      !getF32(env, argv[8], &dc, &ldc) || !optF32(env, argv[9], &gh2, &lgh2)) return nullptr;
  const int n = (int)getInt(env, argv[5]), H = (int)getInt(env, argv[6]);
  const size_t S = (size_t)n * H;
  if (tooSmall(env, n < 0 || H < 0 || la < 4 * S || lp < S || lc < S || (gh && lgh < S) || (gc && lgc < S) || ldg < 4 * S || ldc < S ||
                        (gh2 && lgh2 < S),
               "lstmCellBackward: arrays too small for n x H")) return nullptr;
  lstmCellBackward(act, cPrev, c, gh, gh2, gc, n, H, dG, dc);
  return nullptr;
}

// gruCell(gx, gh, hPrev, n, H, hOut, act)
napi_value GruCell(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "gruCell: bad arguments")) return nullptr;
  float *gx, *gh, *hPrev, *hOut, *act;
  size_t lx, lh, lp, lo, la;
  if (argc < 7 || !getF32(env, argv[0], &gx, &lx) || !getF32(env, argv[1], &gh, &lh) || !getF32(env, argv[2], &hPrev, &lp) ||
      !getF32(env, argv[5], &hOut, &lo) || !getF32(env, argv[6], &act, &la)) return nullptr;
  const int n = (int)getInt(env, argv[3]), H = (int)getInt(env, argv[4]);
  const size_t S = (size_t)n * H;
  if (tooSmall(env, n < 0 || H < 0 || lx < 3 * S || lh < 3 * S || lp < S || lo < S || la < 4 * S, "gruCell: arrays too small for n x H")) return nullptr;
  gruCell(gx, gh, hPrev, n, H, hOut, act);
  return nullptr;
}

}  // namespace

void registerRnnKernels(napi_env env, napi_value exports) {
  if (!cpu_has_avx2_fma()) return;  // the base backend's cells serve other CPUs
  napi_property_descriptor props[] = {
      {"lstmCell", nullptr, LstmCell, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCellBackward", nullptr, LstmCellBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruCell", nullptr, GruCell, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  // Tells the TypeScript side that the cells take their addend arguments (xAdd, gh2):
  // an addon built before them has the same function names but would ignore the extra
  // arguments, so the wrapper adds in JS for those.
  napi_value yes;
  if (napi_get_boolean(env, true, &yes) == napi_ok) napi_set_named_property(env, exports, "rnnAddends", yes);
}

}  // namespace myelin
