// Fused layer norm (float32) forward and backward over rows of D elements; see
// Backend.layerNorm / layerNormBackward. w/b/dx/dw/db pointers of 0 mean "absent".

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

export function layerNormF32(x: usize, w: usize, b: usize, rows: i32, D: i32, eps: f32, out: usize, mean: usize, rstd: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * D << 2), orow = out + (<usize>r * D << 2);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= D; j += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>j << 2)));
    let s = hsum(acc);
    for (; j < D; j++) s += load<f32>(xr + (<usize>j << 2));
    const mu = s / <f32>D;
    const mv = f32x4.splat(mu);
    acc = f32x4.splat(0);
    for (j = 0; j + 4 <= D; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), mv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let v = hsum(acc);
    for (; j < D; j++) { const d = load<f32>(xr + (<usize>j << 2)) - mu; v += d * d; }
    const rs = <f32>1 / Mathf.sqrt(v / <f32>D + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const rv = f32x4.splat(rs);
    for (j = 0; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      let y = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      if (w) y = f32x4.mul(y, v128.load(w + o));
      if (b) y = f32x4.add(y, v128.load(b + o));
      v128.store(orow + o, y);
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      let y = (load<f32>(xr + o) - mu) * rs;
      if (w) y *= load<f32>(w + o);
      if (b) y += load<f32>(b + o);
      store<f32>(orow + o, y);
    }
  }
}

export function layerNormBackwardF32(x: usize, w: usize, mean: usize, rstd: usize, g: usize, rows: i32, D: i32, dx: usize, dw: usize, db: usize): void {
  if (dw) memory.fill(dw, 0, <usize>D << 2);
  if (db) memory.fill(db, 0, <usize>D << 2);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * D << 2;
    const xr = x + off, gr = g + off;
    const m = load<f32>(mean + (<usize>r << 2)), q = load<f32>(rstd + (<usize>r << 2));
    const mv = f32x4.splat(m), qv = f32x4.splat(q);
    let a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), qv);
      const gj = v128.load(gr + o);
      const gw = w ? f32x4.mul(gj, v128.load(w + o)) : gj;
      a1 = f32x4.add(a1, gw);
      a2 = f32x4.add(a2, f32x4.mul(gw, xh));
      if (dw) v128.store(dw + o, f32x4.add(v128.load(dw + o), f32x4.mul(gj, xh)));
      if (db) v128.store(db + o, f32x4.add(v128.load(db + o), gj));
    }
    let sg = hsum(a1), sgx = hsum(a2);
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(xr + o) - m) * q, gj = load<f32>(gr + o);
      const gw = w ? gj * load<f32>(w + o) : gj;
      sg += gw;
      sgx += gw * xh;
      if (dw) store<f32>(dw + o, load<f32>(dw + o) + gj * xh);
      if (db) store<f32>(db + o, load<f32>(db + o) + gj);
    }
    if (!dx) continue;
    const a = sg / <f32>D, c = sgx / <f32>D;
    const av = f32x4.splat(a), cv = f32x4.splat(c);
    const dr = dx + off;
    for (j = 0; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), qv);
      const gj = v128.load(gr + o);
      const gw = w ? f32x4.mul(gj, v128.load(w + o)) : gj;
      v128.store(dr + o, f32x4.mul(qv, f32x4.sub(f32x4.sub(gw, av), f32x4.mul(xh, cv))));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(xr + o) - m) * q;
      const gw = w ? load<f32>(gr + o) * load<f32>(w + o) : load<f32>(gr + o);
      store<f32>(dr + o, q * ((gw - a) - xh * c));
    }
  }
}
