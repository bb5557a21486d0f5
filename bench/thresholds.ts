/**
 * Measures where routing a float32 kernel to wasm (copy in, SIMD kernel, copy out)
 * beats the JS reference, per op and size. Its output informs the wasm thresholds in
 * the op table, scripts/op-table.mjs. Run: node --import tsx bench/thresholds.ts
 */
import { jsBackend } from "../src/backends/js/index.js";
import { loadRuntime } from "../src/backends/wasm/runtime.js";
import { wasmUnary, wasmBinary } from "../src/backends/wasm/elementwise.js";
import { wasmReduce } from "../src/backends/wasm/reduce.js";
import { BINARY_CODE, REDUCE_CODE, THRESHOLDS, UNARY_CODE } from "../src/backends/ops.generated.js";
import { wasmMatmul } from "../src/backends/wasm/matmul.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../src/backends/backend.js";

const rt = loadRuntime();
if (!rt) { console.log("wasm unavailable"); process.exit(0); }

function rnd(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 4 - 2 + 0.01;
  return a;
}

/** Best-of-5 ns per call. */
function time(f: () => void, n: number): number {
  const reps = Math.max(3, Math.min(20000, Math.round(2e6 / Math.max(n, 1))));
  for (let i = 0; i < reps; i++) f();
  let best = Infinity;
  for (let t = 0; t < 5; t++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / reps);
  }
  return best;
}

const sizes = [16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const row = (name: string, r: number[]) => console.log(name.padEnd(16) + r.map((v) => v.toFixed(2).padStart(7)).join(""));
console.log("ratio js_time / wasm_time (>1: wasm faster); columns: " + sizes.join(" "));
for (const op of Object.keys(THRESHOLDS.wasm.unary) as UnaryOp[]) {
  row(op, sizes.map((n) => {
    const x = rnd(n), o = new Float32Array(n);
    return time(() => jsBackend.unary(op, x, o), n) / time(() => wasmUnary(rt, UNARY_CODE[op], x, o), n);
  }));
}
for (const op of Object.keys(THRESHOLDS.wasm.binary) as BinaryOp[]) {
  row(op, sizes.map((n) => {
    const a = rnd(n), b = rnd(n), o = new Float32Array(n);
    return time(() => jsBackend.binary(op, a, [n], b, [n], o, [n]), n) / time(() => wasmBinary(rt, BINARY_CODE[op], a, [n], b, [n], o, [n]), n);
  }));
}
row("add row-bcast", sizes.map((n) => {
  const c = Math.min(n, 64), r = n / c;
  const a = rnd(n), b = rnd(c), o = new Float32Array(n);
  return time(() => jsBackend.binary("add", a, [r, c], b, [c], o, [r, c]), n) / time(() => wasmBinary(rt, 0, a, [r, c], b, [c], o, [r, c]), n);
}));
for (const op of Object.keys(THRESHOLDS.wasm.reduce) as ReduceOp[]) {
  row(op + " rows", sizes.map((n) => {
    const x = rnd(n), o = new Float32Array(16), r = n / 16;
    return time(() => jsBackend.reduce(op, x, 16, r, 1, o), n) / time(() => wasmReduce(rt, REDUCE_CODE[op], x, 16, r, 1, o), n);
  }));
  row(op + " cols", sizes.map((n) => {
    const x = rnd(n), inner = Math.min(n, 64), r = n / inner, o = new Float32Array(inner);
    return time(() => jsBackend.reduce(op, x, 1, r, inner, o), n) / time(() => wasmReduce(rt, REDUCE_CODE[op], x, 1, r, inner, o), n);
  }));
}
const dims = [2, 4, 8, 16, 32, 64];
console.log("matmul n x n x n, columns: " + dims.join(" "));
row("matmul", dims.map((d) => {
  const a = rnd(d * d), b = rnd(d * d), o = new Float32Array(d * d);
  return time(() => jsBackend.matmul(a, b, o, 1, d, d, d, false, false, 0, 0), d * d * d / 4) /
    time(() => wasmMatmul(rt, null, 1, a, b, o, 1, d, d, d, false, false, 0, 0), d * d * d / 4);
}));
