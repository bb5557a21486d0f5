// Zero-copy float32 elementwise kernels: strided copies (memcpy per row), unary maps (AVX2), binary ops over a broadcast that the JS
// side coalesced to a 2-D grid [n0, n1] with inner strides 0 or 1 (plan2d in
// src/backends/broadcast.ts), and the dropout mask draw (xoshiro128**, the same
// stream as core/random.ts). IEEE single-precision ops without FMA contraction, so the
// results equal the JS and wasm kernels bit for bit. Op codes come from ops_generated.h
// (scripts/op-table.mjs); an op the table gives a native kernel but this file does not
// implement fails to compile (the static_asserts below).
#include <cmath>
#include "elementwise.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gemm.h"
#include "napi_util.h"
#include "ops_generated.h"
#include "simd_math.h"

namespace myelin {
namespace {

Pool* thePool = nullptr;

template <int OP>
constexpr bool kNoKernel = false;

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == B_ADD) return a + b;
  else if constexpr (OP == B_SUB) return a - b;
  else if constexpr (OP == B_MUL) return a * b;
  else if constexpr (OP == B_DIV) return a / b;
  else static_assert(kNoKernel<OP>, "the op table gives this binary op a native kernel: implement it here");
}

bool nativeBinary(int op) {
#define MYELIN_IS(c) op == c ||
  return MYELIN_NATIVE_BINARY(MYELIN_IS) false;
#undef MYELIN_IS
}

// One row of n elements; SA/SB are the inner strides (0 = broadcast, 1 = contiguous),
// compile-time so the compiler vectorises each combination.
template <int OP, int SA, int SB>
// No __restrict: callers may update in place (out == a), same index read then written.
__attribute__((target("avx2"))) void row(const float* a, const float* b, float* o, int n) {
  for (int i = 0; i < n; i++) o[i] = apply<OP>(a[i * SA], b[i * SB]);
}

template <int OP>
void rows(const float* a, int sa0, int sa1, const float* b, int sb0, int sb1, float* o, int nCols, int r0, int r1, int c0, int c1) {
  for (int r = r0; r < r1; r++) {
    const float* pa = a + (size_t)r * sa0 + (size_t)c0 * sa1;
    const float* pb = b + (size_t)r * sb0 + (size_t)c0 * sb1;
    float* po = o + (size_t)r * nCols + c0;
    const int n = c1 - c0;
    if (sa1 && sb1) row<OP, 1, 1>(pa, pb, po, n);
    else if (sa1) row<OP, 1, 0>(pa, pb, po, n);
    else if (sb1) row<OP, 0, 1>(pa, pb, po, n);
    else row<OP, 0, 0>(pa, pb, po, n);
  }
}

// binary(op, a, sa0, sa1, b, sb0, sb1, out, n0, n1)
napi_value Binary(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "binary: bad arguments")) return nullptr;
  float *a, *b, *o;
  size_t la, lb, lo;
  if (argc < 10 || !getF32(env, argv[1], &a, &la) || !getF32(env, argv[4], &b, &lb) || !getF32(env, argv[7], &o, &lo)) return nullptr;
  const int op = (int)getInt(env, argv[0]);
  const int sa0 = (int)getInt(env, argv[2]), sa1 = (int)getInt(env, argv[3]), sb0 = (int)getInt(env, argv[5]), sb1 = (int)getInt(env, argv[6]);
  const int n0 = (int)getInt(env, argv[8]), n1 = (int)getInt(env, argv[9]);
  // Bounds of the last element each operand is read at (strides are non-negative).
  const auto last = [&](int s0, int s1) { return n0 > 0 && n1 > 0 ? (size_t)(n0 - 1) * s0 + (size_t)(n1 - 1) * s1 + 1 : 0; };
  if (!nativeBinary(op) || n0 < 0 || n1 < 0 || sa0 < 0 || sb0 < 0 || (sa1 != 0 && sa1 != 1) || (sb1 != 0 && sb1 != 1) ||
      la < last(sa0, sa1) || lb < last(sb0, sb1) || lo < (size_t)n0 * n1) {
    napi_throw_range_error(env, nullptr, "binary: arrays too small for the broadcast plan");
    return nullptr;
  }
  const auto run = [&](int r0, int r1, int c0, int c1) {
    switch (op) {
#define MYELIN_CASE(c) case c: rows<c>(a, sa0, sa1, b, sb0, sb1, o, n1, r0, r1, c0, c1); break;
      MYELIN_NATIVE_BINARY(MYELIN_CASE)
#undef MYELIN_CASE
      default: break;
    }
  };
  const int T = thePool ? thePool->size() : 1;
  const double total = (double)n0 * n1;
  if (T <= 1 || total < (1 << 17)) {
    run(0, n0, 0, n1);
  } else if (n0 >= T) {
    thePool->parallelFor(n0, thePool->pieces(n0), 1, [&](int64_t r0, int64_t r1) { run((int)r0, (int)r1, 0, n1); });
  } else {
    thePool->parallelFor(n1, thePool->pieces(n1 / 16), 16, [&](int64_t c0, int64_t c1) { run(0, n0, (int)c0, (int)c1); });
  }
  return nullptr;
}

bool nativeUnary(int op) {
#define MYELIN_IS(c) op == c ||
  return MYELIN_NATIVE_UNARY(MYELIN_IS) false;
#undef MYELIN_IS
}

template <int OP>
__attribute__((target("avx2,fma"))) inline __m256 un8(__m256 v) {
  const __m256 zero = _mm256_setzero_ps();
  if constexpr (OP == U_NEG) return _mm256_xor_ps(v, _mm256_set1_ps(-0.f));
  else if constexpr (OP == U_ABS) return _mm256_andnot_ps(_mm256_set1_ps(-0.f), v);
  else if constexpr (OP == U_SQRT) return _mm256_sqrt_ps(v);
  else if constexpr (OP == U_SQUARE) return _mm256_mul_ps(v, v);
  // relu keeps NaN (as PyTorch): v where v > 0 or v is NaN, else 0
  else if constexpr (OP == U_RELU) return _mm256_and_ps(v, _mm256_or_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
  else if constexpr (OP == U_EXP) return exp256(v);
  else if constexpr (OP == U_TANH) return tanh256(v);
  else if constexpr (OP == U_SIGMOID) return sigmoid256(v);
  else if constexpr (OP == U_STEP) return _mm256_and_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ), _mm256_set1_ps(1.f));
  else if constexpr (OP == U_HARDSWISH) {
    const __m256 six = _mm256_set1_ps(6.f);
    return _mm256_div_ps(_mm256_mul_ps(v, _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(v, _mm256_set1_ps(3.f)), zero), six)), six);
  }
  // max_ps/min_ps return their second operand when either is NaN: NaN goes second so it stays NaN.
  else if constexpr (OP == U_HARDSIGMOID) {
    const __m256 six = _mm256_set1_ps(6.f);
    return _mm256_div_ps(_mm256_min_ps(six, _mm256_max_ps(zero, _mm256_add_ps(v, _mm256_set1_ps(3.f)))), six);
  }
  else if constexpr (OP == U_SILU) return _mm256_mul_ps(v, sigmoid256(v));
  else static_assert(kNoKernel<OP>, "the op table gives this unary op a native kernel: implement it here");
}

template <int OP>
__attribute__((target("avx2,fma"))) void unaryRange(const float* x, float* o, size_t i0, size_t i1) {
  size_t i = i0;
  for (; i + 8 <= i1; i += 8) _mm256_storeu_ps(o + i, un8<OP>(_mm256_loadu_ps(x + i)));
  if (i < i1) {
    // Tail through the same vector code, so every element gets the same rounding.
    float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t j = i; j < i1; j++) buf[j - i] = x[j];
    _mm256_storeu_ps(buf, un8<OP>(_mm256_loadu_ps(buf)));
    for (size_t j = i; j < i1; j++) o[j] = buf[j - i];
  }
}

void unaryDispatch(int op, const float* x, float* o, size_t i0, size_t i1) {
  switch (op) {
#define MYELIN_CASE(c) case c: unaryRange<c>(x, o, i0, i1); break;
    MYELIN_NATIVE_UNARY(MYELIN_CASE)
#undef MYELIN_CASE
    default: break;
  }
}

// unary(op, x, out): out[i] = op(x[i]); returns false (does nothing) for ops without a native loop.
napi_value Unary(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "unary: bad arguments")) return nullptr;
  float *x, *o;
  size_t lx, lo;
  if (argc < 3 || !getF32(env, argv[1], &x, &lx) || !getF32(env, argv[2], &o, &lo)) return nullptr;
  const int op = (int)getInt(env, argv[0]);
  if (!nativeUnary(op) || lo > lx) {
    napi_throw_range_error(env, nullptr, "unary: unknown op code or output longer than input");
    return nullptr;
  }
  const int T = thePool ? thePool->size() : 1;
  if (T <= 1 || lo < (1u << 17)) {
    unaryDispatch(op, x, o, 0, lo);
  } else {
    thePool->parallelFor((int64_t)lo, thePool->pieces((int64_t)lo / 8), 8,
                         [&](int64_t i0, int64_t i1) { unaryDispatch(op, x, o, (size_t)i0, (size_t)i1); });
  }
  return nullptr;
}

// Reads the shape/strides Int32Arrays of a strided view and checks every index it can reach
// lies in [0, len): offset + sum of (shape-1)*stride over the positive (negative) strides.
bool stridedPlan(napi_env env, napi_value vShape, napi_value vStrides, int64_t offset, size_t len, size_t total,
                 int32_t** shape, int32_t** strides, size_t* nd) {
  size_t ns, nt;
  if (!getI32(env, vShape, shape, &ns) || !getI32(env, vStrides, strides, &nt)) return false;
  int64_t lo = offset, hi = offset, count = 1;
  for (size_t d = 0; d < ns; d++) {
    count *= (*shape)[d];
    if ((*shape)[d] <= 0) { lo = hi = offset; count = 0; break; }
    const int64_t span = (int64_t)((*shape)[d] - 1) * (*strides)[d];
    if (span > 0) hi += span; else lo += span;
  }
  if (ns != nt || ns == 0 || ns > 16 || (size_t)count != total || (count > 0 && (lo < 0 || hi >= (int64_t)len))) {
    napi_throw_range_error(env, nullptr, "strided: view out of bounds or shape/strides/length mismatch");
    return false;
  }
  *nd = ns;
  return true;
}

// Walks the view row by row (rows = the last dim), calling fn(viewIndexOfRowStart, contiguousRowStart).
template <typename F>
void forEachRow(const int32_t* shape, const int32_t* strides, size_t nd, int64_t offset, size_t total, F&& fn) {
  const int inner = shape[nd - 1];
  int64_t idx[16] = {0};
  int64_t src = offset;
  for (size_t o = 0; o < total; o += inner) {
    fn(src, o);
    for (int d = (int)nd - 2; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= (int64_t)strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// strided(x, offset, shape Int32Array, strides Int32Array, out): gathers the view into contiguous out.
napi_value Strided(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "strided: bad arguments")) return nullptr;
  float *x, *o;
  size_t lx, lo, nd;
  int32_t *shape, *strides;
  if (argc < 5 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[4], &o, &lo)) return nullptr;
  const int64_t offset = getInt(env, argv[1]);
  if (!stridedPlan(env, argv[2], argv[3], offset, lx, lo, &shape, &strides, &nd) || lo == 0) return nullptr;
  const int inner = shape[nd - 1], is = strides[nd - 1];
  forEachRow(shape, strides, nd, offset, lo, [&](int64_t s, size_t d) {
    if (is == 1) std::memcpy(o + d, x + s, sizeof(float) * inner);
    else for (int i = 0; i < inner; i++) o[d + i] = x[s + (int64_t)i * is];
  });
  return nullptr;
}

// stridedAssign(src, out, offset, shape, strides, accumulate): writes (or adds) contiguous src into the view of out.
napi_value StridedAssign(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "stridedAssign: bad arguments")) return nullptr;
  float *src, *o;
  size_t ls, lo, nd;
  int32_t *shape, *strides;
  if (argc < 6 || !getF32(env, argv[0], &src, &ls) || !getF32(env, argv[1], &o, &lo)) return nullptr;
  const int64_t offset = getInt(env, argv[2]);
  const bool acc = getBool(env, argv[5]);
  if (!stridedPlan(env, argv[3], argv[4], offset, lo, ls, &shape, &strides, &nd) || ls == 0) return nullptr;
  const int inner = shape[nd - 1], is = strides[nd - 1];
  forEachRow(shape, strides, nd, offset, ls, [&](int64_t d, size_t s) {
    if (acc) for (int i = 0; i < inner; i++) o[d + (int64_t)i * is] += src[s + i];
    else if (is == 1) std::memcpy(o + d, src + s, sizeof(float) * inner);
    else for (int i = 0; i < inner; i++) o[d + (int64_t)i * is] = src[s + i];
  });
  return nullptr;
}

// bernoulliMask(state Uint32Array(4), threshold, keepValue, out): out[i] = draw >= threshold ? keepValue : 0,
// one xoshiro128** draw per element; the advanced state is written back.
napi_value BernoulliMask(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "bernoulliMask: bad arguments")) return nullptr;
  uint32_t* st;
  float* o;
  size_t ls, lo;
  if (argc < 4 || !getArray(env, argv[0], napi_uint32_array, "bernoulliMask: expected a Uint32Array state", &st, &ls) ||
      !getF32(env, argv[3], &o, &lo)) return nullptr;
  if (ls < 4) {
    napi_throw_range_error(env, nullptr, "bernoulliMask: state needs 4 words");
    return nullptr;
  }
  const double th = getDouble(env, argv[1]);
  const float keep = (float)getDouble(env, argv[2]);
  uint32_t keepBits;
  std::memcpy(&keepBits, &keep, 4);
  // draw >= th as an integer compare against ceil(th) (a draw is an integer in [0, 2^32)):
  // converting each draw to double put a dependent cvtsi2sd on the loop's path, 2.5 ns an element.
  // A NaN threshold keeps nothing, as the double compare did (and never reaches ceil).
  const uint64_t thr = th <= 0 ? 0 : th < 4294967296.0 ? (uint64_t)std::ceil(th) : uint64_t(1) << 32;
  uint32_t s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
  const size_t n = lo;  // a local the stores through o cannot alias (lo's address escaped)
  for (size_t i = 0; i < n; i++) {
    const uint32_t a = s1 * 5u;
    const uint32_t r = ((a << 7) | (a >> 25)) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >> 21);
    // Branch-free select (all-ones mask & keep's bits): a branch mispredicts on every ~p-th draw.
    const uint32_t bits = (uint32_t)(0u - (uint32_t)((uint64_t)r >= thr)) & keepBits;
    std::memcpy(o + i, &bits, 4);
  }
  st[0] = s0; st[1] = s1; st[2] = s2; st[3] = s3;
  return nullptr;
}

}  // namespace

void registerElementwiseKernels(napi_env env, napi_value exports, Pool& pool) {
  thePool = &pool;
  if (!cpu_has_avx2_fma()) {
    // binary and the mask draw are plain C++ (any CPU); unary needs AVX2.
    napi_property_descriptor props[] = {
        {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"bernoulliMask", nullptr, BernoulliMask, nullptr, nullptr, nullptr, napi_default, nullptr},
    };
    napi_define_properties(env, exports, 2, props);
    return;
  }
  napi_property_descriptor props[] = {
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"strided", nullptr, Strided, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stridedAssign", nullptr, StridedAssign, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bernoulliMask", nullptr, BernoulliMask, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace myelin
