// Fused recurrent cell steps (float32): LSTM forward/backward and GRU forward, the
// gate math of one time step in one SIMD pass (PyTorch gate order: LSTM i, f, g, o;
// GRU r, z, n). Semantics match src/backends/js/rnn.ts.
import { vsigmoid, vtanh } from "./math";

// Loads/stores 4 lanes, or 1 lane (as a splat) in the tail, so both share one code path.
@inline function ld(p: usize, full: bool): v128 { return full ? v128.load(p) : v128.load32_splat(p); }
@inline function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v); else store<f32>(p, f32x4.extract_lane(v, 0));
}

// A lane of gates, plus the same lane of xAdd unless xAdd is 0 (no addend).
@inline function pre(g: usize, x: usize, full: bool): v128 {
  const v = ld(g, full);
  return x ? f32x4.add(v, ld(x, full)) : v;
}

/**
 * gates [n, 4H] pre-activations (+ xAdd [n, 4H] unless 0) -> activations (in place);
 * c = f*cPrev + i*g, h = o*tanh(c).
 */
export function lstmCellF32(gates: usize, cPrev: usize, n: i32, H: i32, hOut: usize, cOut: usize, xAdd: usize): void {
  const hb = <usize>H * 4;
  for (let b = 0; b < n; b++) {
    const g0 = gates + <usize>b * 4 * hb, s0 = <usize>b * hb;
    const x0 = xAdd ? xAdd + <usize>b * 4 * hb : 0;
    let j = 0;
    while (j < H) {
      const full = j + 4 <= H;
      const o = <usize>j * 4;
      const i = vsigmoid(pre(g0 + o, x0 ? x0 + o : 0, full));
      const f = vsigmoid(pre(g0 + hb + o, x0 ? x0 + hb + o : 0, full));
      const g = vtanh(pre(g0 + 2 * hb + o, x0 ? x0 + 2 * hb + o : 0, full));
      const og = vsigmoid(pre(g0 + 3 * hb + o, x0 ? x0 + 3 * hb + o : 0, full));
      st(g0 + o, i, full); st(g0 + hb + o, f, full); st(g0 + 2 * hb + o, g, full); st(g0 + 3 * hb + o, og, full);
      const c = f32x4.add(f32x4.mul(f, ld(cPrev + s0 + o, full)), f32x4.mul(i, g));
      st(cOut + s0 + o, c, full);
      st(hOut + s0 + o, f32x4.mul(og, vtanh(c)), full);
      j += full ? 4 : 1;
    }
  }
}

/**
 * LSTM backward from saved activations act [n, 4H], cPrev, c [n, H] and gradients gh, gc
 * (pointer 0 = zero; the gradient of h is gh + gh2) -> dGates [n, 4H], dcPrev [n, H].
 */
export function lstmCellBackwardF32(act: usize, cPrev: usize, c: usize, gh: usize, gc: usize, n: i32, H: i32, dGates: usize, dcPrev: usize, gh2: usize): void {
  const hb = <usize>H * 4;
  const one = f32x4.splat(1.0), zero = f32x4.splat(0);
  for (let b = 0; b < n; b++) {
    const a0 = act + <usize>b * 4 * hb, d0 = dGates + <usize>b * 4 * hb, s0 = <usize>b * hb;
    let j = 0;
    while (j < H) {
      const full = j + 4 <= H;
      const o = <usize>j * 4;
      const i = ld(a0 + o, full), f = ld(a0 + hb + o, full), g = ld(a0 + 2 * hb + o, full), og = ld(a0 + 3 * hb + o, full);
      const tc = vtanh(ld(c + s0 + o, full));
      const dh1 = gh ? ld(gh + s0 + o, full) : zero;
      const dh = gh2 ? f32x4.add(dh1, ld(gh2 + s0 + o, full)) : dh1;
      const gcv = gc ? ld(gc + s0 + o, full) : zero;
      const dc = f32x4.add(gcv, f32x4.mul(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc))));
      st(d0 + o, f32x4.mul(f32x4.mul(f32x4.mul(dc, g), i), f32x4.sub(one, i)), full);
      st(d0 + hb + o, f32x4.mul(f32x4.mul(f32x4.mul(dc, ld(cPrev + s0 + o, full)), f), f32x4.sub(one, f)), full);
      st(d0 + 2 * hb + o, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))), full);
      st(d0 + 3 * hb + o, f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), og), f32x4.sub(one, og)), full);
      st(dcPrev + s0 + o, f32x4.mul(dc, f), full);
      j += full ? 4 : 1;
    }
  }
}

/** GRU step: gx, gh [n, 3H], hPrev [n, H] -> hOut [n, H]; act [n, 4H] = r, z, m, gh_n. */
export function gruCellF32(gx: usize, gh: usize, hPrev: usize, n: i32, H: i32, hOut: usize, act: usize): void {
  const hb = <usize>H * 4;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < n; b++) {
    const x0 = gx + <usize>b * 3 * hb, h0 = gh + <usize>b * 3 * hb, a0 = act + <usize>b * 4 * hb, s0 = <usize>b * hb;
    let j = 0;
    while (j < H) {
      const full = j + 4 <= H;
      const o = <usize>j * 4;
      const r = vsigmoid(f32x4.add(ld(x0 + o, full), ld(h0 + o, full)));
      const z = vsigmoid(f32x4.add(ld(x0 + hb + o, full), ld(h0 + hb + o, full)));
      const hn = ld(h0 + 2 * hb + o, full);
      const m = vtanh(f32x4.add(ld(x0 + 2 * hb + o, full), f32x4.mul(r, hn)));
      st(a0 + o, r, full); st(a0 + hb + o, z, full); st(a0 + 2 * hb + o, m, full); st(a0 + 3 * hb + o, hn, full);
      st(hOut + s0 + o, f32x4.add(f32x4.mul(f32x4.sub(one, z), m), f32x4.mul(z, ld(hPrev + s0 + o, full))), full);
      j += full ? 4 : 1;
    }
  }
}
