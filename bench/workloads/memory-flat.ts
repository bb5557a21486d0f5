/**
 * Workload: memory over a 10,000-step training loop of a small MLP (3 -> 32 -> 1, tanh,
 * batch 64, SGD) on the wasm backend: growth of the wasm memory and of the process
 * RSS between step 500 and step 10,000 (both should stay flat), and steps per second.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as my from "../../src/index.js";
import { wasmMemoryBytes, wasmVariant } from "../../src/backends/wasm/index.js";
import type { Row, RunOptions, Workload } from "../harness.js";

async function run(opts: RunOptions): Promise<Row[]> {
  const impl = `myelin-wasm-${wasmVariant()}`;
  if (!wasmVariant() || (opts.only && !impl.startsWith(opts.only))) return [];
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  my.setBackend("wasm");
  my.manualSeed(0);
  const X = my.randn([64, 3]);
  const xs = X.data() as Float32Array;
  const Y = my.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(xs[i * 3]) + xs[i * 3 + 1] * xs[i * 3 + 2]), { shape: [64, 1] });
  const W1 = my.randn([3, 32]).mul(0.5).requiresGrad_(), b1 = my.zeros([32]).requiresGrad_();
  const W2 = my.randn([32, 1]).mul(0.2).requiresGrad_(), b2 = my.zeros([1]).requiresGrad_();
  const params = [W1, b1, W2, b2];
  const step = () => {
    const h = my.tanh(my.add(my.matmul(X, W1), b1));
    const loss = my.mean(my.square(my.sub(my.add(my.matmul(h, W2), b2), Y)));
    for (const p of params) p.grad = null;
    loss.backward();
    my.noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(0.05)); });
  };
  const total = opts.quick ? 2000 : 10000, warm = 500;
  for (let i = 0; i < warm; i++) step();
  gc();
  const w0 = wasmMemoryBytes(), r0 = process.memoryUsage().rss, t0 = performance.now();
  for (let i = warm; i < total; i++) step();
  const secs = (performance.now() - t0) / 1000;
  gc();
  const w1 = wasmMemoryBytes(), r1 = process.memoryUsage().rss;
  const c = `${total} steps`;
  const mk = (what: string, value: number, unit: string, higherIsBetter = false, note?: string): Row =>
    ({ workload: "memory-flat", case: `${c}: ${what}`, impl, value, unit, higherIsBetter, note });
  return [
    mk("wasm memory growth (MiB)", (w1 - w0) / 2 ** 20, "MiB", false, `wasm memory ${(w1 / 2 ** 20).toFixed(1)} MiB at the end`),
    mk("RSS growth (MiB)", (r1 - r0) / 2 ** 20, "MiB", false, `RSS ${(r1 / 2 ** 20).toFixed(0)} MiB at the end`),
    mk("steps/s", (total - warm) / secs, "steps/s", true),
  ];
}

export const workload: Workload = {
  name: "memory-flat",
  description: "memory growth over a long small-model training loop (wasm backend)",
  run,
};
