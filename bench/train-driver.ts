/**
 * Driver of the training-throughput workloads (bench/workloads/train-*.ts): times myelin
 * on each available backend (native 1/2 threads, wasm 1/2 threads, js with a time cap),
 * TensorFlow.js cpu and wasm (same architecture from tf ops + tf.train.adam) and PyTorch
 * at 1 and 2 threads (bench/peers/torch_bench.py), and emits three row groups:
 * throughput, throughput ratios to pytorch-1t and tfjs-wasm, and myelin's peak RSS per
 * backend (each myelin configuration runs in its own child process).
 *
 * The timed steps are spread over ROUNDS rounds, each running every configuration in
 * turn, and the reported figure is the median over all rounds: this host's speed drifts
 * by 30% over minutes, and configurations timed minutes apart made ratios that moved
 * with it (the s3-end bench read wasm MLP 6,476 samples/s; the same code, minutes later,
 * 10,895 while PyTorch moved 15,298 -> 17,881).
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as my from "../src/index.js";
import { wasmThreadsReady, wasmVariant } from "../src/backends/wasm/index.js";
import { loadTfjs, runPython, wants, type Row, type RunOptions, type Workload } from "./harness.js";

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

/** Rounds the timed steps are spread over (see the file header). */
const ROUNDS = 3;

/** Wall ms of each timed step and the best CPU ms of one step, pooled over `rounds` rounds. */
interface StepTimes { walls: number[]; cpuBest: number; rounds: number }

/**
 * Up to WARMUP warm-up steps, then timed steps until `reps` steps or `capMs` of wall
 * time (at least one timed step). bench/peers/torch_bench.py times PyTorch the same way.
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
  return { walls, cpuBest, rounds: 1 };
}

/**
 * Adds one round's steps to the pooled times of a configuration. A round cut short by
 * the time cap (TF.js cpu takes a minute per CNN step) marks the configuration done:
 * more rounds would only multiply the bench's run time.
 */
function pool(into: Map<string, StepTimes>, impl: string, t: StepTimes, reps: number, capped: Set<string>): void {
  if (t.walls.length < reps) capped.add(impl);
  const p = into.get(impl);
  if (!p) into.set(impl, { walls: [...t.walls], cpuBest: t.cpuBest, rounds: 1 });
  else { p.walls.push(...t.walls); p.cpuBest = Math.min(p.cpuBest, t.cpuBest); p.rounds++; }
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
    const entry = fileURLToPath(new URL("../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js", import.meta.url));
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

/** A child's row for its configuration: the raw step times ride along for pooling. */
type ChildRow = Row & { steps?: StepTimes };

/** Builds the Workload for a TrainSpec (see the file header for what it measures). */
export function trainWorkload(spec: TrainSpec): Workload {
  async function run(opts: RunOptions): Promise<Row[]> {
    const rows: Row[] = [];
    // 30 steps in all: on this shared 2-core machine a 10-step median moved 10-20% between runs.
    const rounds = opts.quick ? 1 : ROUNDS;
    const reps = Math.ceil((opts.quick ? 3 : 30) / rounds);
    const capMs = (opts.quick ? 2000 : 5000) / rounds;
    const summary = (t: StepTimes) => {
      const w = [...t.walls].sort((x, y) => x - y);
      return { median: w[Math.floor(w.length / 2)], best: w[0], n: w.length };
    };
    const add = (impl: string, t: StepTimes | null, note?: string) => {
      const s = t && summary(t);
      rows.push({
        workload: spec.name, case: `${spec.unit}`, impl, unit: spec.unit, higherIsBetter: true,
        value: s ? spec.perStep / (s.median / 1000) : NaN,
        note: s ? `median of ${s.n} steps${t!.rounds > 1 ? ` in ${t!.rounds} rounds` : ""}, best ${Math.round(spec.perStep / (s.best / 1000))}; step ${s.median.toFixed(1)} ms, best CPU ${t!.cpuBest.toFixed(1)} ms${note ? "; " + note : ""}` : note,
      });
    };
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
      const childReps = Number(process.env[CHILD_ENV + "_REPS"] ?? reps), childCap = Number(process.env[CHILD_ENV + "_CAP_MS"] ?? capMs);
      try {
        const t = timeSteps(spec.myelin(), childReps, be === "js" ? childCap * 2 : childCap);
        rows.push({ workload: spec.name, case: spec.unit, impl, unit: spec.unit, higherIsBetter: true, value: NaN, steps: t } as ChildRow);
      } catch (e) { add(impl, null, `failed: ${(e as Error).message}`); }
      rows.push({ workload: `${spec.name} memory`, case: "peak RSS (MB)", impl, unit: "MB", higherIsBetter: false, value: rssMb(),
        note: `before building the model ${rss0.toFixed(0)} MB (Node + tsx + myelin + backend)` });
      return rows;
    }

    // One timed run of configuration `impl` in the current round: pooled step times, or why not.
    const times = new Map<string, StepTimes>();
    const failed = new Map<string, string>();
    const capped = new Set<string>();
    const notes = new Map<string, string>();
    const memRows = new Map<string, Row>();
    const tfjsModules = new Map<string, TF>();
    let gradsOk: true | string | null = null;
    const runMyelin = (impl: string) => {
      // Each myelin configuration in its own process: peak RSS per backend, and a crash
      // (native-then-wasm sequences in one process have segfaulted) costs one row only.
      const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        encoding: "utf8", maxBuffer: 1 << 24, timeout: 180000,
        env: { ...process.env, [CHILD_ENV]: impl, [CHILD_ENV + "_REPS"]: String(reps), [CHILD_ENV + "_CAP_MS"]: String(capMs) } });
      const line = r.stdout?.split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (!line) { failed.set(impl, `failed: child process ${r.signal ? "killed by " + r.signal : "exit " + r.status} ${(r.stderr ?? "").trim().split("\n").pop() ?? ""}`.trim()); return; }
      for (const row of JSON.parse(line.slice("BENCH_JSON ".length)) as ChildRow[]) {
        if (row.workload !== spec.name) {
          const prev = memRows.get(impl);
          if (!prev || row.value > prev.value) memRows.set(impl, row);
        } else if (row.steps) pool(times, impl, row.steps, reps, capped);
        else failed.set(impl, row.note ?? "failed");
      }
    };
    const runTfjs = async (impl: string, be: "wasm" | "cpu") => {
      let tf = tfjsModules.get(be);
      if (!tf) {
        const t = await loadTfjs(be);
        if (typeof t === "string") { failed.set(impl, t); return; }
        tfjsModules.set(be, tf = t);
      }
      await tf.setBackend(be);
      gradsOk ??= await registerTfGradients();
      if (gradsOk !== true) { failed.set(impl, gradsOk); return; }
      let m: ReturnType<TrainSpec["tfjs"]> | null = null;
      try {
        m = spec.tfjs(tf);
        pool(times, impl, timeSteps(m.step, reps, capMs * 2), reps, capped);
      } catch (e) {
        failed.set(impl, `cannot train: ${(e as Error).message.split("\n")[0].slice(0, 200)}`);
      } finally { m?.dispose(); }
    };
    const runTorch = (impl: string, th: number) => {
      const env = { OPENBLAS_NUM_THREADS: String(th), OMP_NUM_THREADS: String(th), MKL_NUM_THREADS: String(th) };
      const r = runPython("torch_bench.py", { train: spec.torch, threads: th, reps, cap_s: capMs / 1000 }, env);
      if (typeof r === "string") { failed.set(impl, r); return; }
      const t = r as { walls: number[]; cpu_best: number; threads: number };
      notes.set(impl, `torch threads ${t.threads}`);
      pool(times, impl, { walls: t.walls.map((x) => x * 1000), cpuBest: t.cpu_best * 1000, rounds: 1 }, reps, capped);
    };
    const runs: [string, () => void | Promise<void>][] = [];
    for (const [impl] of configs) runs.push([impl, () => runMyelin(impl)]);
    for (const be of ["wasm", "cpu"] as const) runs.push([`tfjs-${be}`, () => runTfjs(`tfjs-${be}`, be)]);
    for (const th of [1, 2]) runs.push([`pytorch-${th}t`, () => runTorch(`pytorch-${th}t`, th)]);
    const wanted = runs.filter(([impl]) => wants(opts, impl));
    // Each round starts one configuration later, so none always follows the same neighbour.
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < wanted.length; i++) {
        const [impl, go] = wanted[(i + round) % wanted.length];
        if (!failed.has(impl) && !capped.has(impl)) await go();
      }
    }
    for (const [impl] of wanted) {
      const t = times.get(impl);
      if (t && !failed.has(impl)) add(impl, t, capped.has(impl) ? "time-capped" : notes.get(impl));
      else add(impl, null, failed.get(impl) ?? "no steps");
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
    rows.push(...memRows.values());
    return rows;
  }
  return { name: spec.name, description: spec.description, run };
}
