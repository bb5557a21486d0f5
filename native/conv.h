// Native im2col/col2im and max pooling (float32), mirroring the JS reference
// kernels in src/backends/js/{conv,pool}.ts element for element.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops_generated.h"

namespace myelin {

class Pool;

struct ConvGeom {
  int C, H, W, kH, kW, padT, padL, sH, sW, dH, dW, oH, oW;
};

// Images [b0, b1) of x [n, C, H, W] -> cols [n, C*kH*kW, oH*oW].
void im2col(const float* x, const ConvGeom& g, int b0, int b1, float* out);
// Images [b0, b1): out [n, C, H, W] (overwritten) = adjoint of im2col.
void col2im(const float* cols, const ConvGeom& g, int b0, int b1, float* out);
// Planes [p0, p1) of x [planes, H, W]; windows per output row/column (see PoolWindows).
void maxPool2d(const float* x, int p0, int p1, int H, int W, int oH, int oW, const int32_t* hs, const int32_t* he,
               const int32_t* ws, const int32_t* we, int dH, int dW, float* out, int32_t* idx);
// Planes [p0, p1): gx [planes, inSize] (overwritten) = g scattered to idx.
void maxPool2dBackward(const float* g, const int32_t* idx, int p0, int p1, int inSize, int outSize, float* gx);

// Planes [p0, p1) of x [planes, H, W], 2x2 windows with stride 2 inside the image (oH = H/2, oW = W/2
// floored): the same result as maxPool2d with those windows, computed without branches.
void maxPool2d2x2(const float* x, int p0, int p1, int H, int W, int oH, int oW, float* out, int32_t* idx);
// Elements [i0, i1): out = g * (x > 0 ? 1 : 0), ReLU's gradient.
void reluBackward(const float* x, const float* g, std::size_t i0, std::size_t i1, float* out);

// conv2d (groups 1) image by image (native/conv_fused.cc): mode kConvForward out [n, O, oH, oW]
// = w [O, K] @ im2col(x) (+ bias); kConvInputGrad out [n, C, H, W] = col2im(w^T @ gy);
// kConvWeightGrad out [O, K] = sum over images of gy @ im2col(x)^T. Outputs overwritten.
// kConv* come from ops_generated.h (scripts/op-table.mjs CONV_MODES).
void convFused(Pool& pool, int mode, const float* x, const float* w, const float* bias, const float* gy, float* out,
               int n, int O, const ConvGeom& g);

}  // namespace myelin
