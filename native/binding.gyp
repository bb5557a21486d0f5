{
  "targets": [
    {
      "target_name": "myelin_native",
      "sources": ["addon.cc", "gemm.cc", "conv.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
