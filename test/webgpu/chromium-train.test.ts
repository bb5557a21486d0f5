// Issue #20 in the browser: the four workloads train on WebGPU in headless Chromium
// (navigator.gpu on SwiftShader) and each of 20 Adam steps' losses equals the CPU
// backend's (wasm in the page) within 1e-3 relative.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromiumSkipReason, runInChromium } from "./chromium.js";

interface Report { gpu: boolean; adapter: unknown; reason?: string; backend?: string; losses?: Record<string, { cpu: number[]; webgpu: number[] }> }

test("the four workloads train on WebGPU in headless Chromium with the CPU's losses", { skip: chromiumSkipReason() ?? false, timeout: 600_000 }, async (t) => {
  const r = await runInChromium<Report>(join(import.meta.dirname, "pages", "train-workloads.page.ts"), { timeoutMs: 560_000 });
  assert.ok(r.ok, `the page threw: ${r.error}`);
  const v = r.value!;
  assert.equal(v.gpu, true, "Chromium started without navigator.gpu");
  if (!v.adapter) { t.skip(`Chromium has no WebGPU adapter here: ${v.reason}`); return; }
  assert.deepEqual(Object.keys(v.losses!).sort(), ["cnn", "lstm", "mlp", "transformer"]);
  for (const [name, { cpu, webgpu }] of Object.entries(v.losses!)) {
    assert.equal(webgpu.length, 20);
    for (let i = 0; i < 20; i++) {
      assert.ok(Math.abs(webgpu[i] - cpu[i]) <= 1e-3 * Math.abs(cpu[i]), `${name} step ${i}: webgpu ${webgpu[i]} vs cpu (${v.backend}) ${cpu[i]}`);
    }
  }
});
