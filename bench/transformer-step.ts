/**
 * Transformer encoder training step (the benchmark workload: 2 layers, d_model 128,
 * 4 heads, ffn 512, seq 64, batch 16, batch-first, default dropout 0.1), MSE against
 * random targets, forward + backward + Adam. Reports tokens/s (batch·seq per step) from
 * the median wall time and from the best process CPU time of a step (this machine is
 * shared: CPU time with one thread is the steadier number), and the split of a step.
 * Run: node --import tsx bench/transformer-step.ts [js] [t1] [dropout]
 *   ("js" forces the JS backend, "t1" one kernel thread, a number sets the dropout)
 */
import * as my from "../src/index.js";

const [B, L, D, H, FF, NL] = [16, 64, 128, 4, 512, 2];
const args = process.argv.slice(2);
if (args.includes("js")) my.setBackend("js");
if (args.includes("t1")) my.setNumThreads(1);
const pArg = args.find((a) => !Number.isNaN(Number(a)));
const dropout = pArg === undefined ? 0.1 : Number(pArg);

my.manualSeed(0);
const layer = new my.nn.TransformerEncoderLayer(D, H, { dimFeedforward: FF, dropout, batchFirst: true });
const model = new my.nn.TransformerEncoder(layer, NL, { enableNestedTensor: false });
const opt = new my.optim.Adam(model.parameters(), { lr: 1e-4 });
const gen = new my.Generator(1);
const x = my.randn([B, L, D], { generator: gen });
const target = my.randn([B, L, D], { generator: gen });

function step(): { fwd: number; bwd: number; opt: number; loss: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const loss = my.F.mseLoss(model.forward(x), target);
  const t1 = performance.now();
  opt.zeroGrad();
  loss.backward();
  const t2 = performance.now();
  opt.step();
  const t3 = performance.now();
  const c = process.cpuUsage(c0);
  return { fwd: t1 - t0, bwd: t2 - t1, opt: t3 - t2, loss: loss.item(), cpu: (c.user + c.system) / 1000 };
}

for (let i = 0; i < 3; i++) step();
const times: number[] = [];
const parts = { fwd: 0, bwd: 0, opt: 0 };
const n = 15;
let last = 0;
let bestCpu = Infinity;
for (let i = 0; i < n; i++) {
  const r = step();
  times.push(r.fwd + r.bwd + r.opt);
  parts.fwd += r.fwd; parts.bwd += r.bwd; parts.opt += r.opt;
  last = r.loss;
  bestCpu = Math.min(bestCpu, r.cpu);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(n / 2)];
console.log(`backend ${my.backend()}, dropout ${dropout}: step median ${med.toFixed(1)} ms (min ${times[0].toFixed(1)}), ` +
  `forward ${(parts.fwd / n).toFixed(1)} / backward ${(parts.bwd / n).toFixed(1)} / Adam ${(parts.opt / n).toFixed(1)} ms; loss ${last.toFixed(4)}`);
console.log(`threads ${my.getNumThreads()}; tokens/s: ${Math.round((B * L) / (med / 1000))} (median wall), ${Math.round((B * L) / (bestCpu / 1000))} (best step CPU time ${bestCpu.toFixed(1)} ms)`);
