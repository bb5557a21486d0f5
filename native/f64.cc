// Double-precision kernels of the native backend: a packed DGEMM (4x8 AVX2+FMA
// micro-kernel where the CPU has it, the same blocking in portable C++ otherwise),
// broadcast add/sub/mul/div and the fused LSTM cell forward/backward, so that float64 training (LBFGS examples,
// gradient checks) does not fall back to the JS reference loops. Work is split over
// column panels of C, so every result is bitwise identical for any thread count.
#include "f64.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "gemm.h"
#include "napi_util.h"
#include "ops_generated.h"

namespace myelin {
namespace {

Pool* thePool = nullptr;

constexpr int MR = 4, NR = 8;       // micro-tile of C
constexpr int KC = 256, MC = 128;   // depth and row blocks (a packed A block is 256 KiB)
constexpr int64_t kParallelMin = 1 << 18;  // multiply-adds from which the pool splits columns

struct Op {
  const double* p;
  int64_t rs, cs;  // element (r, c) at p[r * rs + c * cs]
  double at(int64_t r, int64_t c) const { return p[r * rs + c * cs]; }
};

// Rows [i0, i0 + mc) x depth [p0, p0 + kc) of op(A) into MR-row panels, zero-padded.
void packA(const Op& A, int i0, int mc, int p0, int kc, double* dst) {
  for (int i = 0; i < mc; i += MR) {
    for (int p = 0; p < kc; p++)
      for (int r = 0; r < MR; r++) *dst++ = i + r < mc ? A.at(i0 + i + r, p0 + p) : 0.0;
  }
}

// Depth [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into NR-column panels, zero-padded.
void packB(const Op& B, int p0, int kc, int j0, int nc, double* dst) {
  for (int j = 0; j < nc; j += NR) {
    for (int p = 0; p < kc; p++)
      for (int c = 0; c < NR; c++) *dst++ = j + c < nc ? B.at(p0 + p, j0 + j + c) : 0.0;
  }
}

// acc = Ap (MR x kc) · Bp (kc x NR), added to or stored into C's mr x nr corner.
__attribute__((target("avx2,fma"))) void microAvx2(int kc, const double* Ap, const double* Bp, double* C, int64_t ldc, int mr, int nr, bool add) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd(), c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd(), c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  for (int p = 0; p < kc; p++) {
    const __m256d b0 = _mm256_loadu_pd(Bp + p * NR), b1 = _mm256_loadu_pd(Bp + p * NR + 4);
    __m256d a = _mm256_broadcast_sd(Ap + p * MR);
    c00 = _mm256_fmadd_pd(a, b0, c00); c01 = _mm256_fmadd_pd(a, b1, c01);
    a = _mm256_broadcast_sd(Ap + p * MR + 1);
    c10 = _mm256_fmadd_pd(a, b0, c10); c11 = _mm256_fmadd_pd(a, b1, c11);
    a = _mm256_broadcast_sd(Ap + p * MR + 2);
    c20 = _mm256_fmadd_pd(a, b0, c20); c21 = _mm256_fmadd_pd(a, b1, c21);
    a = _mm256_broadcast_sd(Ap + p * MR + 3);
    c30 = _mm256_fmadd_pd(a, b0, c30); c31 = _mm256_fmadd_pd(a, b1, c31);
  }
  alignas(32) double t[MR * NR];
  _mm256_store_pd(t, c00); _mm256_store_pd(t + 4, c01); _mm256_store_pd(t + 8, c10); _mm256_store_pd(t + 12, c11);
  _mm256_store_pd(t + 16, c20); _mm256_store_pd(t + 20, c21); _mm256_store_pd(t + 24, c30); _mm256_store_pd(t + 28, c31);
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < nr; c++) C[r * ldc + c] = add ? C[r * ldc + c] + t[r * NR + c] : t[r * NR + c];
}

void microPortable(int kc, const double* Ap, const double* Bp, double* C, int64_t ldc, int mr, int nr, bool add) {
  double t[MR * NR] = {0};
  for (int p = 0; p < kc; p++)
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR; c++) t[r * NR + c] += Ap[p * MR + r] * Bp[p * NR + c];
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < nr; c++) C[r * ldc + c] = add ? C[r * ldc + c] + t[r * NR + c] : t[r * NR + c];
}

// Columns [j0, j1) of C = op(A) · op(B) (m x n), single-threaded.
void dgemmCols(const Op& A, const Op& B, double* C, int m, int n, int k, int j0, int j1) {
  if (k == 0) {
    for (int i = 0; i < m; i++) std::fill(C + (int64_t)i * n + j0, C + (int64_t)i * n + j1, 0.0);
    return;
  }
  const bool avx2 = cpu_has_avx2_fma();
  const int nc = j1 - j0;
  thread_local std::vector<double> bufA, bufB;
  bufB.resize((size_t)KC * ((nc + NR - 1) / NR) * NR);
  bufA.resize((size_t)KC * MC);
  for (int p0 = 0; p0 < k; p0 += KC) {
    const int kc = std::min(KC, k - p0);
    packB(B, p0, kc, j0, nc, bufB.data());
    for (int i0 = 0; i0 < m; i0 += MC) {
      const int mc = std::min(MC, m - i0);
      packA(A, i0, mc, p0, kc, bufA.data());
      for (int j = 0; j < nc; j += NR) {
        for (int i = 0; i < mc; i += MR) {
          double* c = C + (int64_t)(i0 + i) * n + j0 + j;
          const double* ap = bufA.data() + (size_t)i * kc;
          const double* bp = bufB.data() + (size_t)j * kc;
          const int mr = std::min(MR, mc - i), nr = std::min(NR, nc - j);
          if (avx2) microAvx2(kc, ap, bp, c, n, mr, nr, p0 > 0);
          else microPortable(kc, ap, bp, c, n, mr, nr, p0 > 0);
        }
      }
    }
  }
}

void dgemm(const double* A, const double* B, double* C, int batch, int m, int n, int k, bool ta, bool tb, int64_t sa, int64_t sb) {
  for (int bi = 0; bi < batch; bi++) {
    const Op a{A + bi * sa, ta ? 1 : (int64_t)k, ta ? (int64_t)m : 1};
    const Op b{B + bi * sb, tb ? 1 : (int64_t)n, tb ? (int64_t)k : 1};
    double* c = C + (int64_t)bi * m * n;
    const int panels = (n + NR - 1) / NR;
    if (thePool == nullptr || (int64_t)m * n * k < kParallelMin || panels < 2) {
      dgemmCols(a, b, c, m, n, k, 0, n);
    } else {
      thePool->parallelFor(panels, thePool->pieces(panels), 1, [&](int64_t p0, int64_t p1) {
        dgemmCols(a, b, c, m, n, k, (int)(p0 * NR), (int)std::min<int64_t>(n, p1 * NR));
      });
    }
  }
}

inline double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// tanh through one exp, as the JS reference (src/backends/js/rnn.ts); saturates to ±1.
inline double tanhE(double x) { return 1.0 - 2.0 / (std::exp(2.0 * x) + 1.0); }

// e^x for 4 doubles: Cephes' exp (n = round(x log2 e), r = x - n ln 2 in two parts,
// Padé form 1 + 2 r P(r²) / (Q(r²) - r P(r²)), times 2^n); within ~1 ulp of exp().
// x is clamped to [-708, 709] (finite results; NaN passes through).
__attribute__((target("avx2,fma"))) inline __m256d exp4(__m256d x) {
  x = _mm256_max_pd(_mm256_set1_pd(-708.0), _mm256_min_pd(_mm256_set1_pd(709.0), x));
  const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634073599)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_sub_pd(x, _mm256_mul_pd(n, _mm256_set1_pd(6.93145751953125E-1)));
  r = _mm256_sub_pd(r, _mm256_mul_pd(n, _mm256_set1_pd(1.42860682030941723212E-6)));
  const __m256d rr = _mm256_mul_pd(r, r);
  __m256d px = _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(1.26177193074810590878E-4), rr), _mm256_set1_pd(3.02994407707441961300E-2));
  px = _mm256_mul_pd(r, _mm256_add_pd(_mm256_mul_pd(px, rr), _mm256_set1_pd(9.99999999999999999910E-1)));
  __m256d qx = _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(3.00198505138664455042E-6), rr), _mm256_set1_pd(2.52448340349684104192E-3));
  qx = _mm256_add_pd(_mm256_mul_pd(qx, rr), _mm256_set1_pd(2.27265548208155028766E-1));
  qx = _mm256_add_pd(_mm256_mul_pd(qx, rr), _mm256_set1_pd(2.00000000000000000009E0));
  const __m256d e = _mm256_add_pd(_mm256_set1_pd(1.0), _mm256_mul_pd(_mm256_set1_pd(2.0), _mm256_div_pd(px, _mm256_sub_pd(qx, px))));
  // 2^n: n + 1023 into the exponent field (n is integral and within [-1022, 1023]).
  const __m256i bits = _mm256_slli_epi64(_mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(4503599627371519.0))), 52);
  return _mm256_mul_pd(e, _mm256_castsi256_pd(bits));
}

__attribute__((target("avx2,fma"))) inline __m256d sigm4(__m256d x) {
  const __m256d one = _mm256_set1_pd(1.0);
  return _mm256_div_pd(one, _mm256_add_pd(one, exp4(_mm256_sub_pd(_mm256_setzero_pd(), x))));
}

__attribute__((target("avx2,fma"))) inline __m256d tanh4(__m256d x) {
  const __m256d one = _mm256_set1_pd(1.0);
  return _mm256_sub_pd(one, _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(exp4(_mm256_add_pd(x, x)), one)));
}

// The JS reference's lstmCell / lstmCellBackward (src/backends/js/rnn.ts), in double;
// 4 hidden units at a time with exp4 where the CPU has AVX2.
__attribute__((target("avx2,fma"))) int lstmRowAvx2(double* g, const double* cp, int H, double* h, double* c) {
  int j = 0;
  for (; j + 4 <= H; j += 4) {
    const __m256d i = sigm4(_mm256_loadu_pd(g + j)), f = sigm4(_mm256_loadu_pd(g + H + j));
    const __m256d gg = tanh4(_mm256_loadu_pd(g + 2 * H + j)), o = sigm4(_mm256_loadu_pd(g + 3 * H + j));
    _mm256_storeu_pd(g + j, i); _mm256_storeu_pd(g + H + j, f); _mm256_storeu_pd(g + 2 * H + j, gg); _mm256_storeu_pd(g + 3 * H + j, o);
    const __m256d cc = _mm256_add_pd(_mm256_mul_pd(f, _mm256_loadu_pd(cp + j)), _mm256_mul_pd(i, gg));
    _mm256_storeu_pd(c + j, cc);
    _mm256_storeu_pd(h + j, _mm256_mul_pd(o, tanh4(cc)));
  }
  return j;
}

void lstmCellF64(double* gates, const double* xAdd, const double* cPrev, int n, int H, double* hOut, double* cOut) {
  const int64_t G = 4 * (int64_t)H;
  const bool avx2 = cpu_has_avx2_fma();
  for (int b = 0; b < n; b++) {
    double* g = gates + b * G;
    if (xAdd) for (int64_t q = 0; q < G; q++) g[q] += xAdd[b * G + q];
    const int64_t s = (int64_t)b * H;
    for (int j = avx2 ? lstmRowAvx2(g, cPrev + s, H, hOut + s, cOut + s) : 0; j < H; j++) {
      const double i = sigm(g[j]), f = sigm(g[H + j]), gg = tanhE(g[2 * H + j]), o = sigm(g[3 * H + j]);
      g[j] = i; g[H + j] = f; g[2 * H + j] = gg; g[3 * H + j] = o;
      const double c = f * cPrev[s + j] + i * gg;
      cOut[s + j] = c;
      hOut[s + j] = o * tanhE(c);
    }
  }
}

void lstmCellBackwardF64(const double* act, const double* cPrev, const double* c, const double* gh, const double* gc, int n, int H,
                         double* dG, double* dcPrev, const double* gh2) {
  const int64_t G = 4 * (int64_t)H;
  for (int b = 0; b < n; b++) {
    const double* a = act + b * G;
    double* d = dG + b * G;
    for (int j = 0; j < H; j++) {
      const int64_t s = (int64_t)b * H + j;
      const double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
      const double tc = tanhE(c[s]);
      const double dh = (gh ? gh[s] : 0.0) + (gh2 ? gh2[s] : 0.0);
      const double dc = (gc ? gc[s] : 0.0) + dh * o * (1 - tc * tc);
      d[j] = dc * g * i * (1 - i);
      d[H + j] = dc * cPrev[s] * f * (1 - f);
      d[2 * H + j] = dc * i * (1 - g * g);
      d[3 * H + j] = dh * tc * o * (1 - o);
      dcPrev[s] = dc * f;
    }
  }
}

// out[i0, i1] = a[i0*sa0 + i1*sa1] op b[i0*sb0 + i1*sb1] over the 2-D broadcast plan of src/backends/broadcast.ts.
template <int OP>
void binaryPlan(const double* a, int sa0, int sa1, const double* b, int sb0, int sb1, double* o, int n0, int n1) {
  for (int i = 0; i < n0; i++) {
    const double* x = a + (int64_t)i * sa0;
    const double* y = b + (int64_t)i * sb0;
    double* z = o + (int64_t)i * n1;
    for (int j = 0; j < n1; j++) {
      const double u = x[j * sa1], v = y[j * sb1];
      z[j] = OP == B_ADD ? u + v : OP == B_SUB ? u - v : OP == B_MUL ? u * v : u / v;
    }
  }
}

bool getF64(napi_env env, napi_value v, double** d, size_t* len) {
  return getArray(env, v, napi_float64_array, "myelin native: expected a Float64Array", d, len);
}

bool optF64(napi_env env, napi_value v, double** d, size_t* len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *d = nullptr;
    *len = 0;
    return true;
  }
  return getF64(env, v, d, len);
}

bool args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* name) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
    napi_throw_error(env, nullptr, name);
    return false;
  }
  return true;
}

// dgemm(a, b, out, batch, m, n, k, transA, transB, aStride, bStride)
napi_value Dgemm(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!args(env, info, 11, argv, "dgemm: expected 11 arguments")) return nullptr;
  double *a, *b, *c;
  size_t la, lb, lc;
  if (!getF64(env, argv[0], &a, &la) || !getF64(env, argv[1], &b, &lb) || !getF64(env, argv[2], &c, &lc)) return nullptr;
  const int batch = (int)getInt(env, argv[3]), m = (int)getInt(env, argv[4]), n = (int)getInt(env, argv[5]), k = (int)getInt(env, argv[6]);
  const bool ta = getBool(env, argv[7]), tb = getBool(env, argv[8]);
  const int64_t sa = getInt(env, argv[9]), sb = getInt(env, argv[10]);
  if (!myelin::gemmArgsFit(batch, m, n, k, sa, sb, la, lb, lc)) {
    napi_throw_range_error(env, nullptr, "dgemm: array too small for the given sizes");
    return nullptr;
  }
  dgemm(a, b, c, batch, m, n, k, ta, tb, sa, sb);
  return nullptr;
}

// binaryF64(op, a, sa0, sa1, b, sb0, sb1, out, n0, n1): add, sub, mul, div
napi_value BinaryF64(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!args(env, info, 10, argv, "binaryF64: expected 10 arguments")) return nullptr;
  double *a, *b, *o;
  size_t la, lb, lo;
  if (!getF64(env, argv[1], &a, &la) || !getF64(env, argv[4], &b, &lb) || !getF64(env, argv[7], &o, &lo)) return nullptr;
  const int op = (int)getInt(env, argv[0]);
  const int sa0 = (int)getInt(env, argv[2]), sa1 = (int)getInt(env, argv[3]), sb0 = (int)getInt(env, argv[5]), sb1 = (int)getInt(env, argv[6]);
  const int n0 = (int)getInt(env, argv[8]), n1 = (int)getInt(env, argv[9]);
  const auto last = [&](int s0, int s1) { return n0 > 0 && n1 > 0 ? (size_t)(n0 - 1) * s0 + (size_t)(n1 - 1) * s1 + 1 : 0; };
  if (op < B_ADD || op > B_DIV || n0 < 0 || n1 < 0 || sa0 < 0 || sb0 < 0 || (sa1 != 0 && sa1 != 1) || (sb1 != 0 && sb1 != 1) ||
      la < last(sa0, sa1) || lb < last(sb0, sb1) || lo < (size_t)n0 * n1) {
    napi_throw_range_error(env, nullptr, "binaryF64: unknown op or arrays too small for the broadcast plan");
    return nullptr;
  }
  switch (op) {
    case B_ADD: binaryPlan<B_ADD>(a, sa0, sa1, b, sb0, sb1, o, n0, n1); break;
    case B_SUB: binaryPlan<B_SUB>(a, sa0, sa1, b, sb0, sb1, o, n0, n1); break;
    case B_MUL: binaryPlan<B_MUL>(a, sa0, sa1, b, sb0, sb1, o, n0, n1); break;
    default: binaryPlan<B_DIV>(a, sa0, sa1, b, sb0, sb1, o, n0, n1); break;
  }
  return nullptr;
}

// lstmCellF64(gates, cPrev, n, H, hOut, cOut, xAdd|null)
napi_value LstmCellF64(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, 7, argv, "lstmCellF64: expected 7 arguments")) return nullptr;
  double *g, *cp, *h, *c, *x;
  size_t lg, lc, lh, lo, lx;
  if (!getF64(env, argv[0], &g, &lg) || !getF64(env, argv[1], &cp, &lc) || !getF64(env, argv[4], &h, &lh) ||
      !getF64(env, argv[5], &c, &lo) || !optF64(env, argv[6], &x, &lx)) return nullptr;
  const int n = (int)getInt(env, argv[2]), H = (int)getInt(env, argv[3]);
  const size_t S = (size_t)n * H;
  if (n < 0 || H < 0 || lg < 4 * S || lc < S || lh < S || lo < S || (x && lx < 4 * S)) {
    napi_throw_range_error(env, nullptr, "lstmCellF64: arrays too small for n x H");
    return nullptr;
  }
  lstmCellF64(g, x, cp, n, H, h, c);
  return nullptr;
}

// lstmCellBackwardF64(act, cPrev, c, gh|null, gc|null, n, H, dGates, dcPrev, gh2|null)
napi_value LstmCellBackwardF64(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!args(env, info, 10, argv, "lstmCellBackwardF64: expected 10 arguments")) return nullptr;
  double *act, *cp, *c, *gh, *gc, *dG, *dc, *gh2;
  size_t la, lcp, lc, lgh, lgc, ldg, ldc, lgh2;
  if (!getF64(env, argv[0], &act, &la) || !getF64(env, argv[1], &cp, &lcp) || !getF64(env, argv[2], &c, &lc) ||
      !optF64(env, argv[3], &gh, &lgh) || !optF64(env, argv[4], &gc, &lgc) || !getF64(env, argv[7], &dG, &ldg) ||
      !getF64(env, argv[8], &dc, &ldc) || !optF64(env, argv[9], &gh2, &lgh2)) return nullptr;
  const int n = (int)getInt(env, argv[5]), H = (int)getInt(env, argv[6]);
  const size_t S = (size_t)n * H;
  if (n < 0 || H < 0 || la < 4 * S || lcp < S || lc < S || (gh && lgh < S) || (gc && lgc < S) || ldg < 4 * S || ldc < S || (gh2 && lgh2 < S)) {
    napi_throw_range_error(env, nullptr, "lstmCellBackwardF64: arrays too small for n x H");
    return nullptr;
  }
  lstmCellBackwardF64(act, cp, c, gh, gc, n, H, dG, dc, gh2);
  return nullptr;
}

}  // namespace

void registerF64Kernels(napi_env env, napi_value exports, Pool& pool) {
  thePool = &pool;
  napi_property_descriptor props[] = {
      {"dgemm", nullptr, Dgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binaryF64", nullptr, BinaryF64, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCellF64", nullptr, LstmCellF64, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmCellBackwardF64", nullptr, LstmCellBackwardF64, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
