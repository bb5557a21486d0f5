// Float32 reductions over the middle axis of an [outer, r, inner] view.
// Row sums (inner == 1) accumulate in f64x2 lanes so long sums stay accurate;
// column-style reductions (inner > 1) accumulate row by row in the same order as
// the JS reference, so they match it exactly.

import { R_SUM, R_MAX, R_MIN } from "./ops.generated";

@inline function red(op: i32, acc: v128, v: v128): v128 {
  if (op == R_MAX) return f32x4.max(acc, v);
  if (op == R_MIN) return f32x4.min(acc, v);
  return f32x4.add(acc, v);
}

function rowSum(x: usize, r: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= r; j += 4) {
    const v = v128.load(x + <usize>j * 4);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  const s = f64x2.add(s0, s1);
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; j < r; j++) acc += <f64>load<f32>(x + <usize>j * 4);
  return acc;
}

function rowExt(op: i32, x: usize, r: i32): f32 {
  if (r == 0) return NaN;
  let acc = v128.load32_splat(x);
  let j = 0;
  for (; j + 4 <= r; j += 4) acc = red(op, acc, v128.load(x + <usize>j * 4));
  for (; j < r; j++) acc = red(op, acc, v128.load32_splat(x + <usize>j * 4));
  acc = red(op, acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
  acc = red(op, acc, v128.shuffle<f32>(acc, acc, 1, 0, 3, 2));
  return f32x4.extract_lane(acc, 0);
}

@inline function colReduce(op: i32, x: usize, r: i32, inner: i32, out: usize): void {
  const ld = <usize>inner * 4;
  // First row initialises (sum: 0 + x0 == x0 exactly, like the reference).
  if (r == 0) {
    const init: f32 = op == R_SUM ? 0 : NaN;
    for (let i = 0; i < inner; i++) store<f32>(out + <usize>i * 4, init);
    return;
  }
  memory.copy(out, x, ld);
  for (let j = 1; j < r; j++) {
    const xr = x + <usize>j * ld;
    let i = 0;
    for (; i + 4 <= inner; i += 4) v128.store(out + <usize>i * 4, red(op, v128.load(out + <usize>i * 4), v128.load(xr + <usize>i * 4)));
    for (; i < inner; i++) {
      const v = red(op, v128.load32_splat(out + <usize>i * 4), v128.load32_splat(xr + <usize>i * 4));
      store<f32>(out + <usize>i * 4, f32x4.extract_lane(v, 0));
    }
  }
}

/** out[o, i] = reduce_j x[o, j, i] for op in {sum, max, min}; NaN propagates through max/min. */
export function reduceF32(op: i32, x: usize, outer: i32, r: i32, inner: i32, out: usize): void {
  // `red` treats any other code as a sum: an op the table gives wasm without a kernel here must trap, not sum.
  if (op != R_SUM && op != R_MAX && op != R_MIN) unreachable();
  for (let o = 0; o < outer; o++) {
    const xb = x + <usize>o * <usize>r * <usize>inner * 4;
    const ob = out + <usize>o * <usize>inner * 4;
    if (inner == 1) {
      store<f32>(ob, op == R_SUM ? <f32>rowSum(xb, r) : rowExt(op, xb, r));
    } else if (op == R_SUM) colReduce(R_SUM, xb, r, inner, ob);
    else if (op == R_MAX) colReduce(R_MAX, xb, r, inner, ob);
    else colReduce(R_MIN, xb, r, inner, ob);
  }
}
