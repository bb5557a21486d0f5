// Reduction kernels of the native backend (sums over the middle axis of [outer, r, inner]).
#pragma once
#include <node_api.h>

namespace myelin {

// Adds this file's N-API functions to the addon's exports (AVX2 CPUs only).
void registerReduceKernels(napi_env env, napi_value exports);

}  // namespace myelin
