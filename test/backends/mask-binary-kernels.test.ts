// Dropout-mask and native broadcast-binary kernels. Masks: every backend's draw equals
// calling Generator.nextUint32() once per element (the definition in core/random.ts)
// and leaves the generator where those calls would. Binary add/sub/mul/div on the
// native backend: bitwise equal to IEEE single-precision a op b computed here per
// element over PyTorch's broadcasting (same shape, scalar, row, column, 3-D, big arrays
// that split across threads), including NaN/inf operands.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, BinaryOp } from "../../src/backends/backend.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setWasmRouting, wasmBackend } from "../../src/backends/wasm/index.js";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { Generator } from "../../src/index.js";
import { randArray, rng } from "./wasm-util.js";

const addon = await loadNativeAddon();
setWasmRouting("always");
const native = addon?.binary ? makeNativeBackend(jsBackend, addon) : null;
const backends: [string, Backend | null][] = [["js", jsBackend], ["wasm", wasmBackend()], ["native", native]];

for (const [name, be] of backends) {
  test(`${name} bernoulliMask draws the generator's nextUint32 stream`, { skip: be ? false : `${name} unavailable` }, () => {
    // p = 0 and 1 give the extreme thresholds 0 and 2^32 - 1; 0.1 a fractional one.
    for (const [n, p] of [[1, 0.5], [7, 0.1], [100, 0.9], [5000, 0.25], [64, 0], [64, 1]] as const) {
      const g1 = new Generator(1234 + n), g2 = new Generator(1234 + n);
      const threshold = Math.min(p * 4294967296, 4294967295), keep = 1 / (1 - p);
      const st = g1.getState();
      const words = Uint32Array.of(st[0], st[1], st[2], st[3]);
      const out = new Float32Array(n);
      be!.bernoulliMask(words, threshold, keep, out);
      for (let i = 0; i < n; i++) {
        const want = g2.nextUint32() >= threshold ? Math.fround(keep) : 0;
        if (out[i] !== want) assert.fail(`n${n} p${p} [${i}]: got ${out[i]}, expected ${want}`);
      }
      st[0] = words[0]; st[1] = words[1]; st[2] = words[2]; st[3] = words[3];
      g1.setState(st);
      assert.equal(g1.nextUint32(), g2.nextUint32(), "state advanced by n draws");
    }
    // Thresholds outside [0, 2^32): a draw is never >= NaN or 2^32, always >= a negative one.
    for (const [threshold, kept] of [[NaN, false], [2 ** 32, false], [2 ** 40, false], [-5, true]] as const) {
      const out = new Float32Array(64).fill(7);
      be!.bernoulliMask(Uint32Array.of(1, 2, 3, 4), threshold, 2, out);
      assert.ok(out.every((v) => v === (kept ? 2 : 0)), `threshold ${threshold}: got ${out.slice(0, 4)}`);
    }
  });
}

const OPS: [BinaryOp, (a: number, b: number) => number][] = [
  ["add", (a, b) => a + b], ["sub", (a, b) => a - b], ["mul", (a, b) => a * b], ["div", (a, b) => a / b],
];
const SHAPES: [number[], number[]][] = [
  [[37], [37]], [[5, 7], [1]], [[1], [6, 9]], [[4, 33], [33]], [[4, 33], [4, 1]], [[3, 1, 5], [1, 4, 5]],
  [[2, 3, 17], [2, 1, 17]], [[700, 300], [300]], [[300, 700], [300, 1]], [[1 << 18], [1 << 18]],
];
const r = rng(99);

/** Broadcast reference: out index -> operand index. */
function bcastIndex(outShape: number[], shape: number[], idx: number): number {
  let rem = idx, off = 0, stride = 1;
  const strides: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = shape[i] === 1 ? 0 : stride; stride *= shape[i]; }
  for (let i = outShape.length - 1; i >= 0; i--) {
    const c = rem % outShape[i];
    rem = Math.floor(rem / outShape[i]);
    const j = i - (outShape.length - shape.length);
    if (j >= 0) off += c * strides[j];
  }
  return off;
}

test("native binary add/sub/mul/div equal a op b in float32 under broadcasting", { skip: native ? false : "native addon unavailable" }, () => {
  for (const [as, bs] of SHAPES) {
    const nd = Math.max(as.length, bs.length);
    const outShape = Array.from({ length: nd }, (_, i) => {
      const da = as[i - (nd - as.length)] ?? 1, db = bs[i - (nd - bs.length)] ?? 1;
      return Math.max(da, db);
    });
    const total = outShape.reduce((x, y) => x * y, 1);
    const a = randArray(r, as.reduce((x, y) => x * y, 1)), b = randArray(r, bs.reduce((x, y) => x * y, 1));
    [NaN, Infinity, -Infinity, 0, -0].forEach((v, i) => { if (i < a.length) a[i] = v; if (i + 1 < b.length) b[i + 1] = v; });
    for (const [op, f] of OPS) {
      const out = new Float32Array(total);
      native!.binary(op, a, as, b, bs, out, outShape);
      for (let i = 0; i < total; i++) {
        const want = Math.fround(f(a[bcastIndex(outShape, as, i)], b[bcastIndex(outShape, bs, i)]));
        if (!Object.is(out[i], want)) assert.fail(`${op} [${as}] with [${bs}] at ${i}: got ${out[i]}, expected ${want}`);
      }
    }
  }
});

test("native unary maps equal their definitions (exact for neg/abs/sqrt/square/relu/step, 2 ulp-ish for exp/tanh/sigmoid)", { skip: native && addon?.unary ? false : "native unary unavailable" }, () => {
  const defs: [import("../../src/backends/backend.js").UnaryOp, (x: number) => number, number][] = [
    ["neg", (x) => -x, 0], ["abs", Math.abs, 0], ["sqrt", Math.sqrt, 0], ["square", (x) => x * x, 0],
    ["relu", (x) => (x > 0 || Number.isNaN(x) ? x : 0), 0], ["step", (x) => (x > 0 ? 1 : 0), 0],
    ["exp", Math.exp, 3e-7], ["tanh", Math.tanh, 3e-7], ["sigmoid", (x) => 1 / (1 + Math.exp(-x)), 3e-7],
  ];
  for (const n of [1, 7, 8, 9, 100, 1 << 18]) {
    const x = randArray(r, n).map((v) => v * 30);
    [NaN, Infinity, -Infinity, 0, -0, 1e-40, 88.5, -103].forEach((v, i) => { if (i < n) x[i] = v; });
    for (const [op, f, tol] of defs) {
      const out = new Float32Array(n);
      native!.unary(op, x, out);
      for (let i = 0; i < n; i++) {
        const want = Math.fround(f(x[i]));
        if (tol === 0 || !Number.isFinite(want) || Number.isNaN(want)) {
          if (!Object.is(out[i], want) && !(want === 0 && out[i] === 0)) assert.fail(`${op}(${x[i]}) n${n}: got ${out[i]}, expected ${want}`);
        } else if (Math.abs(out[i] - want) > tol * Math.abs(want) + 1e-37) {
          assert.fail(`${op}(${x[i]}) n${n}: got ${out[i]}, expected ${want}`);
        }
      }
    }
  }
});

test("wasm reluBackward is g * (x > 0) element by element (NaN/inf gradients where x <= 0 give NaN)", { skip: wasmBackend() ? false : "wasm unavailable" }, () => {
  const w = wasmBackend()!;
  for (const n of [1, 3, 4, 5, 1000]) {
    const x = randArray(r, n), g = randArray(r, n);
    [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45].forEach((v, i) => { if (i < n) x[i] = v; });
    if (n > 20) { g[10] = NaN; x[10] = -1; g[11] = Infinity; x[11] = 0; g[12] = -Infinity; x[12] = 2; }
    const out = new Float32Array(n);
    w.reluBackward(x, g, out);
    for (let i = 0; i < n; i++) {
      const want = Math.fround(g[i] * (x[i] > 0 ? 1 : 0));
      if (!Object.is(out[i], want)) assert.fail(`n${n} [${i}] x=${x[i]} g=${g[i]}: got ${out[i]}, expected ${want}`);
    }
  }
});
