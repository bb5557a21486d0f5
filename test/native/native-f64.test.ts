// Native float64 kernels (native/f64.cc): the DGEMM against a float64 triple loop
// computed here (every transpose combination, batches with broadcast operands, sizes
// off the 4x8 tile and past the 256-deep block), the fused LSTM cell against its
// equations, and through the routing: float64 LSTMCell training gradients against
// central differences and against the JS backend. Skips without the addon.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { setRouting } from "../../src/backends/layer.js";
import { randArray, rng } from "../backends/wasm-util.js";
import * as my from "../../src/index.js";
import { assertClose, gradcheck } from "../helpers.js";

const addon = await loadNativeAddon();
const skip = addon?.dgemm ? false : "native addon unavailable or built before the float64 kernels";
const r = rng(5);
const rand64 = (n: number) => Float64Array.from(randArray(r, n));

function ref(A: Float64Array, B: Float64Array, batch: number, m: number, n: number, k: number, ta: boolean, tb: boolean, sa: number, sb: number): Float64Array {
  const C = new Float64Array(batch * m * n);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[b * sa + (ta ? p * m + i : i * k + p)] * B[b * sb + (tb ? j * k + p : p * n + j)];
        C[b * m * n + i * n + j] = s;
      }
  return C;
}

test("native dgemm equals a float64 triple loop: transposes, batch strides (0 = broadcast), edge and deep sizes", { skip }, () => {
  const sizes = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [9, 17, 3], [37, 70, 300], [64, 200, 51], [5, 3, 0]];
  for (const [m, n, k] of sizes) for (const ta of [false, true]) for (const tb of [false, true]) for (const [batch, bcA, bcB] of [[1, false, false], [3, false, true], [2, true, false]] as const) {
    const sa = bcA ? 0 : m * k, sb = bcB ? 0 : k * n;
    const A = rand64((bcA ? 1 : batch) * m * k), B = rand64((bcB ? 1 : batch) * k * n);
    const C = new Float64Array(batch * m * n).fill(NaN);
    addon!.dgemm!(A, B, C, batch, m, n, k, ta, tb, sa, sb);
    const want = ref(A, B, batch, m, n, k, ta, tb, sa, sb);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(C[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `m${m} n${n} k${k} ta${ta} tb${tb} batch${batch}[${i}]: ${C[i]} vs ${want[i]}`);
  }
  assert.throws(() => addon!.dgemm!(new Float64Array(3), new Float64Array(4), new Float64Array(4), 1, 2, 2, 2, false, false, 0, 0), /dgemm: array too small/);
  assert.throws(() => addon!.dgemm!(new Float32Array(4) as unknown as Float64Array, new Float64Array(4), new Float64Array(4), 1, 2, 2, 2, false, false, 0, 0), /Float64Array/);
});

test("native float64 add/sub/mul/div over broadcast plans equal the JS reference bit for bit (NaN, ±Infinity, ±0 included)", { skip }, () => {
  const be = makeNativeBackend(jsBackend, addon!);
  setRouting("always");
  try {
    const shapes: [number[], number[]][] = [[[7, 9], [7, 9]], [[7, 9], [9]], [[7, 1], [1, 9]], [[3, 4, 5], [4, 1]], [[5], []], [[2, 3, 4, 5], [2, 1, 4, 1]]];
    for (const [as, bs] of shapes) for (const op of ["add", "sub", "mul", "div"] as const) {
      const outShape = as.length >= bs.length ? as.map((d, i) => Math.max(d, bs[i - (as.length - bs.length)] ?? 1)) : bs;
      const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = rand64(n(as)), b = rand64(n(bs));
      [NaN, Infinity, -Infinity, 0, -0].forEach((v, i) => { if (i < a.length) a[i] = v; if (i + 1 < b.length) b[i + 1] = v; });
      const got = new Float64Array(n(outShape)), want = new Float64Array(n(outShape));
      be.binary(op, a, as, b, bs, got, outShape);
      jsBackend.binary(op, a, as, b, bs, want, outShape);
      assert.deepEqual(Array.from(got), Array.from(want), `${op} ${JSON.stringify(as)} ${JSON.stringify(bs)}`);
    }
  } finally {
    setRouting("auto");
  }
});

test("native lstmCellF64 / lstmCellBackwardF64 follow the cell equations in float64", { skip }, () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  for (const [n, H, scale] of [[1, 1, 4], [3, 8, 4], [2, 13, 4], [2, 8, 900]]) { // 900: saturated gates (exp clamped) stay finite
    const pre = rand64(n * 4 * H).map((v) => v * scale), c0 = rand64(n * H);
    const gates = pre.slice(), h = new Float64Array(n * H), c = new Float64Array(n * H);
    addon!.lstmCellF64!(gates, c0, n, H, h, c, null);
    const gh = rand64(n * H), gc = rand64(n * H), dG = new Float64Array(n * 4 * H), dc0 = new Float64Array(n * H);
    addon!.lstmCellBackwardF64!(gates, c0, c, gh, gc, n, H, dG, dc0, null);
    for (let b = 0; b < n; b++) for (let j = 0; j < H; j++) {
      const at = (q: number) => pre[b * 4 * H + q * H + j], s = b * H + j;
      const i = sig(at(0)), f = sig(at(1)), g = Math.tanh(at(2)), o = sig(at(3));
      const cc = f * c0[s] + i * g, tc = Math.tanh(cc);
      assert.ok(Math.abs(c[s] - cc) < 1e-14 && Math.abs(h[s] - o * tc) < 1e-14 && Number.isFinite(h[s]), `forward n${n} H${H} [${s}]: ${h[s]} vs ${o * tc}`);
      const dc = gc[s] + gh[s] * o * (1 - tc * tc);
      const want = [dc * g * i * (1 - i), dc * c0[s] * f * (1 - f), dc * i * (1 - g * g), gh[s] * tc * o * (1 - o)];
      want.forEach((w, q) => assert.ok(Math.abs(dG[b * 4 * H + q * H + j] - w) < 1e-13, `dGates n${n} H${H} q${q} [${s}]`));
      assert.ok(Math.abs(dc0[s] - dc * f) < 1e-13, `dcPrev [${s}]`);
    }
  }
});

test("routing: float64 arrays at or above the threshold reach the float64 kernels, float32 and small calls do not", { skip }, () => {
  const calls: string[] = [];
  const a = addon!;
  // N-API properties are not enumerable: inherit them and override the two kernels.
  const spy = Object.create(a, {
    dgemm: { value: (...x: Parameters<NonNullable<typeof a.dgemm>>) => { calls.push("dgemm"); a.dgemm!(...x); } },
    lstmCellF64: { value: (...x: Parameters<NonNullable<typeof a.lstmCellF64>>) => { calls.push("cell"); a.lstmCellF64!(...x); } },
    binaryF64: { value: (...x: Parameters<NonNullable<typeof a.binaryF64>>) => { calls.push("binary"); a.binaryF64!(...x); } },
  }) as typeof a;
  const be = makeNativeBackend(jsBackend, spy);
  const [m, n, k] = [20, 20, 20]; // 8000 multiply-adds >= the 4096 threshold
  const A = rand64(m * k), B = rand64(k * n), C = new Float64Array(m * n);
  be.matmul(A, B, C, 1, m, n, k, false, false, 0, 0);
  assert.deepEqual(calls, ["dgemm"]);
  assertClose(Array.from(C), Array.from(ref(A, B, 1, m, n, k, false, false, 0, 0)), { atol: 1e-12 });
  be.matmul(rand64(8), rand64(8), new Float64Array(4), 1, 2, 2, 2, false, false, 0, 0); // 8 multiply-adds: JS
  be.matmul(new Float32Array(400), new Float32Array(400), new Float32Array(400), 1, 20, 20, 20, false, false, 0, 0);
  be.lstmCell(rand64(8), rand64(2), 1, 2, new Float64Array(2), new Float64Array(2), null);
  be.binary("mul", rand64(100), [10, 10], rand64(10), [10], new Float64Array(100), [10, 10]);
  be.binary("pow", rand64(100), [100], rand64(100), [100], new Float64Array(100), [100]); // no float64 kernel: JS
  be.binary("add", rand64(10), [10], rand64(10), [10], new Float64Array(10), [10]); // below 64 elements: JS
  assert.deepEqual(calls, ["dgemm", "cell", "binary"]);
});

test("float64 LSTMCell training through the native routing: gradients match central differences and the JS backend", { skip }, () => {
  my.setBackend("native");
  setRouting("always");
  try {
    my.manualSeed(3);
    const cell = new my.nn.LSTMCell(5, 6).double();
    const x = my.randn(4, 5, { dtype: "float64" }).requiresGrad_();
    const h0 = my.randn(4, 6, { dtype: "float64" }).requiresGrad_(), c0 = my.randn(4, 6, { dtype: "float64" }).requiresGrad_();
    const lin = my.randn(6, 7, { dtype: "float64" }).requiresGrad_();
    const f = (xx: my.Tensor, hh: my.Tensor, cc: my.Tensor, w: my.Tensor) => {
      const [h1, c1] = cell.forward(xx, [hh, cc]);
      const [h2] = cell.forward(xx.mul(0.5), [h1, c1]);
      return h2.matmul(w);
    };
    gradcheck(f, [x, h0, c0, lin], { atol: 1e-8, rtol: 1e-6 });
    const run = () => {
      for (const t of [x, h0, c0, lin, ...cell.parameters()]) t.grad = null;
      const out = f(x, h0, c0, lin);
      out.sum().backward();
      return [out, x.grad!, h0.grad!, lin.grad!, cell.weightHh.grad!].map((t) => Array.from(t.data() as Float64Array));
    };
    const native = run();
    my.setBackend("js");
    const js = run();
    native.forEach((v, i) => assertClose(v, js[i], { atol: 1e-12, rtol: 1e-10 }));
  } finally {
    setRouting("auto");
    my.setBackend("native");
  }
});
