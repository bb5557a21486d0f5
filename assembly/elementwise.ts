// Elementwise float32 kernels: unary maps and 2-D broadcasting binary ops, f32x4
// over the contiguous inner run with a scalar tail. Op codes come from the op table
// (scripts/op-table.mjs, generated into ops.generated.ts); an op the table gives a
// wasm kernel but `un`/`bin` lack traps (unreachable) on its first call, which the
// fixtures replayed with forced routing catch.
import { vexp, vlog, vsigmoid, vtanh } from "./math";
import {
  U_NEG, U_ABS, U_SQRT, U_RSQRT, U_SQUARE, U_RECIPROCAL, U_RELU, U_EXP, U_LOG, U_TANH, U_SIGMOID, U_STEP, U_HARDSWISH,
  U_HARDSIGMOID, U_SILU,
  B_ADD, B_SUB, B_MUL, B_DIV, B_MAXIMUM, B_MINIMUM,
} from "./ops.generated";

@inline function un(op: i32, v: v128): v128 {
  switch (op) {
    case U_NEG: return f32x4.neg(v);
    case U_ABS: return f32x4.abs(v);
    case U_SQRT: return f32x4.sqrt(v);
    case U_RSQRT: return f32x4.div(f32x4.splat(1.0), f32x4.sqrt(v));
    case U_SQUARE: return f32x4.mul(v, v);
    case U_RECIPROCAL: return f32x4.div(f32x4.splat(1.0), v);
    // relu keeps NaN: max would too, but x > 0 ? x : 0 with NaN -> NaN needs the explicit select.
    case U_RELU: return v128.bitselect(v, f32x4.splat(0), v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
    case U_EXP: return vexp(v);
    case U_LOG: return vlog(v);
    case U_TANH: return vtanh(v);
    case U_SIGMOID: return vsigmoid(v);
    case U_STEP: return v128.and(f32x4.gt(v, f32x4.splat(0)), f32x4.splat(1.0));
    case U_HARDSWISH: return f32x4.div(f32x4.mul(v, f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6))), f32x4.splat(6));
    // max/min propagate NaN in wasm, as Math.max/min in the JS reference.
    case U_HARDSIGMOID: return f32x4.div(f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6)), f32x4.splat(6));
    case U_SILU: return f32x4.mul(v, vsigmoid(v));
  }
  unreachable();
  return v;
}

/** out[i] = op(x[i]) for i < n (pointers to float32). */
export function unaryF32(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  // One switch outside the loop per op keeps each inner loop branch-free.
  switch (op) {
    case U_NEG: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_NEG, v128.load(x + <usize>i * 4))); break;
    case U_ABS: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_ABS, v128.load(x + <usize>i * 4))); break;
    case U_SQRT: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_SQRT, v128.load(x + <usize>i * 4))); break;
    case U_RSQRT: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_RSQRT, v128.load(x + <usize>i * 4))); break;
    case U_SQUARE: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_SQUARE, v128.load(x + <usize>i * 4))); break;
    case U_RECIPROCAL: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_RECIPROCAL, v128.load(x + <usize>i * 4))); break;
    case U_RELU: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_RELU, v128.load(x + <usize>i * 4))); break;
    case U_EXP: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_EXP, v128.load(x + <usize>i * 4))); break;
    case U_LOG: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_LOG, v128.load(x + <usize>i * 4))); break;
    case U_TANH: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_TANH, v128.load(x + <usize>i * 4))); break;
    case U_SIGMOID: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_SIGMOID, v128.load(x + <usize>i * 4))); break;
    case U_STEP: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_STEP, v128.load(x + <usize>i * 4))); break;
    case U_HARDSWISH: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_HARDSWISH, v128.load(x + <usize>i * 4))); break;
    case U_HARDSIGMOID: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_HARDSIGMOID, v128.load(x + <usize>i * 4))); break;
    case U_SILU: for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, un(U_SILU, v128.load(x + <usize>i * 4))); break;
  }
  // Tail through the same vector code so every element gets identical math.
  for (; i < n; i++) {
    const v = un(op, f32x4.splat(load<f32>(x + <usize>i * 4)));
    store<f32>(out + <usize>i * 4, f32x4.extract_lane(v, 0));
  }
}

@inline function bin(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAXIMUM: return f32x4.max(a, b);
    case B_MINIMUM: return f32x4.min(a, b);
  }
  unreachable();
  return a;
}

@inline function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, bin(op, v128.load(a + <usize>i * 4), v128.load(b + <usize>i * 4)));
  } else if (sa == 1) {
    const vb = v128.load32_splat(b);
    for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, bin(op, v128.load(a + <usize>i * 4), vb));
  } else if (sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) v128.store(out + <usize>i * 4, bin(op, va, v128.load(b + <usize>i * 4)));
  }
  for (; i < n; i++) {
    const v = bin(op, v128.load32_splat(a + <usize>(i * sa) * 4), v128.load32_splat(b + <usize>(i * sb) * 4));
    store<f32>(out + <usize>i * 4, f32x4.extract_lane(v, 0));
  }
}

/**
 * out[i, j] = op(a[i*sa0 + j*sa1], b[i*sb0 + j*sb1]) over an [n0, n1] grid,
 * inner strides sa1/sb1 in {0, 1} (broadcast or contiguous).
 */
export function binaryF32(op: i32, a: usize, sa0: i32, sa1: i32, b: usize, sb0: i32, sb1: i32, out: usize, n0: i32, n1: i32): void {
  for (let i = 0; i < n0; i++) {
    const pa = a + <usize>(i * sa0) * 4, pb = b + <usize>(i * sb0) * 4, po = out + <usize>(i * n1) * 4;
    switch (op) {
      case B_ADD: binRow(B_ADD, pa, sa1, pb, sb1, po, n1); break;
      case B_SUB: binRow(B_SUB, pa, sa1, pb, sb1, po, n1); break;
      case B_MUL: binRow(B_MUL, pa, sa1, pb, sb1, po, n1); break;
      case B_DIV: binRow(B_DIV, pa, sa1, pb, sb1, po, n1); break;
      case B_MAXIMUM: binRow(B_MAXIMUM, pa, sa1, pb, sb1, po, n1); break;
      case B_MINIMUM: binRow(B_MINIMUM, pa, sa1, pb, sb1, po, n1); break;
    }
  }
}
