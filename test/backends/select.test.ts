// Backend selection API: default backend, switching, errors, thread-count setting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";

const hasWasm = wasmBackend() !== null;

/** Runs an ES module snippet in a fresh Node (tsx) process and returns its stdout. */
function runChild(script: string, env: Record<string, string> = {}): string {
  const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script],
    { timeout: 60000, encoding: "utf8", env: { ...process.env, MYELIN_BACKEND: "wasm", ...env } });
  assert.equal(res.status, 0, `child failed: ${res.stderr}`);
  return res.stdout;
}
const indexUrl = JSON.stringify(fileURLToPath(new URL("../../src/index.ts", import.meta.url)));
const wasmUrl = JSON.stringify(fileURLToPath(new URL("../../src/backends/wasm/index.ts", import.meta.url)));

test("default backend is a compiled one (wasm, or the optional native addon) where WebAssembly SIMD is available", () => {
  assert.equal(hasWasm, true, "Node >= 20 validates wasm SIMD, so the wasm backend must load");
  if (process.env.MYELIN_BACKEND !== "js") assert.ok(["wasm", "native"].includes(my.backend()), `got ${my.backend()}`);
  // With the native addon ruled out, the default is wasm.
  const out = runChild(`const my = await import(${indexUrl}); console.log("default", my.backend());`, { MYELIN_BACKEND: "wasm" });
  assert.match(out, /default wasm/);
});

test("setBackend switches kernels and results agree with an exact hand computation", () => {
  const x = my.tensor([[1, 2], [3, 4]]);
  for (const name of ["js", "wasm"] as const) {
    my.setBackend(name);
    assert.equal(my.backend(), name);
    assert.deepEqual(my.matmul(x, x).toArray(), [[7, 10], [15, 22]]);
  }
  my.setBackend("wasm");
});

test("setBackend rejects unknown names with a clear error", () => {
  assert.throws(() => my.setBackend("cuda" as "js"), /setBackend: unknown backend "cuda"; expected "js", "wasm"/);
});

test("numThreads defaults to the core count and validates its argument", () => {
  assert.equal(my.getNumThreads(), availableParallelism());
  my.setNumThreads(1);
  assert.equal(my.getNumThreads(), 1);
  assert.throws(() => my.setNumThreads(0), /setNumThreads: expected a positive integer, got 0/);
  assert.throws(() => my.setNumThreads(1.5), /setNumThreads/);
  my.setNumThreads(availableParallelism());
});

test("where synchronous wasm compilation is refused (browser main thread), the backend switches to wasm once the async load lands", () => {
  const out = runChild(`
    const Real = WebAssembly.Module;
    let refused = 0;
    WebAssembly.Module = function () { refused++; throw new RangeError("sync compile refused"); };
    const my = await import(${indexUrl});
    const { wasmBackendReady } = await import(${wasmUrl});
    await wasmBackendReady();
    WebAssembly.Module = Real;
    const a = my.ones([40, 50]), b = my.ones([50, 30]);
    console.log("refused", refused, "after", my.backend(), my.matmul(a, b).data()[0]);`);
  // The sync path was tried and refused, yet the backend ends on wasm with correct results.
  assert.match(out, /refused [1-9]\d* after wasm 50/);
});

test("without shared memory (no cross-origin isolation) the kernels run on unshared memory, single-threaded", () => {
  const out = runChild(`
    const my = await import(${indexUrl});
    const { wasmBackend } = await import(${wasmUrl});
    my.setNumThreads(2);
    const n = 300, a = new Float32Array(n * n).fill(1), o = new Float32Array(n * n);
    wasmBackend().matmul(a, a, o, 1, n, n, n, false, true, 0, 0);
    console.log(my.backend(), o[0], o[n * n - 1]);`, { MYELIN_WASM_THREADS: "off" });
  assert.match(out, /wasm 300 300/);
});
