/**
 * Estimates the core clock the benchmarks run at, so GFLOP/s figures can be read as a
 * share of the FMA peak at that moment (this host's clock moves between ~3.1 and
 * ~3.7 GHz, which alone moves every kernel figure by a fifth).
 *
 * Method: a chain of dependent 32-bit integer multiplies. Each multiply waits for the
 * previous one, so the chain runs at one multiply per IMUL latency (3 cycles on Intel
 * since Nehalem and on AMD since Zen) whatever the loop around it costs. The multiplier
 * is an argument, so the JIT cannot fold the chain into one multiply.
 */

const IMUL_LATENCY_CYCLES = 3;

function chain(n: number, m: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = Math.imul(x, m);
    x = Math.imul(x, m);
    x = Math.imul(x, m);
    x = Math.imul(x, m);
  }
  return x;
}

/** Best of `samples` estimates (GHz), each a ~50 ms chain; the best is the least disturbed. */
export function estimateClockGHz(samples = 5): number {
  chain(1e5, 3); // let the JIT optimise the loop first
  const n = 4e6;
  let best = 0;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    const x = chain(n, 3 + 2 * s);
    const ms = performance.now() - t0;
    if (x === 0.5) throw new Error("unreachable: keeps the chain's result alive");
    best = Math.max(best, (4 * IMUL_LATENCY_CYCLES * n) / (ms * 1e6));
  }
  return best;
}

/** Peak float32 GFLOP/s of one core that issues two FMAs per cycle, for a SIMD width in bits. */
export function fmaPeakGflops(ghz: number, simdBits: 128 | 256): number {
  return ghz * 2 * (simdBits / 32) * 2;
}
