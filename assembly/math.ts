// Vectorised float32 transcendental functions (Cephes-style polynomials) for f32x4.
// Accurate to a few ulp over the whole range, with IEEE edge cases (NaN, +-Inf,
// overflow to Inf, underflow through denormals to 0) handled by lane selects.

@inline function fmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function splat(x: f32): v128 { return f32x4.splat(x); }

/** 2^n for integer-valued float lanes n in [-150, 129], as two normal factors so denormals and overflow come out right. */
@inline function scale2(y: v128, n: v128): v128 {
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const l = i32x4.sub(ni, h);
  const bias = i32x4.splat(127);
  const fh = i32x4.shl(i32x4.add(h, bias), 23);
  const fl = i32x4.shl(i32x4.add(l, bias), 23);
  return f32x4.mul(f32x4.mul(y, fh), fl);
}

/** e^x per lane. */
export function vexp(x: v128): v128 {
  // Clamp so the exponent stays representable as two halves; results then overflow/underflow naturally.
  let xc = f32x4.min(f32x4.max(x, splat(-104.0)), splat(89.0));
  const n = f32x4.nearest(f32x4.mul(xc, splat(1.44269504088896341)));
  let r = fmadd(n, splat(-0.693359375), xc);
  r = fmadd(n, splat(2.12194440e-4), r);
  const z = f32x4.mul(r, r);
  let p = splat(1.9875691500e-4);
  p = fmadd(p, r, splat(1.3981999507e-3));
  p = fmadd(p, r, splat(8.3334519073e-3));
  p = fmadd(p, r, splat(4.1665795894e-2));
  p = fmadd(p, r, splat(1.6666665459e-1));
  p = fmadd(p, r, splat(5.0000001201e-1));
  p = fmadd(p, z, f32x4.add(r, splat(1.0)));
  const y = scale2(p, n);
  // NaN lanes: the min/max above keep NaN in wasm, but make it explicit.
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/** Natural log per lane: NaN for x < 0, -Inf at 0, Inf at Inf. */
export function vlog(x: v128): v128 {
  // Scale denormals up by 2^23 so the exponent/mantissa split works.
  const den = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608.0)), x, den);
  const bits = xs;
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  e = f32x4.sub(e, v128.and(den, splat(23.0)));
  // Mantissa in [0.5, 1).
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, splat(0.707106781186547524));
  e = f32x4.sub(e, v128.and(small, splat(1.0)));
  m = f32x4.sub(f32x4.add(m, v128.and(small, m)), splat(1.0));
  const z = f32x4.mul(m, m);
  let p = splat(7.0376836292e-2);
  p = fmadd(p, m, splat(-1.1514610310e-1));
  p = fmadd(p, m, splat(1.1676998740e-1));
  p = fmadd(p, m, splat(-1.2420140846e-1));
  p = fmadd(p, m, splat(1.4249322787e-1));
  p = fmadd(p, m, splat(-1.6668057665e-1));
  p = fmadd(p, m, splat(2.0000714765e-1));
  p = fmadd(p, m, splat(-2.4999993993e-1));
  p = fmadd(p, m, splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = fmadd(e, splat(-2.12194440e-4), y);
  y = fmadd(z, splat(-0.5), y);
  let r = f32x4.add(m, y);
  r = fmadd(e, splat(0.693359375), r);
  // Special lanes.
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x, splat(0)));
  r = v128.bitselect(splat(Infinity), r, f32x4.eq(x, splat(Infinity)));
  r = v128.bitselect(splat(NaN), r, v128.or(f32x4.lt(x, splat(0)), f32x4.ne(x, x)));
  return r;
}

/** tanh per lane: odd polynomial below |x| 0.625, 1 - 2/(e^{2|x|}+1) above. */
export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = fmadd(p, z, splat(2.06390887954e-2));
  p = fmadd(p, z, splat(-5.37397155531e-2));
  p = fmadd(p, z, splat(1.33314422036e-1));
  p = fmadd(p, z, splat(-3.33332819422e-1));
  const small = fmadd(f32x4.mul(p, z), x, x);
  const t = vexp(f32x4.add(ax, ax));
  let big = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(t, splat(1.0))));
  // Restore the sign of x.
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, big, f32x4.lt(ax, splat(0.625)));
}

/** Logistic sigmoid per lane, computed from e^{-|x|} so neither side overflows. */
export function vsigmoid(x: v128): v128 {
  const e = vexp(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(splat(1.0), f32x4.add(splat(1.0), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, splat(0)));
}
