/**
 * Random-mask kernel of the JS reference backend: the dropout mask drawn from the
 * xoshiro128** stream of core/random.ts, with the state in int32 locals for the loop.
 */
import type { TypedArray } from "../../core/dtype.js";

/** See Backend.bernoulliMask. */
export function bernoulliMask(state: Uint32Array, threshold: number, keepValue: number, out: TypedArray): void {
  let s0 = state[0] | 0, s1 = state[1] | 0, s2 = state[2] | 0, s3 = state[3] | 0;
  for (let i = 0, n = out.length; i < n; i++) {
    const a = Math.imul(s1, 5);
    const r = Math.imul((a << 7) | (a >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    out[i] = r >= threshold ? keepValue : 0;
  }
  state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
}
