// Every PyTorch fixture that replays ops, F functions or layers runs on every backend
// from this one loop: js (the reference), wasm and native, each with routing forced onto
// its kernels ("always": the op table's thresholds drop to 0, so the tiny fixture
// tensors reach every kernel a backend has; native falls through to wasm's kernels for
// the rest). Op/F files (test/fixtures/ops_*.json and the nn functional, loss, conv,
// pooling, attention and graph-op files) replay through test/fixture-runner.ts; the
// module files (nn_layers, nn_rnn, nn_attention and nn_transformer modules, nn_graph)
// through their case runners in test/nn/*-cases.ts.
import { readdirSync } from "node:fs";
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { setRouting } from "../../src/backends/layer.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { nativeAddon } from "../../src/backends/native/index.js";
import { runFixture } from "../fixture-runner.js";
import { loadFixture } from "../helpers.js";
import { runLayerCases } from "../nn/layer-cases.js";
import { runRnnCases } from "../nn/rnn-cases.js";
import { runGraphLayerCases } from "../nn/graph-cases.js";
import { runModuleCases, type ModuleCase } from "../nn/attention-cases.js";

const files = [
  ...readdirSync(new URL("../fixtures/", import.meta.url)).filter((f) => f.startsWith("ops_") && f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort(),
  "nn_functional", "nn_functional_losses", "nn_conv", "nn_pool", "nn_attention", "nn_graph_ops",
];

const modules = (file: string) => loadFixture<{ modules: ModuleCase[] }>(file).modules;

const available: Record<my.BackendName, boolean> = { js: true, wasm: wasmBackend() !== null, native: nativeAddon() !== null };

for (const name of ["js", "wasm", "native"] as const) {
  describe(`fixtures on the ${name} backend`, { skip: available[name] ? false : `${name} unavailable in this runtime` }, () => {
    before(() => {
      my.setBackend(name);
      setRouting(name === "js" ? "auto" : "always");
    });
    test(`runs on ${name}`, () => assert.equal(my.backend(), name));
    for (const f of files) runFixture(f);
    runLayerCases();
    runRnnCases();
    runModuleCases("MultiheadAttention", modules("nn_attention"));
    runModuleCases("Transformer", modules("nn_transformer"));
    runGraphLayerCases();
  });
}
