// The op table (scripts/op-table.mjs): the committed generated files match it, and every
// op it gives a wasm or native kernel runs there (forced routing) and agrees with the JS
// reference: a table entry without its AssemblyScript case traps, one without its C++
// case fails to compile or throws, a wrong op code gives another op's values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { jsBackend } from "../../src/backends/js/index.js";
import { wasmBackend } from "../../src/backends/wasm/index.js";
import { nativeBackend } from "../../src/backends/native/index.js";
import { setRouting } from "../../src/backends/layer.js";
import { THRESHOLDS, type BinaryOp, type ReduceOp, type UnaryOp } from "../../src/backends/ops.generated.js";
import type { Backend } from "../../src/backends/backend.js";
import { randArray, rng } from "./wasm-util.js";

test("the generated op files are up to date with scripts/op-table.mjs", () => {
  const r = spawnSync(process.execPath, ["scripts/gen-ops.mjs", "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

setRouting("always");
const r = rng(7);
const w = wasmBackend();
const backends: [string, Backend | null][] = [["wasm", w], ["native", nativeBackend(w ?? jsBackend)]];

/** Equal within float32 rounding of transcendental kernels (relative 2e-6, absolute 1e-7); NaN where JS has NaN. */
function close(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i], e = want[i];
    if (Number.isNaN(e)) { assert.ok(Number.isNaN(g), `${what}[${i}]: expected NaN, got ${g}`); continue; }
    if (!Number.isFinite(e)) { assert.equal(g, e, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(g - e) <= 2e-6 * Math.abs(e) + 1e-7, `${what}[${i}]: got ${g}, JS gives ${e}`);
  }
}

for (const [name, b] of backends) {
  const skip = b ? false : `${name} backend unavailable here`;
  const t = THRESHOLDS[name as "wasm" | "native"];
  for (const op of Object.keys(t.unary) as UnaryOp[]) {
    test(`${name} runs its table kernel for unary ${op} and agrees with JS`, { skip }, () => {
      const x = randArray(r, 37).map((v) => 3 * v);
      x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; x[3] = 0;
      if (op === "log" || op === "sqrt" || op === "rsqrt") for (let i = 4; i < x.length; i++) x[i] = Math.abs(x[i]) + 0.1;
      const got = new Float32Array(x.length), want = new Float32Array(x.length);
      b!.unary(op, x, got);
      jsBackend.unary(op, x, want);
      close(got, want, `${name} ${op}`);
    });
  }
  for (const op of Object.keys(t.binary) as BinaryOp[]) {
    test(`${name} runs its table kernel for binary ${op} and agrees with JS`, { skip }, () => {
      const a = randArray(r, 6 * 7).map((v) => 3 * v), c = randArray(r, 7).map((v) => 3 * v);
      a[0] = NaN; c[1] = NaN; c[2] = 0;
      const got = new Float32Array(a.length), want = new Float32Array(a.length);
      b!.binary(op, a, [6, 7], c, [7], got, [6, 7]);
      jsBackend.binary(op, a, [6, 7], c, [7], want, [6, 7]);
      close(got, want, `${name} ${op}`);
    });
  }
  for (const op of Object.keys(t.reduce) as ReduceOp[]) {
    test(`${name} runs its table kernel for reduce ${op} and agrees with JS`, { skip }, () => {
      const x = randArray(r, 3 * 5 * 4);
      const got = new Float32Array(12), want = new Float32Array(12);
      b!.reduce(op, x, 3, 5, 4, got);
      jsBackend.reduce(op, x, 3, 5, 4, want);
      close(got, want, `${name} ${op}`);
    });
  }
}
