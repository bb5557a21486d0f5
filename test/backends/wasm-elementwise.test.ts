// wasm unary/binary/reduce parity: each float32 kernel vs the float64 definition
// (Math.*) within a few float32 ulps, IEEE special values, broadcasting patterns
// (scalar, row, column, [B,C,1,1], non-coalescible 3-D fallback), edge sizes, and vs
// the JS backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../../src/backends/backend.js";
import { randArray, rng } from "./wasm-util.js";

const w = wasmBackend();
setWasmRouting("always");
const skip = w ? false : "wasm unavailable in this runtime";
const r = rng(99);

const U = 2 ** -24;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const UNARY: [UnaryOp, (x: number) => number, number][] = [
  // op, float64 definition, allowed error in units of float32 rounding (relative)
  ["neg", (x) => -x, 0], ["abs", Math.abs, 0], ["sqrt", Math.sqrt, 1], ["rsqrt", (x) => 1 / Math.sqrt(x), 3],
  ["square", (x) => x * x, 1], ["reciprocal", (x) => 1 / x, 1], ["relu", (x) => (x > 0 ? x : x !== x ? x : 0), 0],
  ["step", (x) => (x > 0 ? 1 : 0), 0], ["exp", Math.exp, 8], ["log", Math.log, 8], ["tanh", Math.tanh, 8], ["sigmoid", sigmoid, 8],
];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-30, 88.7, 88.8, -87.5, -103, -104, -120, 0.625, -0.625, 9.5, 1, -1, 3e38];

function checkUnary(op: UnaryOp, f: (x: number) => number, ulps: number, x: Float32Array, got: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]), ef = Math.fround(e);
    const g = got[i];
    if (Number.isNaN(e)) { assert.ok(Number.isNaN(g), `${op}(${x[i]}): expected NaN, got ${g}`); continue; }
    if (!Number.isFinite(ef)) { assert.equal(g, ef, `${op}(${x[i]})`); continue; }
    // Relative ulps, plus one float32 denormal step of absolute slack at the underflow edge.
    const tol = (ulps + 0.5) * U * Math.abs(e) * 2 + 1.5e-45;
    assert.ok(Math.abs(g - e) <= tol, `${op}(${x[i]}): got ${g}, expected ${e} (|diff| ${Math.abs(g - e)} > ${tol})`);
  }
}

for (const [op, f, ulps] of UNARY) {
  test(`wasm unary ${op}: random, wide-range and special values vs float64 Math`, { skip }, () => {
    for (const n of [0, 1, 3, 7, 13, 1000]) {
      const x = randArray(r, n);
      for (let i = 0; i < n; i++) x[i] *= i % 3 === 0 ? 1 : i % 3 === 1 ? 20 : 110;
      if (op === "log" || op === "sqrt" || op === "rsqrt") for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]) * (i % 2 ? 1e-3 : 1e3);
      const got = new Float32Array(n).fill(12345);
      w!.unary(op, x, got);
      checkUnary(op, f, ulps, x, got);
      const js = new Float32Array(n);
      jsBackend.unary(op, x, js);
      checkUnary(op, f, ulps, x, js);
    }
    const sp = Float32Array.from(SPECIAL);
    const got = new Float32Array(sp.length);
    w!.unary(op, sp, got);
    checkUnary(op, f, ulps, sp, got);
  });
}

const BIN: [BinaryOp, (a: number, b: number) => number][] = [
  ["add", (a, b) => a + b], ["sub", (a, b) => a - b], ["mul", (a, b) => a * b], ["div", (a, b) => a / b],
  ["maximum", (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b))], ["minimum", (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b))],
];
/** [aShape, bShape] pairs covering the 2-D fast paths and a fallback. */
const SHAPES: [number[], number[]][] = [
  [[0], [0]], [[1], [1]], [[7], [7]], [[31, 13], [31, 13]], [[13, 7], []], [[], [5, 3]], [[1], [9]], [[4, 13], [13]], [[13], [4, 13]],
  [[6, 1], [6, 7]], [[6, 7], [6, 1]], [[2, 3, 1, 1], [2, 3, 5, 5]], [[2, 3, 5, 5], [3, 1, 1]], [[3, 1, 5], [1, 4, 1]], [[2, 1, 3, 1], [1, 5, 1, 7]],
];

function bshape(a: number[], b: number[]): number[] {
  const nd = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1, db = b[b.length - nd + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

for (const [op, f] of BIN) {
  test(`wasm binary ${op}: broadcasting patterns vs float64 definition (exact after rounding) and JS`, { skip }, () => {
    for (const [as, bs] of SHAPES) {
      const os = bshape(as, bs);
      const na = as.reduce((p, d) => p * d, 1), nb = bs.reduce((p, d) => p * d, 1), no = os.reduce((p, d) => p * d, 1);
      const a = randArray(r, na), b = randArray(r, nb);
      if (na > 2) { a[0] = NaN; a[1] = Infinity; }
      const got = new Float32Array(no).fill(12345), js = new Float32Array(no);
      w!.binary(op, a, as, b, bs, got, os);
      jsBackend.binary(op, a, as, b, bs, js, os);
      // Reference by explicit index arithmetic over the broadcast.
      const stride = (s: number[]) => { const st = new Array(os.length).fill(0); let acc = 1; for (let i = s.length - 1; i >= 0; i--) { const d = os.length - s.length + i; st[d] = s[i] === 1 ? 0 : acc; acc *= s[i]; } return st; };
      const sa = stride(as), sb = stride(bs);
      for (let o = 0; o < no; o++) {
        let rem = o, ia = 0, ib = 0;
        for (let d = os.length - 1; d >= 0; d--) { const c = rem % os[d]; rem = Math.floor(rem / os[d]); ia += c * sa[d]; ib += c * sb[d]; }
        const e = Math.fround(f(a[ia], b[ib]));
        const msg = `${op} [${as}] x [${bs}] at ${o}`;
        if (Number.isNaN(e)) assert.ok(Number.isNaN(got[o]) && Number.isNaN(js[o]), `${msg}: expected NaN, got ${got[o]}/${js[o]}`);
        else { assert.equal(got[o], e, msg); assert.equal(js[o], e, `${msg} (js)`); }
      }
    }
  });
}

const RED: [ReduceOp, (v: number[]) => number][] = [
  ["sum", (v) => v.reduce((s, x) => s + x, 0)],
  ["max", (v) => (v.some((x) => x !== x) ? NaN : Math.max(...v))],
  ["min", (v) => (v.some((x) => x !== x) ? NaN : Math.min(...v))],
];
for (const [op, f] of RED) {
  test(`wasm reduce ${op}: rows and columns of [outer, r, inner], NaN propagation, vs float64 definition`, { skip }, () => {
    for (const [outer, rr, inner] of [[1, 1, 1], [1, 7, 1], [3, 13, 1], [2, 1000, 1], [1, 5, 13], [3, 31, 7], [2, 4, 64], [1, 1, 9]]) {
      const x = randArray(r, outer * rr * inner);
      if (outer > 2) x[rr * inner + 1] = NaN;
      const got = new Float32Array(outer * inner).fill(12345), js = new Float32Array(outer * inner);
      w!.reduce(op, x, outer, rr, inner, got);
      jsBackend.reduce(op, x, outer, rr, inner, js);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const vals: number[] = [];
          for (let j = 0; j < rr; j++) vals.push(x[(o * rr + j) * inner + i]);
          const e = f(vals), g = got[o * inner + i];
          const msg = `${op} [${outer},${rr},${inner}] at ${o},${i}`;
          if (Number.isNaN(e)) { assert.ok(Number.isNaN(g), `${msg}: expected NaN, got ${g}`); continue; }
          // Sums: float32 accumulation bound r*u*sum|x|; extremes are exact.
          const tol = op === "sum" ? (rr + 1) * U * 2 * vals.reduce((s, v) => s + Math.abs(v), 0) : 0;
          assert.ok(Math.abs(g - e) <= tol, `${msg}: got ${g}, expected ${e}`);
          assert.ok(Math.abs(js[o * inner + i] - e) <= tol, `${msg} (js): got ${js[o * inner + i]}, expected ${e}`);
        }
      }
    }
  });
}

test("wasm elementwise: float64/int32 inputs and other ops fall back to JS", { skip }, () => {
  const out = new Float64Array(3);
  w!.unary("exp", Float64Array.of(0, 1, 2), out);
  assert.deepEqual(Array.from(out), [1, Math.E, Math.exp(2)]);
  const o32 = new Float32Array(3);
  w!.binary("pow", Float32Array.of(2, 3, 4), [3], Float32Array.of(2), [1], o32, [3]);
  assert.deepEqual(Array.from(o32), [4, 9, 16]);
  const oi = new Int32Array(2);
  w!.reduce("sum", Int32Array.of(1, 2, 3, 4), 2, 2, 1, oi);
  assert.deepEqual(Array.from(oi), [3, 7]);
});
