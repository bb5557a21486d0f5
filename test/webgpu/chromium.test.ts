// The WGSL kernels in headless Chromium's WebGPU (navigator.gpu on SwiftShader), against
// the CPU backend's kernels run in the same page: matmul in both GEMM forms, conv2d and
// its two gradients, softmax. Skips with the reason where Chromium or its adapter is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromiumSkipReason, runInChromium } from "./chromium.js";

interface Report { hasNavigatorGpu: boolean; adapter: { architecture: string; description: string } | null; reason?: string; errors?: Record<string, number> }

test("webgpu in headless Chromium: matmul, conv2d (+ gradients) and softmax equal the CPU backend", { skip: chromiumSkipReason() ?? false, timeout: 180_000 }, async (t) => {
  const r = await runInChromium<Report>(join(import.meta.dirname, "pages", "kernels.page.ts"), { timeoutMs: 150_000 });
  assert.ok(r.ok, `the page threw: ${r.error}`);
  const v = r.value!;
  assert.equal(v.hasNavigatorGpu, true, "Chromium started without navigator.gpu (the WebGPU flags were not applied)");
  if (!v.adapter) { t.skip(`Chromium has no WebGPU adapter here: ${v.reason}`); return; }
  console.log(`chromium webgpu adapter: ${JSON.stringify(v.adapter)}; errors ${JSON.stringify(v.errors)}`);
  assert.deepEqual(r.consoleErrors, []);
  const names = ["matmul tiled", "matmul direct", "conv2d forward", "conv2d input grad", "conv2d weight grad", "softmax"];
  assert.deepEqual(Object.keys(v.errors!).sort(), names.slice().sort());
  for (const name of names) assert.ok(v.errors![name] <= 1e-5, `${name}: relative error ${v.errors![name]}`);
});
