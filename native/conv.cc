// Loops written so the compiler vectorises the contiguous cases (stride-1 rows);
// each image or plane is independent, which lets the caller split work across
// threads with results identical to a single thread.
#include "conv.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>

namespace myelin {

namespace {

// Output columns ow with 0 <= ow*s + off < W, as [lo, hi).
inline void validRange(int off, int s, int W, int oW, int& lo, int& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = W - off <= 0 ? 0 : (W - off + s - 1) / s;
  lo = std::min(lo, oW);
  hi = std::max(lo, std::min(hi, oW));
}

// Offset of image b's row (kernel tap) r in cols [n, rows, L].
inline size_t colsRow(int b, size_t r, size_t rows, size_t L) {
  return (b * rows + r) * L;
}

}  // namespace

void im2col(const float* x, const ConvGeom& g, int b0, int b1, float* out) {
  const size_t HW = (size_t)g.H * g.W, L = (size_t)g.oH * g.oW;
  const size_t rows = (size_t)g.C * g.kH * g.kW;
  for (int b = b0; b < b1; b++) {
    size_t r = 0;
    for (int c = 0; c < g.C; c++) {
      const float* xc = x + ((size_t)b * g.C + c) * HW;
      for (int ki = 0; ki < g.kH; ki++) {
        const int hOff = ki * g.dH - g.padT;
        for (int kj = 0; kj < g.kW; kj++, r++) {
          float* o = out + colsRow(b, r, rows, L);
          const int wOff = kj * g.dW - g.padL;
          int lo, hi;
          validRange(wOff, g.sW, g.W, g.oW, lo, hi);
          for (int oh = 0; oh < g.oH; oh++) {
            float* orow = o + (size_t)oh * g.oW;
            const int ih = oh * g.sH + hOff;
            if (ih < 0 || ih >= g.H) {
              std::memset(orow, 0, sizeof(float) * g.oW);
              continue;
            }
            for (int ow = 0; ow < lo; ow++) orow[ow] = 0.f;
            for (int ow = hi; ow < g.oW; ow++) orow[ow] = 0.f;
            const float* xr = xc + (size_t)ih * g.W + wOff;
            if (g.sW == 1) {
              std::memcpy(orow + lo, xr + lo, sizeof(float) * (hi - lo));
            } else {
              for (int ow = lo; ow < hi; ow++) orow[ow] = xr[(size_t)ow * g.sW];
            }
          }
        }
      }
    }
  }
}

void col2im(const float* cols, const ConvGeom& g, int b0, int b1, float* out) {
  const size_t HW = (size_t)g.H * g.W, L = (size_t)g.oH * g.oW;
  const size_t rows = (size_t)g.C * g.kH * g.kW;
  for (int b = b0; b < b1; b++) {
    size_t r = 0;
    std::memset(out + (size_t)b * g.C * HW, 0, sizeof(float) * g.C * HW);
    for (int c = 0; c < g.C; c++) {
      float* xc = out + ((size_t)b * g.C + c) * HW;
      for (int ki = 0; ki < g.kH; ki++) {
        const int hOff = ki * g.dH - g.padT;
        for (int kj = 0; kj < g.kW; kj++, r++) {
          const float* o = cols + colsRow(b, r, rows, L);
          const int wOff = kj * g.dW - g.padL;
          int lo, hi;
          validRange(wOff, g.sW, g.W, g.oW, lo, hi);
          for (int oh = 0; oh < g.oH; oh++) {
            const int ih = oh * g.sH + hOff;
            if (ih < 0 || ih >= g.H) continue;
            const float* orow = o + (size_t)oh * g.oW;
            float* xr = xc + (size_t)ih * g.W + wOff;
            if (g.sW == 1) {
              for (int ow = lo; ow < hi; ow++) xr[ow] += orow[ow];
            } else {
              for (int ow = lo; ow < hi; ow++) xr[(size_t)ow * g.sW] += orow[ow];
            }
          }
        }
      }
    }
  }
}

void maxPool2d(const float* x, int p0, int p1, int H, int W, int oH, int oW, const int32_t* hs, const int32_t* he,
               const int32_t* ws, const int32_t* we, int dH, int dW, float* out, int32_t* idx) {
  const size_t HW = (size_t)H * W, L = (size_t)oH * oW;
  for (int p = p0; p < p1; p++) {
    const float* xp = x + (size_t)p * HW;
    size_t o = (size_t)p * L;
    for (int i = 0; i < oH; i++) {
      const int h0 = hs[i], h1 = he[i];
      for (int j = 0; j < oW; j++, o++) {
        const int w0 = ws[j], w1 = we[j];
        float best = -INFINITY;
        int bi = h0 * W + w0;
        for (int h = h0; h < h1; h += dH) {
          const int row = h * W;
          for (int w = w0; w < w1; w += dW) {
            const float v = xp[row + w];
            // NaN wins (the last NaN, as PyTorch's CPU kernel), first maximum on ties.
            if (v > best || v != v) {
              best = v;
              bi = row + w;
            }
          }
        }
        out[o] = best;
        idx[o] = bi;
      }
    }
  }
}

void maxPool2dBackward(const float* g, const int32_t* idx, int p0, int p1, int inSize, int outSize, float* gx) {
  for (int p = p0; p < p1; p++) {
    float* gp = gx + (size_t)p * inSize;
    std::memset(gp, 0, sizeof(float) * inSize);
    const size_t end = (size_t)(p + 1) * outSize;
    for (size_t o = (size_t)p * outSize; o < end; o++) gp[idx[o]] += g[o];
  }
}

// Random signs make the generic kernel's "new maximum?" branch unpredictable; here each
// step is a select (cmov/blend), in the same scan order, so ties and NaNs resolve alike.
void maxPool2d2x2(const float* x, int p0, int p1, int H, int W, int oH, int oW, float* out, int32_t* idx) {
  const size_t HW = (size_t)H * W, L = (size_t)oH * oW;
  for (int p = p0; p < p1; p++) {
    const float* xp = x + (size_t)p * HW;
    float* op = out + (size_t)p * L;
    int32_t* ip = idx + (size_t)p * L;
    for (int i = 0; i < oH; i++) {
      const int r0 = 2 * i * W, r1 = r0 + W;
      for (int j = 0; j < oW; j++) {
        const int c = 2 * j;
        float best = xp[r0 + c];
        int32_t bi = r0 + c;
        // The first element always wins against -inf (or is NaN), so start from it.
        float v = xp[r0 + c + 1];
        bool t = v > best || v != v;
        best = t ? v : best; bi = t ? r0 + c + 1 : bi;
        v = xp[r1 + c];
        t = v > best || v != v;
        best = t ? v : best; bi = t ? r1 + c : bi;
        v = xp[r1 + c + 1];
        t = v > best || v != v;
        best = t ? v : best; bi = t ? r1 + c + 1 : bi;
        op[(size_t)i * oW + j] = best;
        ip[(size_t)i * oW + j] = bi;
      }
    }
  }
}

void reluBackward(const float* x, const float* g, size_t i0, size_t i1, float* out) {
  size_t i = i0;
#if defined(__SSE2__)
  // GCC turns the scalar form into a data-dependent branch (g * 1 == g); on random signs
  // that mispredicts half the time. Compare + and gives the 1.0f/0.0f mask branch-free.
  const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f);
  for (; i + 4 <= i1; i += 4) {
    const __m128 m = _mm_and_ps(_mm_cmpgt_ps(_mm_loadu_ps(x + i), zero), one);
    _mm_storeu_ps(out + i, _mm_mul_ps(_mm_loadu_ps(g + i), m));
  }
#endif
  for (; i < i1; i++) out[i] = g[i] * (x[i] > 0.0f ? 1.0f : 0.0f);
}

}  // namespace myelin
