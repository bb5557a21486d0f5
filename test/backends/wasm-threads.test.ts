// Worker-pool GEMM: 2 threads give bitwise the same result as 1 thread for every
// split mode (batch, columns, rows) and transposition, the pool really ran (counter),
// and a process that used the pool still exits on its own (workers are unref'd).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gemmStats } from "../../src/backends/wasm/matmul.js";
import { setWasmRouting, setWasmThreads, wasmBackend, wasmThreadsReady } from "../../src/backends/wasm/index.js";
import { assertGemmClose, randArray, refMatmul, rng } from "./wasm-util.js";

const w = wasmBackend();
const skip = w ? false : "wasm unavailable in this runtime";
// Split even small products so the shapes below stay cheap.
setWasmRouting("always");

test("wasm matmul: 2 threads are bitwise identical to 1 thread (batch, column and row splits)", { skip }, async () => {
  setWasmThreads(2);
  await wasmThreadsReady();
  const r = rng(7);
  // [batch, m, n, k]: batch split; column split (wide n); row split (n < 2 tiles per thread);
  // whole batch items per task (batch >= 2 x threads).
  const shapes = [[3, 48, 64, 300], [1, 37, 1000, 130], [1, 1000, 9, 257], [1, 129, 131, 257], [6, 20, 24, 40]];
  for (const [batch, m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = randArray(r, batch * m * k), b = randArray(r, batch * k * n);
        const o1 = new Float32Array(batch * m * n), o2 = new Float32Array(batch * m * n).fill(NaN);
        setWasmThreads(1);
        w!.matmul(a, b, o1, batch, m, n, k, transA, transB, m * k, k * n);
        setWasmThreads(2);
        const before = gemmStats.parallel;
        w!.matmul(a, b, o2, batch, m, n, k, transA, transB, m * k, k * n);
        const what = `b${batch} m${m} n${n} k${k} tA=${transA} tB=${transB}`;
        assert.equal(gemmStats.parallel, before + 1, `${what}: expected the product to run on the pool`);
        for (let i = 0; i < o1.length; i++) if (!Object.is(o1[i], o2[i])) assert.fail(`${what} [${i}]: 1 thread ${o1[i]} vs 2 threads ${o2[i]}`);
        assertGemmClose(o2, refMatmul(a, b, batch, m, n, k, transA, transB, m * k, k * n), k, what);
      }
    }
  }
});

test("a process that used the worker pool exits by itself", { skip }, () => {
  const mod = fileURLToPath(new URL("../../src/backends/wasm/index.ts", import.meta.url));
  const script = `
    import { setWasmThreads, wasmBackend, wasmThreadsReady } from ${JSON.stringify(mod)};
    setWasmThreads(2); await wasmThreadsReady();
    const n = 256, a = new Float32Array(n * n).fill(1), o = new Float32Array(n * n);
    wasmBackend().matmul(a, a, o, 1, n, n, n, false, false, 0, 0);
    console.log("sum", o[0] + o[n * n - 1]);`;
  const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { timeout: 30000, encoding: "utf8" });
  assert.equal(res.signal, null, `child was killed (${res.signal}): the pool kept it alive; stderr: ${res.stderr}`);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /sum 512/);
});
