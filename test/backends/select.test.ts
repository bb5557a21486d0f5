// Backend selection API: default backend, switching, errors, thread-count setting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import * as my from "../../src/index.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";

const hasWasm = wasmBackend() !== null;

test("default backend is wasm where WebAssembly SIMD is available (Node 20 has it)", () => {
  assert.ok(typeof WebAssembly.validate === "function");
  assert.equal(hasWasm, true, "Node >= 20 validates wasm SIMD, so the wasm backend must load");
  assert.equal(my.backend(), process.env.MYELIN_BACKEND === "js" ? "js" : "wasm");
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
  assert.throws(() => my.setBackend("cuda" as "js"), /setBackend: unknown backend "cuda"; expected "js" or "wasm"/);
});

test("numThreads defaults to the core count and validates its argument", () => {
  assert.equal(my.getNumThreads(), availableParallelism());
  my.setNumThreads(1);
  assert.equal(my.getNumThreads(), 1);
  assert.throws(() => my.setNumThreads(0), /setNumThreads: expected a positive integer, got 0/);
  assert.throws(() => my.setNumThreads(1.5), /setNumThreads/);
  my.setNumThreads(availableParallelism());
});
