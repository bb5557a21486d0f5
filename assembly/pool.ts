// Float32 max pooling over precomputed windows (see PoolWindows in
// src/backends/backend.ts): output (i, j) of each plane reads rows hs[i], hs[i]+dH, ...
// < he[i] and columns ws[j], ... < we[j]. PyTorch's rule: strictly greater wins (first
// max on ties) and NaN always wins. idx receives the argmax as h*W + w.
export function maxPool2dF32(x: usize, planes: i32, H: i32, W: i32, oH: i32, oW: i32,
  hs: usize, he: usize, ws: usize, we: usize, dH: i32, dW: i32, out: usize, idx: usize): void {
  const HW = H * W;
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const xOff = x + <usize>(p * HW) * 4;
    for (let i = 0; i < oH; i++) {
      const h0 = load<i32>(hs + <usize>i * 4), h1 = load<i32>(he + <usize>i * 4);
      for (let j = 0; j < oW; j++, o++) {
        const w0 = load<i32>(ws + <usize>j * 4), w1 = load<i32>(we + <usize>j * 4);
        let best: f32 = -Infinity;
        let bi = h0 * W + w0;
        for (let h = h0; h < h1; h += dH) {
          const row = h * W;
          for (let w = w0; w < w1; w += dW) {
            const v = load<f32>(xOff + <usize>(row + w) * 4);
            if (v > best || v != v) { best = v; bi = row + w; }
          }
        }
        store<f32>(out + o * 4, best);
        store<i32>(idx + o * 4, bi);
      }
    }
  }
}

/**
 * The common 2x2 / stride-2 case (every window full, no dilation): four outputs per
 * step from two rows of eight inputs, with the same tie and NaN rule as maxPool2dF32
 * applied in the same window order ((h,w), (h,w+1), (h+1,w), (h+1,w+1)).
 */
export function maxPool2x2F32(x: usize, planes: i32, H: i32, W: i32, oH: i32, oW: i32, out: usize, idx: usize): void {
  const HW = H * W;
  const lanes = i32x4(0, 2, 4, 6);
  const k1 = i32x4.splat(1), kW = i32x4.splat(W), kW1 = i32x4.splat(W + 1);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const xp = x + <usize>(p * HW) * 4;
    for (let i = 0; i < oH; i++) {
      const rowBase = 2 * i * W;
      const r0 = xp + <usize>rowBase * 4, r1 = r0 + <usize>W * 4;
      let j = 0;
      for (; j + 4 <= oW; j += 4, o += 4) {
        const off = <usize>(8 * j);
        const a = v128.load(r0 + off), b = v128.load(r0 + off, 16), c = v128.load(r1 + off), d = v128.load(r1 + off, 16);
        const o0 = v128.shuffle<f32>(a, b, 1, 3, 5, 7), e1 = v128.shuffle<f32>(c, d, 0, 2, 4, 6), o1 = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
        let best = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
        let k = i32x4.splat(0);
        let take = v128.or(f32x4.gt(o0, best), f32x4.ne(o0, o0));
        best = v128.bitselect(o0, best, take); k = v128.bitselect(k1, k, take);
        take = v128.or(f32x4.gt(e1, best), f32x4.ne(e1, e1));
        best = v128.bitselect(e1, best, take); k = v128.bitselect(kW, k, take);
        take = v128.or(f32x4.gt(o1, best), f32x4.ne(o1, o1));
        best = v128.bitselect(o1, best, take); k = v128.bitselect(kW1, k, take);
        v128.store(out + o * 4, best);
        v128.store(idx + o * 4, i32x4.add(i32x4.add(i32x4.splat(rowBase + 2 * j), lanes), k));
      }
      for (; j < oW; j++, o++) {
        const w = 2 * j;
        let best = load<f32>(r0 + <usize>w * 4);
        let bi = rowBase + w;
        let v = load<f32>(r0 + <usize>(w + 1) * 4);
        if (v > best || v != v) { best = v; bi = rowBase + w + 1; }
        v = load<f32>(r1 + <usize>w * 4);
        if (v > best || v != v) { best = v; bi = rowBase + W + w; }
        v = load<f32>(r1 + <usize>(w + 1) * 4);
        if (v > best || v != v) { best = v; bi = rowBase + W + w + 1; }
        store<f32>(out + o * 4, best);
        store<i32>(idx + o * 4, bi);
      }
    }
  }
}
