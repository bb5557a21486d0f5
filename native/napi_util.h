// Helpers shared by the N-API entry points: zero-copy access to TypedArray
// arguments and scalar conversion, throwing a JS error that names what was wrong.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "conv.h"

namespace myelin {

inline double getDouble(napi_env env, napi_value v) {
  double r = 0;
  napi_get_value_double(env, v, &r);
  return r;
}

inline bool check(napi_env env, napi_status s, const char* what) {
  if (s == napi_ok) return true;
  napi_throw_error(env, nullptr, what);
  return false;
}

// The data pointer and length of a TypedArray of the expected element type (zero-copy).
template <typename T>
inline bool getArray(napi_env env, napi_value v, napi_typedarray_type want, const char* what, T** data, size_t* len) {
  napi_typedarray_type type;
  void* ptr;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &buf, &off) != napi_ok || type != want) {
    napi_throw_type_error(env, nullptr, what);
    return false;
  }
  *data = static_cast<T*>(ptr);
  return true;
}

inline bool getF32(napi_env env, napi_value v, float** data, size_t* len) {
  return getArray(env, v, napi_float32_array, "myelin native: expected a Float32Array", data, len);
}

inline bool getI32(napi_env env, napi_value v, int32_t** data, size_t* len) {
  return getArray(env, v, napi_int32_array, "myelin native: expected an Int32Array", data, len);
}

// An optional Float32Array argument: nullptr (length 0) for JS null or undefined.
inline bool optF32(napi_env env, napi_value v, float** data, size_t* len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = nullptr;
    *len = 0;
    return true;
  }
  return getF32(env, v, data, len);
}

inline int64_t getInt(napi_env env, napi_value v) {
  int64_t r = 0;
  napi_get_value_int64(env, v, &r);
  return r;
}

inline bool getBool(napi_env env, napi_value v) {
  bool r = false;
  napi_get_value_bool(env, v, &r);
  return r;
}

// A conv geometry packed as 13 int32 (C, H, W, kH, kW, padT, padL, sH, sW, dH, dW, oH, oW).
inline bool readGeom(napi_env env, napi_value v, ConvGeom* g) {
  int32_t* d;
  size_t len;
  if (!getI32(env, v, &d, &len)) return false;
  if (len < 13) {
    napi_throw_range_error(env, nullptr, "conv geometry needs 13 integers");
    return false;
  }
  *g = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12]};
  return true;
}

}  // namespace myelin
