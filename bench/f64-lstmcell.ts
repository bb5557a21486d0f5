/**
 * float64 training speed against PyTorch in the same run: the time_sequence_prediction
 * model (LSTMCell(1, 51), LSTMCell(51, 51), Linear(51, 1), batch 97) in float64,
 * forward over T steps + MSE + backward, timed alternately in myelin and in PyTorch
 * (bench/f64_lstmcell.py, /usr/bin/python3, one thread on both sides) and reported as
 * the median ratio. Relative numbers only: the machine may be shared (the load average
 * is printed beside them), and both sides see the same load.
 * Run: node --import tsx bench/f64-lstmcell.ts [T=300] [rounds=5] [backend]
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import * as my from "../src/index.js";
import { Sequence, sineWaves } from "../examples/pytorch-ports/time_sequence_prediction.js";

const T = Number(process.argv[2] ?? 300), rounds = Number(process.argv[3] ?? 5);
if (process.argv[4]) my.setBackend(process.argv[4] as "js" | "wasm" | "native");
my.setNumThreads(1);

my.manualSeed(0);
const seq = new Sequence();
seq.double();
const data = sineWaves(97, T + 1, 20);
const x = data.slice(1, 0, -1), y = data.slice(1, 1);
const step = (): number => {
  const t0 = performance.now();
  const loss = seq.forward(x).sub(y).pow(2).mean();
  loss.backward();
  return (performance.now() - t0) / 1000;
};
const torchStep = (): number => {
  const r = spawnSync("/usr/bin/python3", ["bench/f64_lstmcell.py", String(T)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench/f64_lstmcell.py failed: ${r.stderr}`);
  return Number(r.stdout.trim().split("\n").pop());
};
step(); // warm-up (JIT, allocator)
const ratios: number[] = [], mine: number[] = [], theirs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a = step(), b = torchStep();
  mine.push(a); theirs.push(b); ratios.push(a / b);
  console.log(`round ${r}: myelin ${a.toFixed(3)} s, PyTorch ${b.toFixed(3)} s, ratio ${(a / b).toFixed(2)} (load ${loadavg()[0].toFixed(1)})`);
}
const med = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1];
console.log(`float64 LSTMCell forward+backward, batch 97, T=${T}, backend ${my.backend()}: median myelin ${med(mine).toFixed(3)} s, PyTorch ${med(theirs).toFixed(3)} s, ratio ${med(ratios).toFixed(2)}x`);
