/**
 * Shared driver for the profiling workloads: runs warm-up steps, then timed steps,
 * and prints the per-step process CPU time (min and median; the machine is shared,
 * so CPU time is steadier than wall time). Kernel threads are pinned to 1 so CPU
 * time is comparable between runs. Set STEPS to change the number of timed steps.
 */
import * as my from "../../src/index.js";

/** Runs `step` STEPS times after 3 warm-ups and prints CPU ms per step. */
export function runSteps(name: string, step: () => number): void {
  if (process.env.BACKEND) my.setBackend(process.env.BACKEND as "js" | "wasm" | "native");
  my.setNumThreads(1);
  const n = Number(process.env.STEPS ?? 20);
  const losses = [step(), step(), step()];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    losses.push(step());
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const s = [...cpu].sort((a, b) => a - b);
  console.log(`${name} [${my.backend()}] CPU ms/step: min ${s[0].toFixed(1)} median ${s[n >> 1].toFixed(1)} mean ${(cpu.reduce((a, b) => a + b, 0) / n).toFixed(1)}; losses ${losses.slice(0, 4).map((l) => l.toFixed(6)).join(" ")}`);
}
