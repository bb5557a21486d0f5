// Dropout mask (float32): one xoshiro128** draw per element, the stream of
// src/core/random.ts; the 4-word state at `state` is advanced in place.

export function bernoulliMaskF32(state: usize, threshold: f64, keep: f32, out: usize, n: i32): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    const a = s1 * 5;
    const r = rotl<u32>(a, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    store<f32>(out + (<usize>i << 2), <f64>r >= threshold ? keep : 0);
  }
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
}
