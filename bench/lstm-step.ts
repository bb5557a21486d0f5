/**
 * LSTM training step (the benchmark workload: batch 32, 32 steps, 64 inputs, 128
 * hidden, a Linear(128, 10) on the last state, cross-entropy, forward + backward +
 * Adam), with nn.LSTM's fused recurrence ("fused": one GEMM for the input projection,
 * per step one GEMM + the Backend's fused lstmCell kernel, one BPTT node) against the
 * same model composed from tensor ops per step ("composed": the input projection is
 * still one GEMM, then per step matmul, chunk, sigmoid ×3, tanh ×2, mul ×3, add ×2 —
 * what nn.LSTM did before the fused kernel). Both start from the same weights and data;
 * their losses are printed to show they compute the same thing.
 * Run: node --import tsx bench/lstm-step.ts [js]   (pass "js" to force the JS backend)
 */
import * as my from "../src/index.js";
import type { Tensor } from "../src/index.js";

const [Bn, T, IN, H, CLS] = [32, 32, 64, 128, 10];
if (process.argv[2] === "js") my.setBackend("js");

/** The per-step composition of tensor ops a straightforward LSTM would use. */
function composedLstm(x: Tensor, wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor): Tensor {
  const xproj = my.F.linear(x.reshape([T * Bn, IN]), wih, bih.add(bhh)).reshape([T, Bn, 4 * H]);
  const xs = xproj.unbind(0);
  let h = my.zeros([Bn, H]), c = my.zeros([Bn, H]);
  for (let t = 0; t < T; t++) {
    const gates = xs[t].add(h.matmul(whh.t()));
    const [i, f, g, o] = gates.chunk(4, 1);
    c = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
    h = o.sigmoid().mul(c.tanh());
  }
  return h;
}

function setup(seed: number) {
  my.manualSeed(seed);
  const lstm = new my.nn.LSTM(IN, H);
  const fc = new my.nn.Linear(H, CLS);
  const gen = new my.Generator(seed + 1);
  const x = my.randn([T, Bn, IN], { generator: gen });
  const y = my.randint(0, CLS, [Bn], { generator: gen });
  const params = [...lstm.parameters(), ...fc.parameters()];
  const opt = new my.optim.Adam(params, { lr: 1e-3 });
  return { lstm, fc, x, y, opt };
}

function stepper(kind: "fused" | "composed") {
  const { lstm, fc, x, y, opt } = setup(0);
  return (): number => {
    let hLast: Tensor;
    if (kind === "fused") {
      const [, [hN]] = lstm.forward(x);
      hLast = hN.select(0, 0);
    } else {
      const sd = lstm as unknown as Record<string, Tensor>;
      hLast = composedLstm(x, sd.weightIhL0, sd.weightHhL0, sd.biasIhL0, sd.biasHhL0);
    }
    const loss = my.F.crossEntropy(fc.forward(hLast), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
}

function timeSteps(step: () => number, reps: number): { best: number; median: number; losses: number[] } {
  const losses = [step(), step()]; // warm-up (JIT, wasm pool)
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    losses.push(step());
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0], median: ts[Math.floor(ts.length / 2)], losses };
}

const reps = Number(process.env.REPS ?? 15);
console.log(`LSTM training step, batch ${Bn}, ${T} steps, ${IN} -> ${H}, fc ${CLS}; backend ${my.backend()}; ${reps} timed steps after 2 warm-up`);
const res: Record<string, ReturnType<typeof timeSteps>> = {};
for (const kind of ["composed", "fused"] as const) {
  res[kind] = timeSteps(stepper(kind), reps);
  const r = res[kind];
  console.log(`${kind.padEnd(9)} best ${r.best.toFixed(1)} ms  median ${r.median.toFixed(1)} ms  (${(Bn * 1000 / r.median).toFixed(0)} samples/s)  losses ${r.losses.slice(0, 3).map((l) => l.toFixed(6)).join(", ")}`);
}
console.log(`speed-up (median): ${(res.composed.median / res.fused.median).toFixed(2)}x`);
