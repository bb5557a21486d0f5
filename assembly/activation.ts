// Fused activation gradients (float32): ReLU's g * (x > 0) in one pass, as the product
// with a 0/1 mask so a NaN or inf gradient where x <= 0 still gives NaN (as g * step(x)).

export function reluBackwardF32(x: usize, g: usize, out: usize, n: i32): void {
  const one = f32x4.splat(1.0), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(g + o), v128.and(f32x4.gt(v128.load(x + o), zero), one)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(g + o) * (load<f32>(x + o) > 0 ? <f32>1 : <f32>0));
  }
}
