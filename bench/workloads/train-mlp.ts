/**
 * Workload: training throughput of an MLP 784-512-256-10 (ReLU), batch 128, cross-entropy,
 * Adam — forward + backward + optimizer step on a fixed random batch, float32.
 *
 * This file also holds the driver shared by the other bench/workloads/train-*.ts files
 * (`trainWorkload`): bench/run.ts treats every .ts file in workloads/ as a workload, so
 * the shared code lives in one of them rather than in a helper file there. The driver
 * times myelin on each available backend (native 1/2 threads, wasm 1/2 threads, js with a
 * time cap), TensorFlow.js cpu and wasm (same architecture from tf ops + tf.train.adam)
 * and PyTorch at 1 and 2 threads (bench/peers/torch_bench.py), and emits three row
 * groups: throughput, throughput ratios to pytorch-1t and tfjs-wasm, and myelin's peak
 * RSS per backend (each myelin configuration runs in its own child process).
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { wasmThreadsReady, wasmVariant } from "../../src/backends/wasm/index.js";
import { loadTfjs, runPython, wants, type Row, type RunOptions, type Workload } from "../harness.js";

export type TF = typeof import("@tensorflow/tfjs-core");
type TfVar = ReturnType<TF["variable"]>;
type TfTensor = ReturnType<TF["tensor"]>;

/** One training workload: a myelin step, an equivalent TF.js step and the torch_bench.py model name. */
export interface TrainSpec {
  name: string;
  description: string;
  unit: "samples/s" | "tokens/s";
  /** Samples (or tokens) processed by one step. */
  perStep: number;
  /** Builds model, data and Adam on the current backend; returns one training step. */
  myelin(): () => void;
  /** Same for TF.js: returns one training step (its loss read back, so the work is done). */
  tfjs(tf: TF): { step: () => void; dispose: () => void };
  /** Model name understood by torch_bench.py's train mode. */
  torch: string;
}

/** Warm-up steps before timing (V8 tiers hot functions up during the first steps). */
const WARMUP = 3;

/** Step times (ms) of a timed run. */
interface StepTimes { median: number; best: number; cpuBest: number; n: number }

/**
 * Up to WARMUP warm-up steps, then timed steps until `reps` steps or `capMs` of wall
 * time (at least one timed step). Median/best wall ms and best CPU ms per step.
 * bench/peers/torch_bench.py times PyTorch the same way.
 */
function timeSteps(step: () => void, reps: number, capMs: number): StepTimes {
  const w0 = performance.now();
  step();
  // More warm-up steps only while they are cheap (the js backend can take seconds).
  for (let i = 1; i < WARMUP && performance.now() - w0 < capMs / 4; i++) step();
  const walls: number[] = [];
  let cpuBest = Infinity;
  const t0 = performance.now();
  while (walls.length < reps && (walls.length === 0 || performance.now() - t0 < capMs)) {
    const c0 = process.cpuUsage();
    const s0 = performance.now();
    step();
    walls.push(performance.now() - s0);
    const c = process.cpuUsage(c0);
    cpuBest = Math.min(cpuBest, (c.user + c.system) / 1000);
  }
  walls.sort((a, b) => a - b);
  return { median: walls[Math.floor(walls.length / 2)], best: walls[0], cpuBest, n: walls.length };
}

/** Set in the child process that times one myelin configuration. */
const CHILD_ENV = "MYELIN_BENCH_TRAIN_CONFIG";

const rssMb = () => process.resourceUsage().maxRSS / 1024;

/** Small init helper for the TF.js models: N(0, 1/fanIn) weights, zero biases. */
export function tfParam(tf: TF, vars: TfVar[], shape: number[], fanIn: number, zero = false): TfVar {
  const v = tf.variable(zero ? tf.zeros(shape) : tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), "float32", vars.length + 1));
  vars.push(v);
  return v;
}

/** Wraps a TF.js loss closure into an Adam training step over `vars`. */
export function tfAdamStep(tf: TF, vars: TfVar[], loss: () => TfTensor, lr = 1e-3): { step: () => void; dispose: () => void } {
  const opt = tf.train.adam(lr);
  return {
    step: () => {
      const cost = opt.minimize(() => loss() as ReturnType<TF["scalar"]>, true, vars);
      cost!.dataSync();
      cost!.dispose();
    },
    dispose: () => { opt.dispose(); for (const v of vars) v.dispose(); },
  };
}

/**
 * tfjs-core's Node bundle (its package "main") ships no gradient functions: the
 * @tensorflow/tfjs union package registers them by importing
 * dist/register_all_gradients.js, an ES module tree with extension-less imports that
 * Node cannot load directly. Bundle it with esbuild (tsx's dependency) into a temporary
 * CommonJS file and require that: its registrations land in tfjs's global registries, so
 * they serve the engine already loaded. Returns true, or why not.
 */
async function registerTfGradients(): Promise<true | string> {
  try {
    const esbuild = await import("esbuild");
    const entry = fileURLToPath(new URL("../../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js", import.meta.url));
    const outfile = join(tmpdir(), `myelin-bench-tfjs-grads-${process.pid}.cjs`);
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "cjs", outfile, logLevel: "silent" });
    const log = console.log, warn = console.warn;
    console.log = () => {}; console.warn = () => {};
    try { createRequire(import.meta.url)(outfile); } finally { console.log = log; console.warn = warn; rmSync(outfile, { force: true }); }
    return true;
  } catch (e) {
    return `skipped: could not register tfjs gradients (${(e as Error).message.split("\n")[0]})`;
  }
}

/** Builds the Workload for a TrainSpec (see the file header for what it measures). */
export function trainWorkload(spec: TrainSpec): Workload {
  async function run(opts: RunOptions): Promise<Row[]> {
    const rows: Row[] = [];
    // 30 steps: on this shared 2-core machine a 10-step median moved 10-20% between runs.
    const reps = opts.quick ? 3 : 30;
    const capMs = opts.quick ? 2000 : 5000;
    const add = (impl: string, t: StepTimes | null, note?: string) => rows.push({
      workload: spec.name, case: `${spec.unit}`, impl, unit: spec.unit, higherIsBetter: true,
      value: t ? spec.perStep / (t.median / 1000) : NaN,
      note: t ? `median of ${t.n} steps, best ${Math.round(spec.perStep / (t.best / 1000))}; step ${t.median.toFixed(1)} ms, best CPU ${t.cpuBest.toFixed(1)} ms${note ? "; " + note : ""}` : note,
    });
    const variant = wasmVariant();
    const configs: [string, "wasm" | "js" | "native", number][] = [];
    if (variant) configs.push([`myelin-wasm-${variant}-1t`, "wasm", 1], [`myelin-wasm-${variant}-2t`, "wasm", 2]);
    try { my.setBackend("native"); configs.push(["myelin-native-1t", "native", 1], ["myelin-native-2t", "native", 2]); } catch { /* addon not built */ }
    configs.push(["myelin-js", "js", 1]);
    const child = process.env[CHILD_ENV];
    if (child) {
      // Child mode: time the one myelin configuration named, report its peak RSS.
      const cfg = configs.find(([impl]) => impl === child);
      if (!cfg) return [];
      const [impl, be, th] = cfg;
      my.setBackend(be);
      my.setNumThreads(th);
      if (be === "wasm") await wasmThreadsReady();
      my.manualSeed(0);
      const rss0 = rssMb();
      try {
        add(impl, timeSteps(spec.myelin(), reps, be === "js" ? capMs * 2 : capMs), be === "js" ? "time-capped" : undefined);
      } catch (e) { add(impl, null, `failed: ${(e as Error).message}`); }
      rows.push({ workload: `${spec.name} memory`, case: "peak RSS (MB)", impl, unit: "MB", higherIsBetter: false, value: rssMb(),
        note: `before building the model ${rss0.toFixed(0)} MB (Node + tsx + myelin + backend)` });
      return rows;
    }
    // Each myelin configuration in its own process: peak RSS per backend, and a crash
    // (native-then-wasm sequences in one process have segfaulted) costs one row only.
    const memRows: Row[] = [];
    for (const [impl] of configs) {
      if (!wants(opts, impl)) continue;
      const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        encoding: "utf8", env: { ...process.env, [CHILD_ENV]: impl }, maxBuffer: 1 << 24, timeout: 180000 });
      const line = r.stdout?.split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (!line) { add(impl, null, `failed: child process ${r.signal ? "killed by " + r.signal : "exit " + r.status} ${(r.stderr ?? "").trim().split("\n").pop() ?? ""}`.trim()); continue; }
      for (const row of JSON.parse(line.slice("BENCH_JSON ".length)) as Row[]) (row.workload === spec.name ? rows : memRows).push(row);
    }

    let gradsOk: true | string | null = null;
    for (const be of ["wasm", "cpu"] as const) {
      const impl = `tfjs-${be}`;
      if (!wants(opts, impl)) continue;
      const tf = await loadTfjs(be);
      if (typeof tf === "string") { add(impl, null, tf); continue; }
      gradsOk ??= await registerTfGradients();
      if (gradsOk !== true) { add(impl, null, gradsOk); continue; }
      let m: ReturnType<TrainSpec["tfjs"]> | null = null;
      try {
        m = spec.tfjs(tf);
        add(impl, timeSteps(m.step, reps, capMs * 2), be === "cpu" ? "time-capped" : undefined);
      } catch (e) {
        add(impl, null, `cannot train: ${(e as Error).message.split("\n")[0].slice(0, 200)}`);
      } finally { m?.dispose(); }
    }

    for (const th of [1, 2]) {
      const impl = `pytorch-${th}t`;
      if (!wants(opts, impl)) continue;
      const env = { OPENBLAS_NUM_THREADS: String(th), OMP_NUM_THREADS: String(th), MKL_NUM_THREADS: String(th) };
      const r = runPython("torch_bench.py", { train: spec.torch, threads: th, reps, cap_s: capMs / 1000 }, env);
      if (typeof r === "string") { add(impl, null, r); continue; }
      const t = r as { median: number; best: number; cpu_best: number; n: number; threads: number };
      add(impl, { median: t.median * 1000, best: t.best * 1000, cpuBest: t.cpu_best * 1000, n: t.n }, `torch threads ${t.threads}`);
    }

    // Ratios to the two reference peers, one row group (its own table in the results).
    const main = rows.slice();
    for (const base of ["pytorch-1t", "tfjs-wasm"]) {
      const b = main.find((r) => r.impl === base)?.value ?? NaN;
      for (const r of main) {
        if (r.impl === base) continue;
        rows.push({ workload: `${spec.name} ratio`, case: `÷ ${base}`, impl: r.impl, unit: `× ${spec.unit} of the baseline`, higherIsBetter: true, value: r.value / b });
      }
    }
    rows.push(...memRows);
    return rows;
  }
  return { name: spec.name, description: spec.description, run };
}

const [B, IN, H1, H2, C] = [128, 784, 512, 256, 10];

export const workload: Workload = trainWorkload({
  name: "train-mlp",
  description: `MLP ${IN}-${H1}-${H2}-${C} (ReLU), batch ${B}, cross-entropy, Adam: training samples/s`,
  unit: "samples/s",
  perStep: B,
  torch: "mlp",
  myelin() {
    const { nn } = my;
    const model = new nn.Sequential(new nn.Linear(IN, H1), new nn.ReLU(), new nn.Linear(H1, H2), new nn.ReLU(), new nn.Linear(H2, C));
    const opt = new my.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = my.randn([B, IN]), y = my.randint(0, C, [B]);
    return () => {
      const loss = my.F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      loss.item();
    };
  },
  tfjs(tf) {
    const vars: TfVar[] = [];
    const dims = [IN, H1, H2, C];
    const ws = dims.slice(1).map((d, i) => [tfParam(tf, vars, [dims[i], d], dims[i]), tfParam(tf, vars, [d], 1, true)]);
    const x = tf.randomNormal([B, IN]);
    const y = tf.oneHot(tf.randomUniform([B], 0, C, "int32"), C);
    const m = tfAdamStep(tf, vars, () => {
      let h: TfTensor = x;
      ws.forEach(([w, b], i) => { h = tf.add(tf.matMul(h, w), b); if (i < ws.length - 1) h = tf.relu(h); });
      return tf.losses.softmaxCrossEntropy(y, h);
    });
    return { step: m.step, dispose: () => { m.dispose(); x.dispose(); y.dispose(); } };
  },
});
