// Memory stays flat on the wasm backend: a small MLP trained for many steps with
// autograd (every hot kernel routed to wasm: matmul in all transpositions, tanh,
// broadcasting add, sums) leaves the wasm memory size unchanged after warm-up and the
// process RSS bounded, and still learns (the loss drops well below the starting loss
// of a target known in closed form).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as my from "../../src/index.js";
import { wasmBackend, wasmMemoryBytes } from "../../src/backends/wasm/index.js";

const skip = wasmBackend() ? false : "wasm unavailable in this runtime";
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

test("wasm backend: 3000 training steps of a small MLP run with flat wasm memory and bounded RSS", { skip }, () => {
  my.setBackend("wasm");
  my.manualSeed(0);
  // Target y = sin(x0) + x1 * x2 on a fixed batch; 3 -> 32 -> 1 MLP with tanh.
  const X = my.randn([64, 3]);
  const xs = X.data() as Float32Array;
  const ys = new Float32Array(64);
  for (let i = 0; i < 64; i++) ys[i] = Math.sin(xs[i * 3]) + xs[i * 3 + 1] * xs[i * 3 + 2];
  const Y = my.tensor(ys, { shape: [64, 1] });
  const W1 = my.randn([3, 32]).mul(0.5).requiresGrad_(), b1 = my.zeros([32]).requiresGrad_();
  const W2 = my.randn([32, 1]).mul(0.2).requiresGrad_(), b2 = my.zeros([1]).requiresGrad_();
  const params = [W1, b1, W2, b2];
  const step = (): number => {
    const h = my.tanh(my.add(my.matmul(X, W1), b1));
    const loss = my.mean(my.square(my.sub(my.add(my.matmul(h, W2), b2), Y)));
    for (const p of params) p.grad = null;
    loss.backward();
    my.noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(0.05)); });
    return loss.item();
  };
  const first = step();
  for (let i = 0; i < 200; i++) step();
  gc();
  const wasm0 = wasmMemoryBytes(), rss0 = process.memoryUsage().rss;
  let last = first;
  for (let i = 0; i < 3000; i++) last = step();
  gc();
  const wasm1 = wasmMemoryBytes(), rss1 = process.memoryUsage().rss;
  assert.ok(wasm0 > 0, "wasm memory should be in use");
  assert.equal(wasm1, wasm0, `wasm memory grew from ${wasm0} to ${wasm1} bytes`);
  assert.ok(rss1 - rss0 < 48 * 2 ** 20, `RSS grew by ${((rss1 - rss0) / 2 ** 20).toFixed(1)} MiB over 3000 steps`);
  assert.ok(last < 0.2 * first, `loss should drop: first ${first}, last ${last}`);
});
