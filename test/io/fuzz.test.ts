/**
 * Fuzzing the file readers (bounded and seeded): a few thousand mutants of ONNX and
 * safetensors files (see fuzz-cases.ts) are imported and run in a worker under a
 * 16 MiB per-tensor budget. The test asserts no crash (the worker never dies), no
 * non-Error throw, no allocation left over the budget, and no mutant running past
 * 5 s (the parent watches the worker's progress and ends it on a stall).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { tsWorkerUrl } from "../worker-url.js";

const MUTANTS = 5000;
const HANG_MS = 5000;

interface Summary { counts: Record<string, number>; bad: string[] }

/** Runs mutants [from, to) in a worker; on a stall or a crash, records it and goes on after that mutant. */
async function runRange(from: number, to: number, problems: string[], totals: Record<string, number>): Promise<void> {
  while (from < to) {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(progress, 0, from);
    const wk = new Worker(tsWorkerUrl(new URL("./fuzz-cases.ts", import.meta.url).href), { workerData: { from, to, progress } });
    const result = await new Promise<Summary | { stalledAt: number } | { crashedAt: number; why: string }>((resolve) => {
      let last = -1, since = Date.now();
      const timer = setInterval(() => {
        const now = Atomics.load(progress, 0);
        if (now !== last) { last = now; since = Date.now(); return; }
        // The first mutant also waits for the worker to load myelin: allow for it.
        if (Date.now() - since > HANG_MS + (now === from ? 20000 : 0)) { clearInterval(timer); void wk.terminate(); resolve({ stalledAt: now }); }
      }, 100);
      wk.once("message", (m: Summary) => { clearInterval(timer); resolve(m); });
      wk.once("error", (e) => { clearInterval(timer); resolve({ crashedAt: Atomics.load(progress, 0), why: e.message }); });
      wk.once("exit", (code) => { clearInterval(timer); resolve({ crashedAt: Atomics.load(progress, 0), why: `exit code ${code}` }); });
    });
    if ("counts" in result) {
      for (const [k, v] of Object.entries(result.counts)) totals[k] = (totals[k] ?? 0) + v;
      problems.push(...result.bad);
      await wk.terminate();
      return;
    }
    const at = "stalledAt" in result ? result.stalledAt : result.crashedAt;
    problems.push("stalledAt" in result ? `mutant ${at}: ran past ${HANG_MS} ms` : `mutant ${at}: the worker crashed (${result.why})`);
    from = at + 1;
  }
}

test(`fuzz: ${MUTANTS} seeded mutants of ONNX and safetensors files: no crash, no non-Error throw, nothing over the budget, no hang`, async () => {
  const problems: string[] = [];
  const totals: Record<string, number> = {};
  await runRange(0, MUTANTS, problems, totals);
  assert.deepEqual(problems, []);
  const ran = Object.values(totals).reduce((a, b) => a + b, 0);
  assert.equal(ran, MUTANTS);
  // The mutants exercise both paths: some still import (and run), most are refused with an Error.
  assert.ok(totals.ok > 0 && totals.error > 0, JSON.stringify(totals));
});
