// Depthwise conv2d (forward and both gradients) and clamp, native (native/depthwise.cc).
#pragma once
#include <node_api.h>

#include "pool.h"

namespace myelin {

// Adds depthwiseConv2d and clamp to the addon's exports (AVX2 CPUs only).
void registerDepthwiseKernels(napi_env env, napi_value exports, Pool& pool);

}  // namespace myelin
