// Every op against PyTorch fixtures (forward, gradients, double backward) plus float64
// gradchecks, on the JS reference backend (the spec; test/backends/wasm-fixtures.test.ts
// replays the same files on wasm).
import { readdirSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { runFixture } from "../fixture-runner.js";

my.setBackend("js");
test("op fixtures run on the JS reference backend", () => assert.equal(my.backend(), "js"));
for (const f of readdirSync(new URL("../fixtures/", import.meta.url)).sort()) {
  if (f.startsWith("ops_") && f.endsWith(".json")) runFixture(f.replace(/\.json$/, ""));
}
