// conv2d (groups 1) forward and both gradients as one GEMM per image on columns built in
// a per-thread buffer one image big (C*kH*kW x oH*oW floats, ~225 KiB for MNIST's conv2,
// so it stays in L2): the batch's column matrix is never written to memory and read back,
// and no transposes are needed. The same plan as the wasm kernels (assembly/conv-gemm.ts).
// Threads take images (forward, input gradient) or fixed groups of images (weight
// gradient: each group's sum, then the groups' sums in order), so every result is
// bitwise the same for any thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv.h"
#include "gemm.h"
#include "pool.h"

namespace myelin {

namespace {

// Images per weight-gradient group: the partial sums cost groups x O x K floats.
constexpr int kGroup = 4;

float* threadCols(size_t floats) {
  thread_local std::vector<float> buf;
  if (buf.size() < floats) buf.resize(floats);
  return buf.data();
}

}  // namespace

void convFused(Pool& pool, int mode, const float* x, const float* w, const float* bias, const float* gy, float* out,
               int n, int O, const ConvGeom& g) {
  const int K = g.C * g.kH * g.kW, L = g.oH * g.oW;
  const size_t image = (size_t)g.C * g.H * g.W, outImage = (size_t)O * L;
  const double work = 2.0 * n * O * K * L;
  if (mode == kConvForward || mode == kConvInputGrad) {
    pool.splitItems(n, work, [&](int b0, int b1) {
      float* cols = threadCols((size_t)K * L);
      for (int b = b0; b < b1; b++) {
        if (mode == kConvForward) {
          im2col(x + b * image, g, 0, 1, cols);
          float* y = out + b * outImage;
          sgemm_rows(w, cols, y, O, L, K, false, false, 0, O);
          if (bias) {
            for (int o = 0; o < O; o++) {
              float* row = y + (size_t)o * L;
              for (int j = 0; j < L; j++) row[j] += bias[o];
            }
          }
        } else {
          sgemm_rows(w, gy + b * outImage, cols, K, L, O, true, false, 0, K);
          col2im(cols, g, 0, 1, out + b * image);
        }
      }
    });
    return;
  }
  // Weight gradient: group sums into `part` (the first group straight into out).
  const int groups = (n + kGroup - 1) / kGroup;
  const size_t wsz = (size_t)O * K;
  std::vector<float> part(groups > 1 ? (size_t)(groups - 1) * wsz : 0);
  pool.splitItems(groups, work, [&](int g0, int g1) {
    float* cols = threadCols((size_t)K * L + wsz);
    float* tmp = cols + (size_t)K * L;
    for (int grp = g0; grp < g1; grp++) {
      float* sum = grp == 0 ? out : part.data() + (grp - 1) * wsz;
      for (int b = grp * kGroup; b < std::min(n, (grp + 1) * kGroup); b++) {
        im2col(x + b * image, g, 0, 1, cols);
        const bool first = b == grp * kGroup;
        sgemm_rows(gy + b * outImage, cols, first ? sum : tmp, O, K, L, false, true, 0, O);
        if (!first) for (size_t i = 0; i < wsz; i++) sum[i] += tmp[i];
      }
    }
  });
  for (int grp = 1; grp < groups; grp++) {
    const float* p = part.data() + (grp - 1) * wsz;
    for (size_t i = 0; i < wsz; i++) out[i] += p[i];
  }
  if (n == 0) std::memset(out, 0, wsz * sizeof(float));
}

}  // namespace myelin
