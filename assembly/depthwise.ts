// Depthwise conv2d (groups = in = out channels) as a direct sliding-window kernel, and clamp,
// forward and both gradients (issue #21), the wasm twin of native/depthwise.cc: per
// output row and kernel row, per kernel column an f32x4 axpy (forward, input
// gradient) or dot product (weight gradient) over the output columns whose input
// column is inside the image; strided columns run scalar. w [C, kH*kW]; modes are the
// op table's CONV_* (forward, inputGrad, weightGrad).
import { CONV_FORWARD, CONV_INPUT_GRAD } from "./ops.generated";

@inline function colLo(g: usize, kw: i32): i32 {
  const a = load<i32>(g, 24) - kw * load<i32>(g, 40);  // padL - kw*dW
  const sW = load<i32>(g, 32);
  return a <= 0 ? 0 : (a + sW - 1) / sW;
}
@inline function colHi(g: usize, kw: i32, lo: i32): i32 {
  const b = load<i32>(g, 8) - 1 + load<i32>(g, 24) - kw * load<i32>(g, 40);  // W - 1 + padL - kw*dW
  const hi = b < 0 ? 0 : min(load<i32>(g, 48), b / load<i32>(g, 32) + 1);
  return hi > lo ? hi : lo;
}

// o[i] += w * x[i] over the whole vectors of i < n; returns where the scalar tail starts.
@inline function axpy4(o: usize, x: usize, w: f32, n: i32): i32 {
  const vw = f32x4.splat(w);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 2;
    v128.store(o + q, f32x4.add(v128.load(o + q), f32x4.mul(vw, v128.load(x + q))));
  }
  return i;
}

// o[i] += w * x[i*s], i < n (byte pointers).
@inline function axpy(o: usize, x: usize, s: i32, w: f32, n: i32): void {
  let i = s == 1 ? axpy4(o, x, w, n) : 0;
  for (; i < n; i++) store<f32>(o + (<usize>i << 2), load<f32>(o + (<usize>i << 2)) + w * load<f32>(x + (<usize>(i * s) << 2)));
}

// o[i*s] += w * y[i], i < n.
@inline function scatter(o: usize, y: usize, s: i32, w: f32, n: i32): void {
  let i = s == 1 ? axpy4(o, y, w, n) : 0;
  for (; i < n; i++) {
    const q = <usize>(i * s) << 2;
    store<f32>(o + q, load<f32>(o + q) + w * load<f32>(y + (<usize>i << 2)));
  }
}

// sum of y[i] * x[i*s], i < n.
@inline function dot(y: usize, x: usize, s: i32, n: i32): f64 {
  let i = 0, acc: f64 = 0;
  if (s == 1) {
    let v = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const q = <usize>i << 2;
      v = f32x4.add(v, f32x4.mul(v128.load(y + q), v128.load(x + q)));
    }
    acc = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
  }
  for (; i < n; i++) acc += <f64>load<f32>(y + (<usize>i << 2)) * <f64>load<f32>(x + (<usize>(i * s) << 2));
  return acc;
}

/**
 * geom: 13 i32 at `g` (C, H, W, kH, kW, padT, padL, sH, sW, dH, dW, oH, oW). Forward:
 * out [n, C, oH, oW] = conv(x, w) + bias (bias 0 = none); input gradient: out [n, C, H, W]
 * from gy; weight gradient: out [C, kH*kW] from x and gy. `acc` is kH*kW f64 of scratch.
 */
export function depthwiseF32(mode: i32, x: usize, w: usize, bias: usize, gy: usize, out: usize, n: i32, g: usize, acc: usize): void {
  const C = load<i32>(g, 0), H = load<i32>(g, 4), W = load<i32>(g, 8), kH = load<i32>(g, 12), kW = load<i32>(g, 16);
  const padT = load<i32>(g, 20), padL = load<i32>(g, 24), sH = load<i32>(g, 28), sW = load<i32>(g, 32);
  const dH = load<i32>(g, 36), dW = load<i32>(g, 40), oH = load<i32>(g, 44), oW = load<i32>(g, 48);
  const kk = kH * kW, L = oH * oW, HW = H * W;
  const weight = mode != CONV_FORWARD && mode != CONV_INPUT_GRAD;
  if (weight) for (let t = 0; t < C * kk; t++) store<f32>(out + (<usize>t << 2), 0);
  for (let c = 0; c < C; c++) {
    if (weight) for (let t = 0; t < kk; t++) store<f64>(acc + (<usize>t << 3), 0);
    for (let b = 0; b < n; b++) {
      const p = b * C + c;
      const xp = x + (<usize>(p * HW) << 2), yp = (mode == CONV_FORWARD ? out : gy) + (<usize>(p * L) << 2);
      if (mode == CONV_FORWARD) {
        const bv: f32 = bias ? load<f32>(bias + (<usize>c << 2)) : 0;
        for (let i = 0; i < L; i++) store<f32>(yp + (<usize>i << 2), bv);
      } else if (mode == CONV_INPUT_GRAD) {
        memory.fill(out + (<usize>(p * HW) << 2), 0, <usize>HW << 2);
      }
      for (let oh = 0; oh < oH; oh++) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - padT + kh * dH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < kW; kw++) {
            const lo = colLo(g, kw), hi = colHi(g, kw, lo);
            if (hi <= lo) continue;
            const iw0 = lo * sW - padL + kw * dW, t = kh * kW + kw;
            const yr = yp + (<usize>(oh * oW + lo) << 2), xr = ih * W + iw0;
            if (mode == CONV_FORWARD) {
              axpy(yr, xp + (<usize>xr << 2), sW, load<f32>(w + (<usize>(c * kk + t) << 2)), hi - lo);
            } else if (mode == CONV_INPUT_GRAD) {
              scatter(out + (<usize>(p * HW + xr) << 2), yr, sW, load<f32>(w + (<usize>(c * kk + t) << 2)), hi - lo);
            } else {
              const a = acc + (<usize>t << 3);
              store<f64>(a, load<f64>(a) + dot(yr, xp + (<usize>xr << 2), sW, hi - lo));
            }
          }
        }
      }
    }
    if (weight) for (let t = 0; t < kk; t++) store<f32>(out + (<usize>(c * kk + t) << 2), <f32>load<f64>(acc + (<usize>t << 3)));
  }
}

/** out[i] = lo < x[i] < hi ? g[i] : 0 (hardtanh's gradient; NaN x gives 0). */
export function hardtanhBackwardF32(x: usize, g: usize, lo: f32, hi: f32, out: usize, n: i32): void {
  const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 2, v = v128.load(x + q);
    v128.store(out + q, v128.and(v128.load(g + q), v128.and(f32x4.gt(v, vl), f32x4.lt(v, vh))));
  }
  for (; i < n; i++) {
    const q = <usize>i << 2, v = load<f32>(x + q);
    store<f32>(out + q, v > lo && v < hi ? load<f32>(g + q) : 0);
  }
}

/** out[i] = min(max(x[i], lo), hi) as the JS reference (NaN stays NaN; lo > hi gives hi): pmax/pmin are its selects. */
export function clampF32(x: usize, lo: f32, hi: f32, out: usize, n: i32): void {
  const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 2;
    v128.store(out + q, f32x4.pmin(f32x4.pmax(v128.load(x + q), vl), vh));
  }
  for (; i < n; i++) {
    const q = <usize>i << 2;
    const v = load<f32>(x + q), r = v < lo ? lo : v;
    store<f32>(out + q, r > hi ? hi : r);
  }
}
