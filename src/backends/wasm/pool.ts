/**
 * A persistent worker pool for big kernels: workers share the kernels' memory and
 * are driven through an Int32Array control buffer with Atomics wait/notify (no
 * postMessage per call). Workers are unref'd so they never keep Node alive; until
 * they report ready, work simply runs on the calling thread.
 */
import { type Runtime } from "./runtime.js";
import { ARGS, CLAIM, DONE, FN, NARGS, SEQ, SLOT, STATE, workerSource } from "./worker-source.js";

interface WorkerLike { terminate(): unknown; unref?(): void; on?(ev: string, f: (e: unknown) => void): void }
type WorkerCtor = new (src: string, opts: object) => WorkerLike;

interface NodeProcess { getBuiltinModule?(id: string): unknown; versions?: { node?: string } }

function nodeWorkerCtor(): WorkerCtor | null {
  const p = (globalThis as { process?: NodeProcess }).process;
  if (!p?.versions?.node || typeof p.getBuiltinModule !== "function") return null;
  const wt = p.getBuiltinModule("node:worker_threads") as { Worker: WorkerCtor } | undefined;
  return wt?.Worker ?? null;
}

/** Logical core count (Node's availableParallelism, or navigator.hardwareConcurrency). */
export function coreCount(): number {
  const p = (globalThis as { process?: NodeProcess }).process;
  const os = p?.getBuiltinModule?.("node:os") as { availableParallelism?(): number; cpus(): unknown[] } | undefined;
  if (os) return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

const MAX_WORKERS = 63;

/** The worker pool over one runtime's shared memory. */
export class Pool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * (MAX_WORKERS + 1)));
  private workers: WorkerLike[] = [];
  /** Whether the calling thread may block in Atomics.wait (not on a browser's main thread; there it spins). */
  readonly canBlock: boolean;
  constructor(private readonly rt: Runtime) {
    let ok = true;
    try { Atomics.wait(this.ctrl, 0, 1, 0); } catch { ok = false; }
    this.canBlock = ok;
  }

  /** Starts workers until `n` exist (the caller is thread 0); idle ones sleep in Atomics.wait. */
  grow(n: number): void {
    n = Math.max(0, Math.min(MAX_WORKERS, n));
    if (this.workers.length === n) return;
    const Node = nodeWorkerCtor();
    const Web = (globalThis as { Worker?: new (url: string) => WorkerLike & { postMessage(d: unknown): void } }).Worker;
    let url: string | null = null;
    while (this.workers.length < n) {
      const slot = this.workers.length + 1;
      const data = { module: this.rt.module, memory: this.rt.memory, ctrl: this.ctrl.buffer, slot };
      Atomics.store(this.ctrl, slot * SLOT + STATE, 0);
      if (Node) {
        // execArgv [] keeps loaders such as tsx or --input-type out of the worker.
        const w = new Node(workerSource, { eval: true, workerData: data, execArgv: [] });
        w.unref?.();
        // A worker that dies must not take the process down; mark it failed instead.
        w.on?.("error", () => Atomics.store(this.ctrl, slot * SLOT + STATE, -1));
        this.workers.push(w);
      } else if (Web && typeof Blob !== "undefined" && typeof URL !== "undefined") {
        url ??= URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
        const w = new Web(url);
        w.postMessage(data);
        this.workers.push(w);
      } else {
        return;
      }
    }
  }

  /** Number of workers that finished starting (usable now). */
  readyCount(): number {
    let r = 0;
    while (r < this.workers.length && Atomics.load(this.ctrl, (r + 1) * SLOT + STATE) === 1) r++;
    return r;
  }

  /** Resolves once every started worker reports ready (or failed); for tests and benchmarks. */
  async whenReady(timeoutMs = 20000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      let pending = false;
      for (let w = 1; w <= this.workers.length; w++) if (Atomics.load(this.ctrl, w * SLOT + STATE) === 0) pending = true;
      if (!pending) return;
      if (Date.now() - t0 > timeoutMs) throw new Error("wasm backend: worker threads did not start in time");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private post(w: number, fn: number, args: readonly number[]): number {
    const base = w * SLOT;
    const c = this.ctrl;
    c[base + FN] = fn;
    c[base + NARGS] = args.length;
    for (let i = 0; i < args.length; i++) c[base + ARGS + i] = args[i];
    // 0 means "claimed" in the CLAIM word, so sequence numbers skip it.
    const seq = ((Atomics.load(c, base + SEQ) + 1) | 0) || 1;
    Atomics.store(c, base + CLAIM, seq);
    Atomics.store(c, base + SEQ, seq);
    Atomics.notify(c, base + SEQ);
    return seq;
  }

  /**
   * Runs jobs[0] on the calling thread and jobs[i] on worker i concurrently, then
   * waits for all. `run(args)` executes one job locally. Caller passes at most
   * readyCount() + 1 jobs. With `optional`, the jobs share work that the calling
   * thread finishes by itself if need be (gemmRun's task counters): a worker that has
   * not woken up by then is cancelled instead of waited for. Returns how many workers ran their job.
   */
  parallel(fn: number, jobs: readonly (readonly number[])[], run: (args: readonly number[]) => void, optional = false): number {
    const seqs: number[] = [];
    for (let w = 1; w < jobs.length; w++) seqs.push(this.post(w, fn, jobs[w]));
    run(jobs[0]);
    const c = this.ctrl;
    let ran = 0;
    for (let w = 1; w < jobs.length; w++) {
      if (optional && Atomics.compareExchange(c, w * SLOT + CLAIM, seqs[w - 1], 0) === seqs[w - 1]) continue;
      ran++;
      const idx = w * SLOT + DONE;
      for (;;) {
        const d = Atomics.load(c, idx);
        if (d === seqs[w - 1]) break;
        if (Atomics.load(c, w * SLOT + STATE) < 0) throw new Error(`wasm backend: worker ${w} failed`);
        if (this.canBlock) Atomics.wait(c, idx, d, 100);
      }
      if (Atomics.load(c, w * SLOT + STATE) < 0) throw new Error(`wasm backend: a kernel failed on worker ${w}`);
    }
    return ran;
  }
}
