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
