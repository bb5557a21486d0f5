/**
 * Benchmark of the JS reference backend: GFLOP/s of `my.matmul` on float32 square
 * matrices (N = 128, 512, 1024) and the per-op cost of `a.add(b)` on 4-element
 * tensors (the dispatch overhead that dominates small models).
 * Run: node --import tsx bench/matmul-js.ts [--quick]
 */
import * as my from "../src/index.js";

const quick = process.argv.includes("--quick");
// This benchmark is about the JS reference kernels, whatever backend would be the default.
my.setBackend("js");
console.log(`backend: ${my.backend()}`);

/** CPU milliseconds (user + system) used by this process since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/**
 * Best-of-5 time per call, each sample running `fn` for at least `minMs`. Time is this
 * process's CPU time, not wall time: the machine is shared, and CPU time is what the
 * kernel costs (the code is single-threaded). Wall time is returned alongside.
 */
function timeIt(fn: () => void, minMs: number): { cpu: number; wall: number } {
  fn(); // warm-up (JIT)
  let best = { cpu: Infinity, wall: Infinity };
  for (let s = 0; s < 5; s++) {
    let reps = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    while (cpuMs(c0) < minMs / 5) {
      fn();
      reps++;
    }
    const cpu = cpuMs(c0) / reps, wall = (performance.now() - w0) / reps;
    if (cpu < best.cpu) best = { cpu, wall };
  }
  return best;
}

const gen = new my.Generator(0);
for (const n of quick ? [512] : [128, 512, 1024]) {
  const a = my.randn([n, n], { generator: gen });
  const b = my.randn([n, n], { generator: gen });
  const { cpu, wall } = timeIt(() => my.matmul(a, b), n >= 1024 ? 4000 : 2000);
  const gf = (ms: number) => ((2 * n ** 3) / (ms * 1e6)).toFixed(2);
  console.log(`matmul float32 N=${n}: ${gf(cpu)} GFLOP/s (${cpu.toFixed(2)} ms CPU; wall ${gf(wall)} GFLOP/s)`);
}

function perOp(label: string, x: my.Tensor, y: my.Tensor): void {
  const reps = 20_000;
  let sink = 0;
  const { cpu, wall } = timeIt(() => {
    for (let i = 0; i < reps; i++) sink += x.add(y)._data[0];
  }, 2000);
  if (sink === 0.5) console.log(""); // keep the results alive
  console.log(`${label}: ${((cpu * 1e6) / reps).toFixed(0)} ns/op CPU (wall ${((wall * 1e6) / reps).toFixed(0)} ns)`);
}
perOp("add 4-element float32", my.tensor([1, 2, 3, 4]), my.tensor([5, 6, 7, 8]));
perOp("add 4-element float32, requiresGrad (records a node)", my.tensor([1, 2, 3, 4], { requiresGrad: true }), my.tensor([5, 6, 7, 8]));
