// N-API entry points of myelin's optional native backend. Arguments are TypedArrays
// used in place (zero-copy); work is split across a persistent thread pool so that
// results are bitwise identical for any thread count.
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <thread>

#include "gemm.h"
#include "pool.h"

namespace {

myelin::Pool pool;
int numThreads = 1;

bool check(napi_env env, napi_status s, const char* what) {
  if (s == napi_ok) return true;
  napi_throw_error(env, nullptr, what);
  return false;
}

bool getF32(napi_env env, napi_value v, float** data, size_t* len) {
  napi_typedarray_type type;
  void* ptr;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &buf, &off) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, nullptr, "myelin native: expected a Float32Array");
    return false;
  }
  *data = static_cast<float*>(ptr);
  return true;
}

int64_t getInt(napi_env env, napi_value v) {
  int64_t r = 0;
  napi_get_value_int64(env, v, &r);
  return r;
}

bool getBool(napi_env env, napi_value v) {
  bool r = false;
  napi_get_value_bool(env, v, &r);
  return r;
}

// sgemm(a, b, out, batch, m, n, k, transA, transB, aStride, bStride)
napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "sgemm: bad arguments")) return nullptr;
  if (argc < 11) {
    napi_throw_error(env, nullptr, "sgemm: expected 11 arguments");
    return nullptr;
  }
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!getF32(env, argv[0], &a, &la) || !getF32(env, argv[1], &b, &lb) || !getF32(env, argv[2], &c, &lc)) return nullptr;
  const int batch = (int)getInt(env, argv[3]), m = (int)getInt(env, argv[4]), n = (int)getInt(env, argv[5]), k = (int)getInt(env, argv[6]);
  const bool ta = getBool(env, argv[7]), tb = getBool(env, argv[8]);
  const int64_t sa = getInt(env, argv[9]), sb = getInt(env, argv[10]);
  // Bounds: the JS side validated shapes, but never trust a caller with raw memory.
  const size_t needA = (size_t)(batch > 0 ? (batch - 1) * sa : 0) + (size_t)m * k;
  const size_t needB = (size_t)(batch > 0 ? (batch - 1) * sb : 0) + (size_t)k * n;
  if (batch < 0 || m < 0 || n < 0 || k < 0 || la < needA || lb < needB || lc < (size_t)batch * m * n) {
    napi_throw_range_error(env, nullptr, "sgemm: array too small for the given sizes");
    return nullptr;
  }
  const double flops = 2.0 * batch * m * n * k;
  const int threads = flops < 2e6 ? 1 : numThreads;
  if (threads <= 1) {
    for (int i = 0; i < batch; i++) myelin::sgemm_cols(a + i * sa, b + i * sb, c + (size_t)i * m * n, m, n, k, ta, tb, 0, n);
    return nullptr;
  }
  const int T = pool.size();
  if (batch >= T && (double)m * n * k < 4e6) {
    // Many small products: split the batch.
    pool.run([&](int t) {
      for (int i = t; i < batch; i += T) myelin::sgemm_cols(a + i * sa, b + i * sb, c + (size_t)i * m * n, m, n, k, ta, tb, 0, n);
    });
    return nullptr;
  }
  for (int i = 0; i < batch; i++) {
    const float* ai = a + i * sa;
    const float* bi = b + i * sb;
    float* ci = c + (size_t)i * m * n;
    if (n >= 16 * T) {
      // Split columns in multiples of the micro-tile width.
      const int per = ((n + T - 1) / T + 15) / 16 * 16;
      pool.run([&](int t) {
        const int n0 = std::min(n, t * per), n1 = std::min(n, n0 + per);
        myelin::sgemm_cols(ai, bi, ci, m, n, k, ta, tb, n0, n1);
      });
    } else {
      const int per = ((m + T - 1) / T + 5) / 6 * 6;
      pool.run([&](int t) {
        const int m0 = std::min(m, t * per), m1 = std::min(m, m0 + per);
        myelin::sgemm_rows(ai, bi, ci, m, n, k, ta, tb, m0, m1);
      });
    }
  }
  return nullptr;
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int n = argc ? (int)getInt(env, argv[0]) : 1;
  n = std::max(1, std::min(n, 64));
  if (n != numThreads) {
    pool.resize(n);
    numThreads = n;
  }
  return nullptr;
}

napi_value GetNumThreads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, numThreads, &r);
  return r;
}

napi_value CpuFeatures(napi_env env, napi_callback_info) {
  napi_value r;
  const char* s = myelin::cpu_has_avx2_fma() ? "avx2+fma" : "generic";
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setNumThreads", nullptr, SetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getNumThreads", nullptr, GetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cpuFeatures", nullptr, CpuFeatures, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
