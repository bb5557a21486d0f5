// The PyTorch op fixtures (every test/fixtures/ops_*.json, plus the nn functional,
// conv and pooling fixtures that replay through the same runner) replayed on the wasm
// backend with every supported float32 call forced onto the wasm kernels regardless
// of size. Runs in its own test process, so other files keep their default backend.
import { readdirSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { runFixture } from "../fixture-runner.js";

if (wasmBackend()) {
  my.setBackend("wasm");
  setWasmRouting("always");
  test("fixtures run on the wasm backend", () => assert.equal(my.backend(), "wasm"));
  for (const f of readdirSync(new URL("../fixtures/", import.meta.url)).sort()) {
    if (f.startsWith("ops_") && f.endsWith(".json")) runFixture(f.replace(/\.json$/, ""));
  }
  for (const name of ["nn_functional", "nn_functional_losses", "nn_conv", "nn_pool"]) runFixture(name);
} else {
  test("wasm fixtures", { skip: "wasm unavailable in this runtime" }, () => {});
}
