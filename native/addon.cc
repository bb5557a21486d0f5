// N-API entry points of myelin's optional native backend. Arguments are TypedArrays
// used in place (zero-copy); work is split across a persistent thread pool so that
// results are bitwise identical for any thread count.
//
// Every entry point may be called from any JavaScript thread at once (main thread and
// worker_threads each load the addon into their own environment). The process shares
// one pool (pool.h: one job at a time, a busy pool makes the caller run alone); what
// belongs to one JavaScript thread, its thread count, lives in that environment's
// instance data (napi_set_instance_data) and in the pool's per-thread limit.
#include <node_api.h>

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>

#include "depthwise.h"
#include "conv.h"
#include "f64.h"
#include "gemm.h"
#include "napi_util.h"
#include "ops_generated.h"
#include "pool.h"
#include "train.h"

using myelin::check;
using myelin::getF32;
using myelin::optF32;
using myelin::getI32;
using myelin::getInt;
using myelin::getBool;
using myelin::readGeom;

namespace {

myelin::Pool pool;

// Per-environment (per JavaScript thread) state, owned by N-API instance data.
struct EnvState {
  int numThreads = 1;
};

EnvState* envState(napi_env env) {
  void* d = nullptr;
  napi_get_instance_data(env, &d);
  return static_cast<EnvState*>(d);
}

// The most threads one JavaScript thread may ask for (JS checks it first, with a message).
constexpr int kMaxThreads = 64;

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
  if (!myelin::gemmArgsFit(batch, m, n, k, sa, sb, la, lb, lc)) {
    napi_throw_range_error(env, nullptr, "sgemm: array too small for the given sizes");
    return nullptr;
  }
  myelin::sgemm(&pool, a, b, c, batch, m, n, k, ta, tb, sa, sb);
  return nullptr;
}

// im2col(x, n, geom Int32Array[13], out) / col2im(cols, n, geom, out)
napi_value Im2colImpl(napi_env env, napi_callback_info info, bool adjoint) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *out;
  size_t lx, lo;
  myelin::ConvGeom g;
  if (argc < 4 || !getF32(env, argv[0], &x, &lx) || !readGeom(env, argv[2], &g) || !getF32(env, argv[3], &out, &lo)) return nullptr;
  const int n = (int)getInt(env, argv[1]);
  const size_t img = (size_t)g.C * g.H * g.W, cols = (size_t)g.C * g.kH * g.kW * g.oH * g.oW;
  if (n < 0 || (adjoint ? (lx < n * cols || lo < n * img) : (lx < n * img || lo < n * cols))) {
    napi_throw_range_error(env, nullptr, "im2col/col2im: array too small for the geometry");
    return nullptr;
  }
  pool.splitItems(n, (double)n * cols, [&](int b0, int b1) {
    if (adjoint) myelin::col2im(x, g, b0, b1, out);
    else myelin::im2col(x, g, b0, b1, out);
  });
  return nullptr;
}

napi_value Im2col(napi_env env, napi_callback_info info) { return Im2colImpl(env, info, false); }
napi_value Col2im(napi_env env, napi_callback_info info) { return Im2colImpl(env, info, true); }

// convFused(mode, x, w, bias, gy, out, n, O, geom Int32Array[13]); unused operands null (see conv.h).
napi_value ConvFused(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *w, *bias, *gy, *out;
  size_t lx, lw, lb, lg, lo;
  myelin::ConvGeom g;
  if (argc < 9 || !optF32(env, argv[1], &x, &lx) || !optF32(env, argv[2], &w, &lw) || !optF32(env, argv[3], &bias, &lb) ||
      !optF32(env, argv[4], &gy, &lg) || !getF32(env, argv[5], &out, &lo) || !readGeom(env, argv[8], &g)) return nullptr;
  const int mode = (int)getInt(env, argv[0]), n = (int)getInt(env, argv[6]), O = (int)getInt(env, argv[7]);
  const size_t K = (size_t)g.C * g.kH * g.kW, L = (size_t)g.oH * g.oW, image = (size_t)g.C * g.H * g.W;
  const size_t nn = n < 0 ? 0 : (size_t)n, oo = O < 0 ? 0 : (size_t)O;
  bool ok = n >= 0 && O >= 0 && mode >= 0 && mode <= 2 && (!bias || lb >= oo);
  if (mode != myelin::kConvInputGrad) ok = ok && x && lx >= nn * image;
  if (mode != myelin::kConvWeightGrad) ok = ok && w && lw >= oo * K;
  if (mode != myelin::kConvForward) ok = ok && gy && lg >= nn * oo * L;
  ok = ok && lo >= (mode == myelin::kConvForward ? nn * oo * L : mode == myelin::kConvInputGrad ? nn * image : oo * K);
  if (!ok) {
    napi_throw_range_error(env, nullptr, "convFused: bad mode, missing operand or array too small for the geometry");
    return nullptr;
  }
  myelin::convFused(pool, mode, x, w, bias, gy, out, n, O, g);
  return nullptr;
}

// maxPool2d(x, planes, H, W, oH, oW, hs, he, ws, we, dH, dW, out, idx)
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 14) {
    napi_throw_error(env, nullptr, "maxPool2d: expected 14 arguments");
    return nullptr;
  }
  float *x, *out;
  int32_t *hs, *he, *ws, *we, *idx;
  size_t lx, lo, l1, l2, l3, l4, li;
  if (!getF32(env, argv[0], &x, &lx) || !getI32(env, argv[6], &hs, &l1) || !getI32(env, argv[7], &he, &l2) ||
      !getI32(env, argv[8], &ws, &l3) || !getI32(env, argv[9], &we, &l4) || !getF32(env, argv[12], &out, &lo) ||
      !getI32(env, argv[13], &idx, &li))
    return nullptr;
  const int planes = (int)getInt(env, argv[1]), H = (int)getInt(env, argv[2]), W = (int)getInt(env, argv[3]);
  const int oH = (int)getInt(env, argv[4]), oW = (int)getInt(env, argv[5]), dH = (int)getInt(env, argv[10]), dW = (int)getInt(env, argv[11]);
  const size_t L = (size_t)planes * oH * oW;
  if (planes < 0 || lx < (size_t)planes * H * W || lo < L || li < L || l1 < (size_t)oH || l2 < (size_t)oH || l3 < (size_t)oW ||
      l4 < (size_t)oW || dH < 1 || dW < 1) {
    napi_throw_range_error(env, nullptr, "maxPool2d: array too small for the sizes");
    return nullptr;
  }
  for (int i = 0; i < oH; i++)
    if (hs[i] < 0 || he[i] > H) { napi_throw_range_error(env, nullptr, "maxPool2d: window rows outside the input"); return nullptr; }
  for (int j = 0; j < oW; j++)
    if (ws[j] < 0 || we[j] > W) { napi_throw_range_error(env, nullptr, "maxPool2d: window columns outside the input"); return nullptr; }
  pool.splitItems(planes, (double)planes * H * W, [&](int p0, int p1) {
    myelin::maxPool2d(x, p0, p1, H, W, oH, oW, hs, he, ws, we, dH, dW, out, idx);
  });
  return nullptr;
}

// maxPool2dBackward(g, idx, planes, inSize, outSize, gx)
napi_value MaxPool2dBackward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *g, *gx;
  int32_t* idx;
  size_t lg, li, lx;
  if (argc < 6 || !getF32(env, argv[0], &g, &lg) || !getI32(env, argv[1], &idx, &li) || !getF32(env, argv[5], &gx, &lx)) return nullptr;
  const int planes = (int)getInt(env, argv[2]), inSize = (int)getInt(env, argv[3]), outSize = (int)getInt(env, argv[4]);
  const size_t L = (size_t)planes * outSize;
  if (planes < 0 || lg < L || li < L || lx < (size_t)planes * inSize) {
    napi_throw_range_error(env, nullptr, "maxPool2dBackward: array too small for the sizes");
    return nullptr;
  }
  for (size_t o = 0; o < L; o++)
    if (idx[o] < 0 || idx[o] >= inSize) { napi_throw_range_error(env, nullptr, "maxPool2dBackward: index outside the plane"); return nullptr; }
  pool.splitItems(planes, (double)planes * inSize, [&](int p0, int p1) { myelin::maxPool2dBackward(g, idx, p0, p1, inSize, outSize, gx); });
  return nullptr;
}

// maxPool2d2x2(x, planes, H, W, out, idx): 2x2 windows, stride 2, no padding/dilation.
napi_value MaxPool2d2x2(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *out;
  int32_t* idx;
  size_t lx, lo, li;
  if (argc < 6 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[4], &out, &lo) || !getI32(env, argv[5], &idx, &li)) return nullptr;
  const int planes = (int)getInt(env, argv[1]), H = (int)getInt(env, argv[2]), W = (int)getInt(env, argv[3]);
  const int oH = H / 2, oW = W / 2;
  const size_t L = (size_t)planes * oH * oW;
  if (planes < 0 || H < 2 || W < 2 || lx < (size_t)planes * H * W || lo < L || li < L) {
    napi_throw_range_error(env, nullptr, "maxPool2d2x2: array too small for the sizes");
    return nullptr;
  }
  pool.splitItems(planes, (double)planes * H * W, [&](int p0, int p1) { myelin::maxPool2d2x2(x, p0, p1, H, W, oH, oW, out, idx); });
  return nullptr;
}

// reluBackward(x, g, out): out = g * (x > 0), all the same length.
napi_value ReluBackward(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *x, *g, *out;
  size_t lx, lg, lo;
  if (argc < 3 || !getF32(env, argv[0], &x, &lx) || !getF32(env, argv[1], &g, &lg) || !getF32(env, argv[2], &out, &lo)) return nullptr;
  if (lg < lo || lx < lo) {
    napi_throw_range_error(env, nullptr, "reluBackward: x and g must be at least as long as out");
    return nullptr;
  }
  const int chunks = (int)std::min<size_t>(64, lo / 4096 + 1);
  pool.splitItems(chunks, (double)lo, [&](int c0, int c1) {
    myelin::reluBackward(x, g, lo * c0 / chunks, lo * c1 / chunks, out);
  });
  return nullptr;
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const double d = argc ? myelin::getDouble(env, argv[0]) : 0;
  if (!(d >= 1 && d <= kMaxThreads && d == (int)d)) {
    napi_throw_range_error(env, nullptr, "setNumThreads: expected an integer from 1 to 64");
    return nullptr;
  }
  const int n = (int)d;
  // Sets this thread's limit; the shared pool only ever grows (waiting for a running job).
  pool.setThreadLimit(n);
  if (EnvState* s = envState(env)) s->numThreads = n;
  return nullptr;
}

napi_value GetNumThreads(napi_env env, napi_callback_info) {
  napi_value r;
  EnvState* s = envState(env);
  napi_create_int32(env, s ? s->numThreads : 1, &r);
  return r;
}

// releaseMemory(): hands free heap memory back to the OS (malloc_trim). The malloc
// tuning in train.cc keeps up to 1 GiB of freed tensor buffers for reuse: right for a
// training loop, costly for a long-lived server between requests.
napi_value ReleaseMemory(napi_env, napi_callback_info) {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return nullptr;
}

napi_value CpuFeatures(napi_env env, napi_callback_info) {
  napi_value r;
  const char* s = myelin::cpu_has_avx2_fma() ? "avx2+fma" : "generic";
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

// The op table's hash this addon was built from (the JS side refuses another table's codes).
napi_value OpTableHash(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, MYELIN_OP_TABLE_HASH, NAPI_AUTO_LENGTH, &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_set_instance_data(
      env, new EnvState(), [](napi_env, void* d, void*) { delete static_cast<EnvState*>(d); }, nullptr);
  napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setNumThreads", nullptr, SetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getNumThreads", nullptr, GetNumThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cpuFeatures", nullptr, CpuFeatures, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"releaseMemory", nullptr, ReleaseMemory, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"opTableHash", nullptr, OpTableHash, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"im2col", nullptr, Im2col, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"col2im", nullptr, Col2im, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convFused", nullptr, ConvFused, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2d", nullptr, MaxPool2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2d2x2", nullptr, MaxPool2d2x2, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluBackward", nullptr, ReluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2dBackward", nullptr, MaxPool2dBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  // Registration also points the kernel files at the pool; environments may start at once.
  static std::mutex initMu;
  std::lock_guard<std::mutex> lk(initMu);
  myelin::registerTrainKernels(env, exports, pool);
  myelin::registerF64Kernels(env, exports, pool);
  myelin::registerDepthwiseKernels(env, exports, pool);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
