{
  "targets": [
    {
      "target_name": "myelin_native",
      "sources": ["addon.cc", "gemm.cc", "gemm_kernels.cc", "conv.cc", "conv_fused.cc", "train.cc", "elementwise.cc", "rnn.cc", "reduce.cc", "f64.cc", "depthwise.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-ffp-contract=off", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
