// Elementwise kernels of the native backend (unary maps, broadcast binary ops, strided copies, dropout masks; op codes from ops_generated.h).
#pragma once
#include <node_api.h>

#include "pool.h"

namespace myelin {

// Adds this file's N-API functions to the addon's exports.
void registerElementwiseKernels(napi_env env, napi_value exports, Pool& pool);

}  // namespace myelin
