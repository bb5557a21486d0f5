/**
 * Kernels called from several JavaScript threads at once: the main thread and N
 * worker_threads workers each run matmul (300x300) and conv2d in a loop on one
 * backend, toggling `setNumThreads` between 1 and the core count every iteration,
 * and compare every result bit for bit with the one the main thread computed before
 * any worker started. All threads start each backend's phase together (a shared
 * flag), so the loops overlap. Shared by test/backends/worker-threads.test.ts (a
 * short run) and scripts/stress-threads.mjs (the 10 s run).
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { availableParallelism } from "node:os";
import * as my from "../../src/index.js";
import { tsWorkerUrl } from "../worker-url.js";

/** What one thread did on one backend. */
export interface ThreadReport {
  backend: string;
  who: string;
  iterations: number;
  mismatches: number;
  toggles: number;
  error?: string;
}

interface Phase {
  backend: my.BackendName;
  expected: Float32Array[];
}

interface Job {
  phases: Phase[];
  ms: number;
  inputs: Float32Array[];
  /** go[p] turns 1 when phase p starts. */
  go: Int32Array;
  who: string;
}

const N = 300;

/** The fixed inputs: A, B [300, 300]; x [2, 8, 24, 24], w [16, 8, 3, 3], bias [16] (seeded). */
function makeInputs(): Float32Array[] {
  my.manualSeed(1234);
  return [[N, N], [N, N], [2, 8, 24, 24], [16, 8, 3, 3], [16]].map((s) => my.randn(s).data() as Float32Array);
}

function compute(inputs: Float32Array[]): Float32Array[] {
  const [a, b, x, w, bias] = inputs;
  const A = my.tensor(a).reshape([N, N]), B = my.tensor(b).reshape([N, N]);
  const X = my.tensor(x).reshape([2, 8, 24, 24]), W = my.tensor(w).reshape([16, 8, 3, 3]);
  return [my.matmul(A, B).data() as Float32Array, my.F.conv2d(X, W, my.tensor(bias), { padding: 1, stride: 1 }).data() as Float32Array];
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** One thread's loop on one backend: compute, compare, toggle the thread count. */
function loop(job: Job, p: number): ThreadReport {
  const { backend, expected } = job.phases[p];
  const r: ThreadReport = { backend, who: job.who, iterations: 0, mismatches: 0, toggles: 0 };
  try {
    my.setBackend(backend);
    const cores = Math.max(2, availableParallelism());
    const end = Date.now() + job.ms;
    do {
      const out = compute(job.inputs);
      if (!sameBits(out[0], expected[0]) || !sameBits(out[1], expected[1])) r.mismatches++;
      my.setNumThreads(r.iterations % 2 ? 1 : cores);
      r.toggles++;
      r.iterations++;
    } while (Date.now() < end);
  } catch (e) {
    r.error = e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`;
  }
  my.setNumThreads(availableParallelism());
  return r;
}

/**
 * Runs main + `workers` worker threads on each backend in turn for about `ms`
 * milliseconds per backend; resolves with one report per thread and backend. A
 * worker that dies is reported with its error.
 */
export async function runThreadStress(backends: my.BackendName[], ms: number, workers = 2): Promise<ThreadReport[]> {
  const inputs = makeInputs();
  const phases = backends.map((backend): Phase => {
    my.setBackend(backend);
    return { backend, expected: compute(inputs) };
  });
  const go = new Int32Array(new SharedArrayBuffer(4 * phases.length));
  const reports: ThreadReport[] = [];
  const ready = phases.map(() => [] as Promise<void>[]);
  const done: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const who = `worker ${i + 1}`;
    const wk = new Worker(tsWorkerUrl(import.meta.url), { workerData: { phases, ms, inputs, go, who } satisfies Job });
    const readyAt = phases.map(() => { let res!: () => void; const pr = new Promise<void>((r) => (res = r)); return { pr, res }; });
    readyAt.forEach((x, p) => ready[p].push(x.pr));
    let seen = 0;
    done.push(new Promise((resolve) => {
      const fail = (error: string) => {
        for (let p = seen; p < phases.length; p++) reports.push({ backend: phases[p].backend, who, iterations: 0, mismatches: 0, toggles: 0, error });
        readyAt.forEach((x) => x.res());
        resolve();
      };
      wk.on("message", (m: { ready: number } | ThreadReport) => {
        if ("ready" in m) return readyAt[m.ready].res();
        reports.push(m);
        if (++seen === phases.length) resolve();
      });
      wk.once("error", (e) => fail(`worker error: ${e.message}`));
      wk.once("exit", (code) => fail(`worker exited with code ${code} before reporting`));
    }));
  }
  const job: Job = { phases, ms, inputs, go, who: "main" };
  for (let p = 0; p < phases.length; p++) {
    await Promise.all(ready[p]);
    Atomics.store(go, p, 1);
    Atomics.notify(go, p);
    reports.push(loop(job, p));
  }
  await Promise.all(done);
  return reports;
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.who) {
  const job = workerData as Job;
  for (let p = 0; p < job.phases.length; p++) {
    parentPort.postMessage({ ready: p });
    Atomics.wait(job.go, p, 0);
    parentPort.postMessage(loop(job, p));
  }
}
