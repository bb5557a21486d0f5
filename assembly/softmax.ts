// Row softmax / log-softmax (float32) and their backward passes, one SIMD pass per
// sweep of a row; see Backend.softmax / softmaxBackward for the contract.
import { vexp, vlog } from "./math";

// Scalar log through the vector routine: AssemblyScript's Mathf.log reads a lookup table
// from static memory, and static memory overlaps the arena the JS side manages.
@inline function logf(x: f32): f32 { return f32x4.extract_lane(vlog(f32x4.splat(x)), 0); }

export function softmaxF32(x: usize, rows: i32, cols: i32, scale: f32, causalL: i32, log: i32, out: usize): void {
  const vs = f32x4.splat(scale), ninf = f32x4.splat(-Infinity), zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const xo = x + (<usize>r * cols << 2), oo = out + (<usize>r * cols << 2);
    const n = causalL > 0 ? min(r % causalL + 1, cols) : cols;
    // max (NaN propagates through f32x4.max)
    let vm = ninf;
    let j = 0;
    for (; j + 4 <= n; j += 4) vm = f32x4.max(vm, f32x4.mul(v128.load(xo + (<usize>j << 2)), vs));
    let m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (; j < n; j++) m = max(m, load<f32>(xo + (<usize>j << 2)) * scale);
    if (m == -Infinity) m = 0;
    const mv = f32x4.splat(m);
    let acc = zero;
    let s: f32 = 0;
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const e = vexp(f32x4.sub(f32x4.mul(v128.load(xo + (<usize>j << 2)), vs), mv));
      if (!log) v128.store(oo + (<usize>j << 2), e);
      acc = f32x4.add(acc, e);
    }
    // row tail: the same vector exp, one lane at a time, so every entry agrees
    for (; j < n; j++) {
      const ej = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(xo + (<usize>j << 2)) * scale - m)), 0);
      if (!log) store<f32>(oo + (<usize>j << 2), ej);
      s += ej;
    }
    s += f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    if (log) {
      const l = logf(s) + m;
      const ls = f32x4.splat(l);
      j = 0;
      for (; j + 4 <= n; j += 4) v128.store(oo + (<usize>j << 2), f32x4.sub(f32x4.mul(v128.load(xo + (<usize>j << 2)), vs), ls));
      for (; j < n; j++) store<f32>(oo + (<usize>j << 2), load<f32>(xo + (<usize>j << 2)) * scale - l);
    } else {
      const inv: f32 = 1 / s;
      const iv = f32x4.splat(inv);
      j = 0;
      for (; j + 4 <= n; j += 4) v128.store(oo + (<usize>j << 2), f32x4.mul(v128.load(oo + (<usize>j << 2)), iv));
      for (; j < n; j++) store<f32>(oo + (<usize>j << 2), load<f32>(oo + (<usize>j << 2)) * inv);
    }
    for (j = n; j < cols; j++) store<f32>(oo + (<usize>j << 2), 0);
  }
}

export function softmaxBackwardF32(y: usize, g: usize, rows: i32, cols: i32, scale: f32, log: i32, out: usize): void {
  const vs = f32x4.splat(scale), zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * cols << 2;
    const yo = y + off, go = g + off, oo = out + off;
    let acc = zero;
    let dot: f32 = 0;
    let j = 0;
    if (log) {
      for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, v128.load(go + (<usize>j << 2)));
      for (; j < cols; j++) dot += load<f32>(go + (<usize>j << 2));
    } else {
      for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(go + (<usize>j << 2)), v128.load(yo + (<usize>j << 2))));
      for (; j < cols; j++) dot += load<f32>(go + (<usize>j << 2)) * load<f32>(yo + (<usize>j << 2));
    }
    dot += f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    const dv = f32x4.splat(dot);
    j = 0;
    if (log) {
      for (; j + 4 <= cols; j += 4) {
        const p = vexp(v128.load(yo + (<usize>j << 2)));
        v128.store(oo + (<usize>j << 2), f32x4.mul(vs, f32x4.sub(v128.load(go + (<usize>j << 2)), f32x4.mul(p, dv))));
      }
      for (; j < cols; j++) {
        const p = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(yo + (<usize>j << 2)))), 0);
        store<f32>(oo + (<usize>j << 2), scale * (load<f32>(go + (<usize>j << 2)) - p * dot));
      }
    } else {
      for (; j + 4 <= cols; j += 4) {
        const yy = v128.load(yo + (<usize>j << 2));
        v128.store(oo + (<usize>j << 2), f32x4.mul(vs, f32x4.mul(yy, f32x4.sub(v128.load(go + (<usize>j << 2)), dv))));
      }
      for (; j < cols; j++) {
        const yy = load<f32>(yo + (<usize>j << 2));
        store<f32>(oo + (<usize>j << 2), scale * (yy * (load<f32>(go + (<usize>j << 2)) - dot)));
      }
    }
  }
}
