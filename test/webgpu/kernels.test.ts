// The WGSL kernels against the CPU reference kernels (src/backends/js) and float64
// sums, on whatever WebGPU adapter exists; on a machine without a GPU, SwiftShader
// (Debian's chromium package). Skips with the reason when no adapter can be found.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { webgpu, webgpuKernels as K } from "../../src/backends/webgpu/index.js";
import { close, randn, skip } from "./gpu-test-util.js";
import { releaseWhenCollected } from "../../src/backends/webgpu/pool.js";
import { unary as cpuUnary, binary as cpuBinary } from "../../src/backends/js/elementwise.js";
import type { BinaryOp, UnaryOp } from "../../src/backends/backend.js";

const DOMAIN: Partial<Record<UnaryOp, [number, number]>> = {
  log: [0.01, 10], sqrt: [0, 10], rsqrt: [0.01, 10], log1p: [-0.9, 10], reciprocal: [0.1, 5], tan: [-1.2, 1.2],
  exp: [-20, 20], expm1: [-5, 5], sin: [-3, 3], cos: [-3, 3],
};
/** WGSL's accuracy: sin/cos to 2^-11 absolute in [-pi, pi], tan derived from them; the rest within a few ULP. */
const TOL: Partial<Record<UnaryOp, [number, number]>> = { sin: [0, 5e-4], cos: [0, 5e-4], tan: [2e-3, 5e-4] };

test("webgpu: adapter info names the adapter", { skip }, () => {
  const info = webgpu.adapterInfo()!;
  assert.equal(typeof info.description, "string");
  assert.ok(webgpu.isAvailable());
});

test("webgpu: every unary kernel equals the CPU kernel (incl. NaN, ±inf, ±0)", { skip }, async () => {
  const specials = [NaN, Infinity, -Infinity, 0, -0, 0.5, 1.5, 2.5, -2.5];
  for (const op of K.unaryOpNames()) {
    const [lo, hi] = DOMAIN[op] ?? [-4, 4];
    const x = Float32Array.from([...randn(300, lo, hi), ...(DOMAIN[op] ? [] : specials)]);
    const want = new Float32Array(x.length);
    cpuUnary(op, x, want);
    const out = K.unary(op, K.viewOf(K.upload(x), [x.length]));
    const [rtol, atol] = TOL[op] ?? [2e-5, 2e-6];
    close(await K.readFloat32(out, x.length), want, rtol, atol, op);
  }
});

test("webgpu: binary kernels broadcast [3,1,5] with [4,1], and read a transposed view", { skip }, async () => {
  const a = randn(15), b = randn(4, 0.5, 2);
  a[3] = NaN; a[7] = 0; // NaN counts as nonzero in the logical ops
  b[1] = 0;
  const ops: BinaryOp[] = K.binaryOpNames();
  for (const op of ops) {
    const out = K.binary(op, K.viewOf(K.upload(a), [3, 1, 5]), K.viewOf(K.upload(b), [4, 1]), [3, 4, 5]);
    const want = new Float32Array(60);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) {
      const r = new Float32Array(1);
      cpuBinary(op, Float32Array.of(a[i * 5 + k]), [1], Float32Array.of(b[j]), [1], r, [1]);
      want[(i * 4 + j) * 5 + k] = r[0];
    }
    close(await K.readFloat32(out, 60), want, 2e-5, 2e-6, op);
  }
  // a [2, 3] seen as its transpose [3, 2] (strides [1, 3]) plus a row [2]
  const m = Float32Array.of(1, 2, 3, 4, 5, 6);
  const t = { buffer: K.upload(m), shape: [3, 2], strides: [1, 3], offset: 0 };
  const out = K.binary("add", t, K.viewOf(K.upload(Float32Array.of(10, 20)), [2]), [3, 2]);
  assert.deepEqual([...(await K.readFloat32(out, 6))], [11, 24, 12, 25, 13, 26]);
});

function refMatmul(a: Float32Array, b: Float32Array, M: number, N: number, K_: number, ta = false): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K_; k++) s += (ta ? a[k * M + i] : a[i * K_ + k]) * b[k * N + j];
    c[i * N + j] = s;
  }
  return c;
}

test("webgpu: matmul on shapes off the tiles, transposed A, batch-broadcast B, in both GEMM forms", { skip }, async () => {
  for (const style of ["tiled", "direct"] as const) {
    K.setGemmStyle(style);
    await matmulCases(style);
  }
  K.setGemmStyle(null);
});

async function matmulCases(style: string): Promise<void> {
  for (const [M, N, Kd] of [[1, 1, 1], [70, 130, 33], [64, 64, 64], [5, 200, 300], [33, 35, 2]]) {
    const a = randn(M * Kd), b = randn(Kd * N);
    const c = K.matmul(K.operand(K.upload(a), M, Kd), K.operand(K.upload(b), Kd, N), 1, M, N, Kd);
    close(await K.readFloat32(c, M * N), refMatmul(a, b, M, N, Kd), 1e-4, 1e-4, `${style} matmul ${M}x${Kd}x${N}`);
  }
  // A stored as [K, M] read transposed; 3 batches of A against one shared B (batch stride 0).
  const M = 9, N = 7, Kd = 20, batch = 3;
  const a = randn(batch * Kd * M), b = randn(Kd * N);
  const c = K.matmul(K.operand(K.upload(a), Kd, M, true), K.operand(K.upload(b), Kd, N, false, false), batch, M, N, Kd);
  const got = await K.readFloat32(c, batch * M * N);
  for (let i = 0; i < batch; i++) {
    const want = refMatmul(a.subarray(i * Kd * M, (i + 1) * Kd * M), b, M, N, Kd, true);
    close(got.subarray(i * M * N, (i + 1) * M * N), want, 1e-4, 1e-4, `${style} batch ${i}`);
  }
}

test("webgpu: sum/mean/max/min/prod over the middle axis and a 100k-element full sum", { skip }, async () => {
  const [outer, R, inner] = [3, 37, 4];
  const x = randn(outer * R * inner, 0.9, 1.1);
  for (const op of ["sum", "mean", "max", "min", "prod"] as const) {
    const want = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let acc = op === "prod" ? 1 : op === "max" ? -Infinity : op === "min" ? Infinity : 0;
      for (let r = 0; r < R; r++) {
        const v = x[(o * R + r) * inner + i];
        acc = op === "prod" ? acc * v : op === "max" ? Math.max(acc, v) : op === "min" ? Math.min(acc, v) : acc + v;
      }
      want[o * inner + i] = op === "mean" ? acc / R : acc;
    }
    close(await K.readFloat32(K.reduce(op, K.upload(x), outer, R, inner), outer * inner), want, 1e-5, 1e-6, op);
  }
  const big = randn(100_000);
  const s = big.reduce((p, v) => p + v, 0);
  close(await K.readFloat32(K.reduce("sum", K.upload(big), 1, big.length, 1), 1), [s], 1e-5, 1e-3, "full sum");
  const withNan = Float32Array.of(1, NaN, 3);
  assert.ok(Number.isNaN((await K.readFloat32(K.reduce("max", K.upload(withNan), 1, 3, 1), 1))[0]), "max propagates NaN");
});

test("webgpu: softmax and logSoftmax rows equal the float64 formula, also for huge logits", { skip }, async () => {
  const rows = 5, n = 300;
  const x = randn(rows * n, -10, 10);
  x[7] = 1000; // exp(1000) overflows without the max shift
  for (const log of [false, true]) {
    const want = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * n, (r + 1) * n);
      const m = Math.max(...row);
      const s = row.reduce((p, v) => p + Math.exp(v - m), 0);
      for (let i = 0; i < n; i++) want[r * n + i] = log ? row[i] - m - Math.log(s) : Math.exp(row[i] - m) / s;
    }
    close(await K.readFloat32(K.softmax(K.upload(x), rows, n, log), rows * n), want, 1e-5, 1e-6, log ? "logSoftmax" : "softmax");
  }
});

test("webgpu: dispatches are batched into one submit until a read", { skip }, async () => {
  const x = K.viewOf(K.upload(randn(1000)), [1000]);
  const before = K.batchStats().submits;
  let y = x;
  for (let i = 0; i < 20; i++) y = K.viewOf(K.unary("neg", y), [1000]);
  assert.equal(K.batchStats().submits, before, "no submit while encoding");
  assert.equal(K.batchStats().pending >= 20, true);
  await K.readFloat32(y.buffer, 1000);
  assert.equal(K.batchStats().submits, before + 1, "one submit for 20 kernels and the read");
});

test("webgpu: buffers of collected owners return to the pool and memory stays flat", { skip }, async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const data = randn(4096);
  const perCycle = 200, cycleBytes = perCycle * 4 * 4096;
  const cycle = async () => {
    for (let i = 0; i < perCycle; i++) releaseWhenCollected({}, K.upload(data), {});
    // Finalizers run in later tasks, and on a busy machine not all in the first one.
    for (let k = 0; k < 5; k++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    webgpu.flush();
  };
  const total = () => webgpu.memory().liveBytes + webgpu.memory().pooledBytes;
  for (let c = 0; c < 3; c++) await cycle();
  const early = total();
  for (let c = 0; c < 9; c++) await cycle();
  // A leak would add a cycle's worth (3.3 MB) per cycle: 30 MB over these 9; late
  // finalizers may hold back at most about one cycle at any moment.
  assert.ok(total() - early <= 2 * cycleBytes, `GPU memory grew from ${early} to ${total()} bytes over 9 cycles`);
  assert.ok(webgpu.memory().liveBytes <= 2 * cycleBytes + early, "collected owners' buffers stay live");
});
