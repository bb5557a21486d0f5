// Native sum over the middle axis of [outer, r, inner]: against a float64 reference
// within the float32 bound, and bitwise equal to the wasm kernel (same summation order),
// for row sums (inner 1) with lengths around the 4-lane groups, column sums with widths
// around the 8-lane vectors, r = 1, and several outer blocks. Through the backend, sums
// below the size threshold and max/min go to the base backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { randArray, rng } from "../backends/wasm-util.js";

const addon = await loadNativeAddon();
const skip = addon?.reduceSum ? false : "native addon unavailable, built before reduceSum, or no AVX2";
const wasm = wasmBackend();
setWasmRouting("always");
const r = rng(21);
const SHAPES = [[1, 1, 1], [1, 5, 1], [3, 4, 1], [2, 1027, 1], [1, 1, 9], [2, 3, 7], [4, 17, 8], [3, 64, 33], [1, 1024, 512]];

test("native reduceSum: float64 reference, and bitwise the wasm kernel's order", { skip }, () => {
  for (const [outer, rr, inner] of SHAPES) {
    const x = randArray(r, outer * rr * inner).map((v) => v * 3);
    const out = new Float32Array(outer * inner);
    addon!.reduceSum!(x, outer, rr, inner, out);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let s = 0, abs = 0;
        for (let j = 0; j < rr; j++) { const v = x[(o * rr + j) * inner + i]; s += v; abs += Math.abs(v); }
        const got = out[o * inner + i];
        assert.ok(Math.abs(got - s) <= 1e-6 * rr * abs + 1e-30, `[${outer},${rr},${inner}] (${o},${i}): got ${got}, expected ${s}`);
      }
    }
    if (wasm) {
      const w = new Float32Array(outer * inner);
      wasm.reduce("sum", x, outer, rr, inner, w);
      for (let i = 0; i < w.length; i++) assert.ok(Object.is(w[i], out[i]), `[${outer},${rr},${inner}] [${i}]: wasm ${w[i]}, native ${out[i]}`);
    }
  }
});

test("native reduceSum rejects a short array and r = 0 with a RangeError naming the op", { skip }, () => {
  assert.throws(() => addon!.reduceSum!(new Float32Array(5), 2, 3, 1, new Float32Array(2)), { name: "RangeError", message: /reduceSum/ });
  assert.throws(() => addon!.reduceSum!(new Float32Array(4), 2, 0, 2, new Float32Array(4)), { name: "RangeError", message: /r < 1/ });
});

test("native backend reduce: sum, max and min agree with the JS reference at sizes on both sides of the threshold", { skip }, () => {
  const be = makeNativeBackend(jsBackend, addon!);
  for (const [outer, rr, inner] of [[2, 3, 7], [4, 64, 33], [1, 300, 1]]) {
    const x = randArray(r, outer * rr * inner);
    for (const op of ["sum", "max", "min"] as const) {
      const got = new Float32Array(outer * inner), want = new Float32Array(outer * inner);
      be.reduce(op, x, outer, rr, inner, got);
      jsBackend.reduce(op, x, outer, rr, inner, want);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `${op} [${outer},${rr},${inner}] [${i}]: got ${got[i]}, expected ${want[i]}`);
      }
    }
  }
});
