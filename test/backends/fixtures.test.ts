// Every PyTorch op/F fixture that the fixture runner replays (test/fixtures/ops_*.json,
// the nn functional, loss, conv, pooling, attention and graph-op files) on every backend
// from one loop: js (the reference), wasm and native, each with routing forced onto its
// kernels ("always": the op table's thresholds drop to 0, so the tiny fixture tensors
// reach every kernel a backend has; native falls through to wasm's kernels for the rest).
// Replaces test/core/ops-fixtures.test.ts (js) and test/backends/wasm-fixtures.test.ts.
import { readdirSync } from "node:fs";
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { setRouting } from "../../src/backends/layer.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { nativeAddon } from "../../src/backends/native/index.js";
import { runFixture } from "../fixture-runner.js";

const files = [
  ...readdirSync(new URL("../fixtures/", import.meta.url)).filter((f) => f.startsWith("ops_") && f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort(),
  "nn_functional", "nn_functional_losses", "nn_conv", "nn_pool", "nn_attention", "nn_graph_ops",
];

const available: Record<my.BackendName, boolean> = { js: true, wasm: wasmBackend() !== null, native: nativeAddon() !== null };

for (const name of ["js", "wasm", "native"] as const) {
  describe(`fixtures on the ${name} backend`, { skip: available[name] ? false : `${name} unavailable in this runtime` }, () => {
    before(() => {
      my.setBackend(name);
      setRouting(name === "js" ? "auto" : "always");
    });
    test(`runs on ${name}`, () => assert.equal(my.backend(), name));
    for (const f of files) runFixture(f);
  });
}
