// The PyTorch op/F fixtures (the files test/backends/fixtures.test.ts replays on the
// CPU backends) replayed on the webgpu device: inputs moved there, outputs and
// first-order gradients read back asynchronously and compared with PyTorch's values.
// A case whose op has no GPU path throws (no WGSL kernel, or a CPU loop that would need
// a synchronous read): those cases must be exactly the ones listed in
// docs/webgpu-ops.md, so the list of ops without GPU kernels stays true. Regenerate
// it with MYELIN_WRITE_WEBGPU_OPS=1 after adding kernels.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { skip } from "./gpu-test-util.js";
import { loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

interface Enc { shape: number[]; dtype: my.DType; data: (number | boolean | string)[]; requiresGrad?: boolean }
interface Case {
  name: string; js: string; inputs: Record<string, Enc>; out: Enc[]; cot?: Enc[];
  grads?: Record<string, Enc | null>; rtol?: number; atol?: number; error?: string;
}

const files = [
  ...readdirSync(new URL("../fixtures/", import.meta.url)).filter((f) => f.startsWith("ops_") && f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort(),
  "nn_functional", "nn_functional_losses", "nn_conv", "nn_pool", "nn_attention", "nn_graph_ops",
];
const LIST = new URL("../../docs/webgpu-ops.md", import.meta.url);
/**
 * What an op without a GPU path throws, or a case whose expression makes CPU tensors
 * inline (my.zeros(...) beside a moved input: a device mix, which throws as it should);
 * any other error is a failure.
 */
const UNSUPPORTED = /no WGSL kernel|cannot be read synchronously|has no kernel path|no GPU layout|has no float64 storage|no GPU storage|take float32, got|same device|on device "cpu"/;

function decode(e: Enc): Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : typeof v === "boolean" ? (v ? 1 : 0) : v));
  return my.tensor(Float64Array.from(vals), { shape: e.shape, dtype: e.dtype });
}

/** |a - e| <= atol + rtol |e|; NaN and infinities must match. */
function close(a: ArrayLike<number>, e: Enc, rtol: number, atol: number, what: string): void {
  const want = decode(e).data();
  assert.equal(a.length, want.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = Number(want[i]);
    if (Number.isNaN(y)) { assert.ok(Number.isNaN(x), `${what}[${i}]: expected NaN, got ${x}`); continue; }
    if (!Number.isFinite(y)) { assert.equal(x, y, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${what}[${i}]: got ${x}, expected ${y}`);
  }
}

const unsupported: string[] = [];

async function replay(file: string, c: Case): Promise<void> {
  const names = Object.keys(c.inputs);
  const f = new Function("my", ...names, `"use strict"; return (${c.js});`) as (m: typeof my, ...xs: Tensor[]) => Tensor | Tensor[];
  const inputs = names.map((k) => {
    const t = decode(c.inputs[k]).to("webgpu");
    return c.inputs[k].requiresGrad ? t.requiresGrad_(true) : t;
  });
  // GPU float32 math (exp, tanh, erf approximations) differs from the CPU's in the last bits.
  const rtol = Math.max(c.rtol ?? 1e-4, 1e-3), atol = Math.max(c.atol ?? 1e-5, 1e-4);
  try {
    const r = f(my, ...inputs);
    const outs = Array.isArray(r) ? r : [r];
    assert.equal(outs.length, c.out.length, "number of outputs");
    for (let i = 0; i < outs.length; i++) {
      assert.deepEqual(outs[i].shape, c.out[i].shape, `output ${i} shape`);
      assert.equal(outs[i].dtype, c.out[i].dtype, `output ${i} dtype`);
      close(await outs[i].dataAsync(), c.out[i], rtol, atol, `output ${i}`);
    }
    if (c.grads && c.cot) {
      const diff = names.filter((k) => c.inputs[k].requiresGrad);
      const dIn = diff.map((k) => inputs[names.indexOf(k)]);
      const cots = c.cot.map((e) => decode(e).to("webgpu"));
      const loss = outs.reduce((acc: Tensor, o, i) => (o.requiresGrad ? acc.add(o.mul(cots[i]).sum()) : acc), my.zeros([], { device: "webgpu" }));
      const grads = my.grad(loss, dIn, { allowUnused: true });
      for (let i = 0; i < diff.length; i++) {
        const e = c.grads[diff[i]], g = grads[i];
        if (e === null || (!g && e.data.every((v) => v === 0))) continue;
        assert.ok(g, `grad ${i}: expected a gradient, got none`);
        close(await g.dataAsync(), e, rtol, atol, `grad ${i}`);
      }
    }
  } catch (e) {
    if (!UNSUPPORTED.test((e as Error).message)) throw e;
    unsupported.push(`${file}: ${c.name}`);
  }
}

for (const file of files) {
  const fx = loadFixture<{ cases: Case[] }>(file);
  test(`${file} on webgpu`, { skip }, async () => {
    const failures: string[] = [];
    for (const c of fx.cases) {
      // Argument checks (PyTorch's errors) are device-independent and run on the CPU; float64 has no GPU storage.
      if (c.error !== undefined || Object.values(c.inputs).some((e) => e.dtype === "float64")) continue;
      try {
        await replay(file, c);
      } catch (e) {
        failures.push(`${c.name}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    assert.deepEqual(failures, [], `cases whose GPU result differs from PyTorch's:\n${failures.join("\n")}`);
  });
}

test("docs/webgpu-ops.md lists exactly the fixture cases without a GPU path", { skip }, () => {
  const measured = unsupported.sort();
  if (process.env.MYELIN_WRITE_WEBGPU_OPS) {
    const text = readFileSync(LIST, "utf8");
    const head = text.slice(0, text.indexOf("<!-- cases -->") + "<!-- cases -->".length);
    writeFileSync(LIST, `${head}\n${measured.map((m) => `- ${m}`).join("\n")}\n`);
    return;
  }
  const listed = readFileSync(LIST, "utf8").split("<!-- cases -->")[1].split("\n").filter((l) => l.startsWith("- ")).map((l) => l.slice(2)).sort();
  assert.deepEqual(measured, listed, "docs/webgpu-ops.md must list exactly the fixture cases without a GPU path (regenerate with MYELIN_WRITE_WEBGPU_OPS=1)");
});
