// Every op against PyTorch fixtures (forward, gradients, double backward) plus float64 gradchecks.
import { readdirSync } from "node:fs";
import { runFixture } from "../fixture-runner.js";

for (const f of readdirSync(new URL("../fixtures/", import.meta.url)).sort()) {
  if (f.startsWith("ops_") && f.endsWith(".json")) runFixture(f.replace(/\.json$/, ""));
}
