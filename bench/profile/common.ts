/**
 * Shared driver for the profiling workloads: runs warm-up steps, then timed steps,
 * and prints the per-step process CPU time (min and median; the machine is shared,
 * so CPU time is steadier than wall time) and wall time. Kernel threads default to 1
 * so CPU time is comparable between runs. Env: STEPS (timed steps, default 20),
 * THREADS (kernel threads), OPS=1 (wall time per backend kernel, to see which kernels
 * keep a second thread idle: time outside them is JS on the calling thread).
 */
import * as my from "../../src/index.js";
import { currentBackend, installBackend, type Backend } from "../../src/backends/backend.js";

const opTime = new Map<string, { ms: number; calls: number }>();

/** Replaces the installed backend by one whose every method adds its wall time to opTime. */
function timeKernels(): void {
  const base = currentBackend() as unknown as Record<string, unknown>;
  const timed: Record<string, unknown> = {};
  const wrap = (key: string, f: (...a: unknown[]) => unknown, self: unknown) =>
    (...args: unknown[]) => {
      const t0 = performance.now();
      const r = f.apply(self, args);
      // OPS=shapes splits matmul by its shape arguments (batch, m, n, k, transA, transB).
      const id = key === "matmul" && process.env.OPS === "shapes" ? `matmul ${args.slice(3, 10).map(Number).join(",")}` : key;
      const e = opTime.get(id) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      opTime.set(id, e);
      return r;
    };
  for (const key of Object.keys(base)) {
    const f = base[key];
    if (typeof f === "function") timed[key] = wrap(key, f as (...a: unknown[]) => unknown, base);
    else if (f && typeof f === "object") {
      // Kernel groups (Backend.conv2dFused): each method timed as "group.method".
      const group = f as Record<string, unknown>, g: Record<string, unknown> = {};
      for (const m of Object.keys(group)) g[m] = typeof group[m] === "function" ? wrap(`${key}.${m}`, group[m] as (...a: unknown[]) => unknown, group) : group[m];
      timed[key] = g;
    } else timed[key] = f;
  }
  installBackend(timed as unknown as Backend);
}

/** Runs `step` STEPS times after 3 warm-ups and prints CPU and wall ms per step. */
export function runSteps(name: string, step: () => number): void {
  if (process.env.BACKEND) my.setBackend(process.env.BACKEND as "js" | "wasm" | "native");
  my.setNumThreads(Number(process.env.THREADS ?? 1));
  const n = Number(process.env.STEPS ?? 20);
  const losses = [step(), step(), step()];
  const label = `${name} [${my.backend()}, ${my.getNumThreads()}t]`;
  if (process.env.OPS) timeKernels();
  const cpu: number[] = [], wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    losses.push(step());
    wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const s = [...cpu].sort((a, b) => a - b), w = [...wall].sort((a, b) => a - b);
  console.log(`${label} CPU ms/step: min ${s[0].toFixed(1)} median ${s[n >> 1].toFixed(1)} mean ${(cpu.reduce((a, b) => a + b, 0) / n).toFixed(1)}; wall min ${w[0].toFixed(1)} median ${w[n >> 1].toFixed(1)}; losses ${losses.slice(0, 4).map((l) => l.toFixed(6)).join(" ")}`);
  if (opTime.size) {
    const total = wall.reduce((a, b) => a + b, 0) / n;
    const rows = [...opTime].sort((a, b) => b[1].ms - a[1].ms);
    let inKernels = 0;
    for (const [k, e] of rows) {
      inKernels += e.ms / n;
      if (e.ms / n >= 0.05) console.log(`  ${k.padEnd(28)} ${(e.ms / n).toFixed(2).padStart(7)} ms/step ${(100 * e.ms / n / total).toFixed(1).padStart(5)}%  ${(e.calls / n).toFixed(0).padStart(5)} calls`);
    }
    console.log(`  ${"(outside kernels)".padEnd(28)} ${(total - inKernels).toFixed(2).padStart(7)} ms/step ${(100 * (total - inKernels) / total).toFixed(1).padStart(5)}%`);
  }
}
