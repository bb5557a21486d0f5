// Dropout mask (float32): one xoshiro128** draw per element, the stream of
// src/core/random.ts; the 4-word state at `state` is advanced in place.

export function bernoulliMaskF32(state: usize, threshold: f64, keep: f32, out: usize, n: i32): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  // draw >= threshold as an integer compare against ceil(threshold), and a branch-free
  // select of keep's bits: converting each draw to f64 and branching on it ran at 3.3 ns
  // an element.
  // A NaN threshold keeps nothing, as the f64 compare did (and never reaches the conversion).
  const thr: u64 = threshold <= 0 ? 0 : threshold < 4294967296.0 ? <u64>Math.ceil(threshold) : <u64>1 << 32;
  const keepBits = reinterpret<u32>(keep);
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
    store<u32>(out + (<usize>i << 2), select<u32>(keepBits, 0, <u64>r >= thr));
  }
  store<u32>(state, s0); store<u32>(state, s1, 4); store<u32>(state, s2, 8); store<u32>(state, s3, 12);
}
