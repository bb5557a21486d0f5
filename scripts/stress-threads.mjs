#!/usr/bin/env node
// Stress run of kernels called from several JavaScript threads at once (the 10 s
// version of test/backends/worker-threads.test.ts): main + 2 worker_threads workers
// run matmul and conv2d with bit-exact checks while toggling setNumThreads.
// Usage: node scripts/stress-threads.mjs [backends=js,wasm,native] [seconds=10] [runs=1]
// Exits 1 when any run has a mismatch, an error or a dead worker.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [backends = "js,wasm,native", seconds = "10", runs = "1"] = process.argv.slice(2);
const harness = fileURLToPath(new URL("../test/backends/thread-stress.ts", import.meta.url));
const code = `
  const { runThreadStress } = await import(${JSON.stringify(harness)});
  const reports = await runThreadStress(${JSON.stringify(backends.split(","))}, ${Number(seconds) * 1000});
  for (const r of reports) console.log(JSON.stringify(r));
  process.exit(reports.every((r) => !r.error && r.mismatches === 0 && r.iterations > 0) ? 0 : 1);`;
let passed = 0;
for (let i = 1; i <= Number(runs); i++) {
  // A fresh process per run: a crash (SIGSEGV, abort) fails that run instead of ending the script.
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8" });
  const lines = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const ok = r.status === 0;
  if (ok) passed++;
  const summary = lines.map((x) => `${x.backend}/${x.who}: ${x.iterations} it, ${x.mismatches} bad${x.error ? `, ${x.error}` : ""}`).join("; ");
  console.log(`run ${i}: ${ok ? "ok" : `FAILED (exit ${r.status ?? r.signal})`} ${summary}${ok ? "" : `\n${r.stderr.slice(-2000)}`}`);
}
console.log(`${passed} of ${runs} runs passed (${backends}, ${seconds} s per backend, main + 2 workers)`);
process.exit(passed === Number(runs) ? 0 : 1);
