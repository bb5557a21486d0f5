// Training-step kernels of the native backend (optimizer updates, softmax, dropout
// masks): memory-bound loops that are zero-copy here, where wasm must copy in and out.
#pragma once
#include <node_api.h>

#include "pool.h"

namespace myelin {

// Adds this file's N-API functions to the addon's exports.
void registerTrainKernels(napi_env env, napi_value exports, Pool& pool);

}  // namespace myelin
