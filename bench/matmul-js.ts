/**
 * Benchmark of the JS reference backend: GFLOP/s of `my.matmul` on float32 square
 * matrices (N = 128, 512, 1024) and the per-op cost of `a.add(b)` on 4-element
 * tensors (the dispatch overhead that dominates small models).
 * Run: node --import tsx bench/matmul-js.ts [--quick]
 */
import * as my from "../src/index.js";

const quick = process.argv.includes("--quick");

function timeIt(fn: () => void, minMs: number): number {
  fn(); // warm-up (JIT)
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    reps++;
    t = performance.now();
  }
  return (t - t0) / reps;
}

const gen = new my.Generator(0);
for (const n of quick ? [512] : [128, 512, 1024]) {
  const a = my.randn([n, n], { generator: gen });
  const b = my.randn([n, n], { generator: gen });
  const ms = timeIt(() => my.matmul(a, b), n >= 1024 ? 3000 : 1500);
  console.log(`matmul float32 N=${n}: ${((2 * n ** 3) / (ms * 1e6)).toFixed(2)} GFLOP/s (${ms.toFixed(2)} ms)`);
}

const x = my.tensor([1, 2, 3, 4]);
const y = my.tensor([5, 6, 7, 8]);
const reps = 200_000;
for (let round = 0; round < 3; round++) {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) sink += x.add(y)._data[0];
  const ns = ((performance.now() - t0) * 1e6) / reps;
  if (round === 2 || sink < 0) console.log(`add 4-element float32: ${ns.toFixed(0)} ns/op`);
}
