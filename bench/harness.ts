/**
 * Shared pieces of `npm run bench`: the Workload contract (one file per workload in
 * bench/workloads/), result rows, timing, and helpers to reach the peers (TensorFlow.js
 * backends, PyTorch through /usr/bin/python3). Adding a workload = one file exporting
 * `workload: Workload`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One measured number. `impl` names the library/config, e.g. "myelin-wasm-relaxed-2t", "pytorch-1t". */
export interface Row {
  workload: string;
  case: string;
  impl: string;
  value: number;
  unit: string;
  higherIsBetter: boolean;
  note?: string;
}

/** Options every workload receives from bench/run-one.ts. */
export interface RunOptions {
  /** Fewer sizes/repeats (smoke run). */
  quick: boolean;
  /** Only implementations whose name starts with this prefix (empty: all). */
  only: string;
}

/** A benchmark workload; the runner executes each in its own Node process. */
export interface Workload {
  name: string;
  description: string;
  /** Also rerun the myelin-wasm rows with the plain-SIMD kernels (MYELIN_WASM=simd). */
  simdVariant?: boolean;
  /**
   * Implementation-name prefixes to run each in its own process (so a crashing peer or
   * optional backend loses only its own rows); omitted = one process for all.
   */
  groups?: string[];
  /**
   * Run the groups this many times in rounds (each round starting one group later) and
   * keep each row's best value: this host's speed drifts for seconds at a time, and
   * rounds give every configuration the same exposure to it. Default 1.
   */
  rounds?: number;
  /** Run only when named (`npm run bench -- models` or --only=models): slow, or needs generated files. */
  optIn?: boolean;
  /** Groups measured in the first round only (slow ones that no target depends on). */
  onceGroups?: string[];
  run(opts: RunOptions): Promise<Row[]>;
}

/** Whether implementation `impl` is selected by `opts.only`. */
export function wants(opts: RunOptions, impl: string): boolean {
  return opts.only === "" || impl.startsWith(opts.only);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Timing of one call: best wall ms and best CPU ms over samples (CPU time is robust on a shared machine for 1-thread code). */
export interface Timing { wall: number; cpu: number; reps: number }

/**
 * Runs `fn` once to warm up, then `samples` samples of at least `minMs` wall time each
 * (at least one call each) and returns the best per-call times.
 */
export function measure(fn: () => void, minMs = 200, samples = 3): Timing {
  fn();
  let wall = Infinity, cpu = Infinity, total = 0;
  for (let s = 0; s < samples; s++) {
    let reps = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    do { fn(); reps++; } while (performance.now() - w0 < minMs);
    wall = Math.min(wall, (performance.now() - w0) / reps);
    cpu = Math.min(cpu, cpuMs(c0) / reps);
    total += reps;
  }
  return { wall, cpu, reps: total };
}

/** Async variant of `measure` for peers whose results must be awaited (tfjs dataSync is sync, so rarely needed). */
export async function measureAsync(fn: () => Promise<void>, minMs = 200, samples = 3): Promise<Timing> {
  await fn();
  let wall = Infinity, cpu = Infinity, total = 0;
  for (let s = 0; s < samples; s++) {
    let reps = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    do { await fn(); reps++; } while (performance.now() - w0 < minMs);
    wall = Math.min(wall, (performance.now() - w0) / reps);
    cpu = Math.min(cpu, cpuMs(c0) / reps);
    total += reps;
  }
  return { wall, cpu, reps: total };
}

const PYTHON = "/usr/bin/python3";

/**
 * Runs bench/peers/<script> with /usr/bin/python3 and the JSON argument; returns its
 * parsed JSON stdout, or a string saying why it was skipped.
 */
export function runPython(script: string, arg: unknown, env: Record<string, string> = {}, timeoutMs = 600000): unknown | string {
  if (!existsSync(PYTHON)) return `skipped: ${PYTHON} not present`;
  const path = fileURLToPath(new URL(`./peers/${script}`, import.meta.url));
  const r = spawnSync(PYTHON, [path, JSON.stringify(arg)], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  if (r.status !== 0) return `skipped: ${script} failed (${(r.stderr || r.error?.message || "").trim().split("\n").pop()})`;
  try { return JSON.parse(r.stdout.trim().split("\n").pop()!); } catch { return `skipped: ${script} printed no JSON`; }
}

type TF = typeof import("@tensorflow/tfjs-core");

/** Loads TensorFlow.js with the named backend ("cpu" or "wasm") ready, or returns why not. */
export async function loadTfjs(backend: "cpu" | "wasm"): Promise<TF | string> {
  try {
    const tf = await import("@tensorflow/tfjs-core");
    if (backend === "cpu") {
      await import("@tensorflow/tfjs-backend-cpu");
    } else {
      const w = await import("@tensorflow/tfjs-backend-wasm");
      const dir = fileURLToPath(new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url));
      w.setWasmPaths(dir);
    }
    // TF.js logs a hint about tfjs-node on first use; silence it.
    const log = console.log, warn = console.warn;
    console.log = () => {}; console.warn = () => {};
    try { await tf.setBackend(backend); await tf.ready(); } finally { console.log = log; console.warn = warn; }
    if (tf.getBackend() !== backend) return `skipped: tfjs backend ${backend} did not initialise`;
    return tf;
  } catch (e) {
    return `skipped: tfjs ${backend} unavailable (${(e as Error).message})`;
  }
}
