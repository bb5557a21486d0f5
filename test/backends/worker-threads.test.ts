/**
 * Kernels from several JavaScript threads at once (see thread-stress.ts): the main
 * thread and two worker_threads workers run matmul and conv2d on every backend with
 * bit-exact results while each toggles setNumThreads. Before the fix the native
 * backend crashed (SIGSEGV) or returned wrong products, and setNumThreads from two
 * threads aborted the process on every backend. A short run here; the 10 s run is
 * `node scripts/stress-threads.mjs`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { nativeAddon } from "../../src/backends/native/index.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { runThreadStress } from "./thread-stress.js";

const backends: my.BackendName[] = ["js"];
if (wasmBackend()) backends.push("wasm");
if (nativeAddon()) backends.push("native");

test(`main + 2 workers: matmul and conv2d are bit-exact on ${backends.join(", ")} while every thread toggles setNumThreads`, async () => {
  const before = my.backend();
  const reports = await runThreadStress(backends, 800);
  my.setBackend(before as my.BackendName);
  assert.equal(reports.length, 3 * backends.length);
  for (const r of reports) {
    const where = `${r.backend}, ${r.who}`;
    assert.equal(r.error, undefined, `${where}: ${r.error}`);
    assert.ok(r.iterations >= 1, `${where}: no iteration ran`);
    assert.equal(r.mismatches, 0, `${where}: ${r.mismatches} of ${r.iterations} results differ from the single-thread result`);
    assert.equal(r.toggles, r.iterations);
  }
});

test("setNumThreads refuses counts it cannot honour, naming the rule", () => {
  assert.throws(() => my.setNumThreads(1000), /setNumThreads: at most 64 threads per JavaScript thread, got 1000/);
  assert.throws(() => my.setNumThreads(Number.NaN), /setNumThreads: expected a positive integer, got NaN/);
  assert.throws(() => my.setNumThreads(-2), /setNumThreads: expected a positive integer, got -2/);
  const addon = nativeAddon();
  if (addon) assert.throws(() => addon.setNumThreads(65), /setNumThreads: expected an integer from 1 to 64/);
});
