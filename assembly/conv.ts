// Float32 im2col / col2im for convolution (same layout and loop order as
// src/backends/js/conv.ts, so col2im's overlapping sums match it exactly):
// x [n, C, H, W] <-> cols [n, C*kH*kW, oH*oW], rows ordered (c, ki, kj).

// First and one-past-last output column whose input column ow*s + off is in [0, W).
@inline function rangeLo(off: i32, s: i32, oW: i32): i32 {
  return off >= 0 ? 0 : min(oW, (-off + s - 1) / s);
}
@inline function rangeHi(off: i32, s: i32, W: i32, oW: i32, lo: i32): i32 {
  const last = W - 1 - off;
  const hi = last < 0 ? 0 : min(oW, last / s + 1);
  return hi > lo ? hi : lo;
}

// Byte address of image b's row (kernel tap) r in cols [n, rows, L].
@inline function colsRow(cols: usize, b: i32, r: i32, rows: i32, L: i32): usize {
  return cols + <usize>(b * rows + r) * <usize>L * 4;
}

/** x [n, C, H, W] -> cols [n, C*kH*kW, oH*oW]; zeros where a window reads padding. */
export function im2colF32(x: usize, n: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, padT: i32, padL: i32,
  sH: i32, sW: i32, dH: i32, dW: i32, oH: i32, oW: i32, out: usize): void {
  const HW = H * W, L = oH * oW, rows = C * kH * kW;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const xOff = x + <usize>((b * C + c) * HW) * 4;
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          const o = colsRow(out, b, (c * kH + ki) * kW + kj, rows, L);
          im2colRow(xOff, H, W, ki * dH - padT, kj * dW - padL, sH, sW, oH, oW, o);
        }
      }
    }
  }
}

/**
 * One row of the columns: the oH x oW window positions' reads of one input plane
 * `xc` at kernel tap offset (hOff, wOff) = (ki*dH - padT, kj*dW - padL), zeros where
 * they fall in the padding.
 */
export function im2colRow(xc: usize, H: i32, W: i32, hOff: i32, wOff: i32, sH: i32, sW: i32, oH: i32, oW: i32, o: usize): void {
  const row = <usize>oW * 4;
  const lo = rangeLo(wOff, sW, oW), hi = rangeHi(wOff, sW, W, oW, lo);
  if (sH == 1 && sW == 1 && oW == W && lo < hi) {
    shiftedPlane(xc, H, W, hOff, wOff, oH, lo, hi, o);
    return;
  }
  for (let oh = 0; oh < oH; oh++, o += row) {
    const ih = oh * sH + hOff;
    if (ih < 0 || ih >= H) { zeroF32(o, oW); continue; }
    if (lo > 0) zeroF32(o, lo);
    if (hi < oW) zeroF32(o + <usize>hi * 4, oW - hi);
    const base = xc + <usize>(ih * W + wOff) * 4;
    if (sW == 1) {
      if (hi > lo) copyF32(o + <usize>lo * 4, base + <usize>lo * 4, hi - lo);
    } else {
      for (let ow = lo; ow < hi; ow++) store<f32>(o + <usize>ow * 4, load<f32>(base + <usize>(ow * sW) * 4));
    }
  }
}

// im2colRow for stride 1 with the output as wide as the input ("same" padding): the row
// is the plane shifted by hOff*W + wOff floats, so the valid rows are one contiguous
// copy (reading the neighbouring row's ends into the padding columns), after which the
// padding columns and rows are zeroed. A dozen-float copy per output row was most of
// the per-image im2col time on 14x14 planes.
function shiftedPlane(xc: usize, H: i32, W: i32, hOff: i32, wOff: i32, oH: i32, lo: i32, hi: i32, o: usize): void {
  const r0 = min(oH, max(0, -hOff)), r1 = max(r0, min(oH, H - hOff));
  if (r0 > 0) zeroF32(o, r0 * W);
  if (r1 < oH) zeroF32(o + <usize>(r1 * W) * 4, (oH - r1) * W);
  if (r1 == r0) return;
  const start = r0 * W + lo, end = (r1 - 1) * W + hi;
  copyF32(o + <usize>start * 4, xc + <usize>(start + hOff * W + wOff) * 4, end - start);
  for (let oh = r0; oh < r1; oh++) {
    const p = o + <usize>(oh * W) * 4;
    for (let ow = 0; ow < lo; ow++) store<f32>(p + <usize>ow * 4, 0);
    for (let ow = hi; ow < W; ow++) store<f32>(p + <usize>ow * 4, 0);
  }
}

// Short copies and fills as inline SIMD loops: rows are often a dozen floats, and
// memory.copy/fill of a variable length is a call out of the compiled code in V8
// (im2col of MNIST's conv2 ran 22% of its conv's time in them).
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= 256) { memory.copy(dst, src, <usize>n * 4); return; }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, v128.load(src + <usize>i * 4));
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, load<f32>(src + <usize>i * 4));
}

@inline function zeroF32(dst: usize, n: i32): void {
  if (n >= 256) { memory.fill(dst, 0, <usize>n * 4); return; }
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, z);
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, 0);
}

/** Adjoint of im2colF32: out [n, C, H, W] (overwritten) = sum of cols at the pixels im2col read. */
export function col2imF32(cols: usize, n: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, padT: i32, padL: i32,
  sH: i32, sW: i32, dH: i32, dW: i32, oH: i32, oW: i32, out: usize): void {
  const HW = H * W, L = oH * oW, rows = C * kH * kW;
  memory.fill(out, 0, <usize>n * <usize>C * <usize>HW * 4);
  const row = <usize>oW * 4;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const xOff = out + <usize>((b * C + c) * HW) * 4;
      for (let ki = 0; ki < kH; ki++) {
        const hOff = ki * dH - padT;
        for (let kj = 0; kj < kW; kj++) {
          const wOff = kj * dW - padL;
          const lo = rangeLo(wOff, sW, oW), hi = rangeHi(wOff, sW, W, oW, lo);
          let o = colsRow(cols, b, (c * kH + ki) * kW + kj, rows, L);
          for (let oh = 0; oh < oH; oh++, o += row) {
            const ih = oh * sH + hOff;
            if (ih < 0 || ih >= H || lo >= hi) continue;
            const base = xOff + <usize>(ih * W + wOff) * 4;
            if (sW == 1) {
              let ow = lo;
              for (; ow + 4 <= hi; ow += 4) {
                const p = base + <usize>ow * 4;
                v128.store(p, f32x4.add(v128.load(p), v128.load(o + <usize>ow * 4)));
              }
              for (; ow < hi; ow++) {
                const p = base + <usize>ow * 4;
                store<f32>(p, load<f32>(p) + load<f32>(o + <usize>ow * 4));
              }
            } else {
              for (let ow = lo; ow < hi; ow++) {
                const p = base + <usize>(ow * sW) * 4;
                store<f32>(p, load<f32>(p) + load<f32>(o + <usize>ow * 4));
              }
            }
          }
        }
      }
    }
  }
}
