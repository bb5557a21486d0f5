// Recurrent cell kernels of the native backend (LSTM forward/backward, GRU forward).
#pragma once
#include <node_api.h>

namespace myelin {

// Adds this file's N-API functions to the addon's exports (AVX2 CPUs only).
void registerRnnKernels(napi_env env, napi_value exports);

}  // namespace myelin
