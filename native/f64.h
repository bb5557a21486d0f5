// Double-precision kernels of the native backend (DGEMM, broadcast arithmetic, fused LSTM cell), f64.cc.
#pragma once
#include <node_api.h>

#include "pool.h"

namespace myelin {

// Adds dgemm, binaryF64, lstmCellF64 and lstmCellBackwardF64 to the addon's exports.
void registerF64Kernels(napi_env env, napi_value exports, Pool& pool);

}  // namespace myelin
