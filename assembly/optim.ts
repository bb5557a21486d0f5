// Fused optimizer update (float32): Adam/AdamW in torch.optim.Adam's operation order,
// separate mul and add (never FMA) so results equal the JS and native kernels bit for bit.

/** In-place Adam over n elements at p, g, m, v (vmax = 0: no AMSGrad); c1/c2 = 1 - b1/b2 rounded from float64. See Backend.adamStep. */
export function adamF32(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  b1: f32, b2: f32, c1: f32, c2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32, sign: f32, l2: f32, decay: f32): void {
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const vst = f32x4.splat(stepSize), vbc = f32x4.splat(bc2Sqrt), veps = f32x4.splat(eps);
  const vsg = f32x4.splat(sign), vl2 = f32x4.splat(l2), vdc = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pi = f32x4.mul(v128.load(p + o), vdc);
    const gi = f32x4.add(f32x4.mul(vsg, v128.load(g + o)), f32x4.mul(vl2, pi));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    let vv = vi;
    if (vmax) {
      // pmax: NaN-free lanes as Math.max; matches the JS kernel's "vmax > v ? vmax : v".
      vv = f32x4.pmax(vi, v128.load(vmax + o));
      v128.store(vmax + o, vv);
    }
    const den = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc), veps);
    v128.store(p + o, f32x4.sub(pi, f32x4.mul(vst, f32x4.div(mi, den))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o) * decay;
    const gi = sign * load<f32>(g + o) + l2 * pi;
    const mi = b1 * load<f32>(m + o) + c1 * gi;
    const vi = b2 * load<f32>(v + o) + c2 * (gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let vv = vi;
    if (vmax) {
      const x = load<f32>(vmax + o);
      if (x > vv) vv = x;
      store<f32>(vmax + o, vv);
    }
    store<f32>(p + o, pi - stepSize * (mi / (Mathf.sqrt(vv) / bc2Sqrt + eps)));
  }
}
