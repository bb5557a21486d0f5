// F.dropout family checked by statistics and analytic identities (no fixtures: the
// random streams differ from PyTorch's): zeroed fraction within 5 sigma of p for
// n = 1e5, survivors scaled by exactly 1/(1-p), the gradient reusing the forward mask.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";

const F = my.F;
const N = 100_000;

/** 5-sigma bound of a binomial fraction. */
const bound = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n);

for (const p of [0.1, 0.5, 0.8]) {
  test(`dropout p=${p}: zeroed fraction, survivor scale and gradient mask`, () => {
    my.manualSeed(7);
    const x = my.ones([N]).requiresGrad_(true);
    const y = F.dropout(x, p, true);
    const d = y.data();
    let zeros = 0;
    for (let i = 0; i < N; i++) {
      if (d[i] === 0) zeros++;
      else assert.ok(Math.abs(d[i] - 1 / (1 - p)) < 1e-6, `survivor ${i} = ${d[i]}, expected 1/(1-p) = ${1 / (1 - p)}`);
    }
    assert.ok(Math.abs(zeros / N - p) < bound(p, N), `zeroed fraction ${zeros / N} vs p = ${p}`);
    y.backward(my.ones([N]));
    const g = x.grad!.data();
    for (let i = 0; i < N; i++) assert.equal(g[i], d[i], `gradient at ${i} must equal the mask value`);
  });
}

test("dropout: survivors keep their input value times 1/(1-p)", () => {
  my.manualSeed(3);
  const x = my.randn([1000]);
  const y = F.dropout(x, 0.25);
  const xd = x.data(), yd = y.data();
  for (let i = 0; i < 1000; i++) if (yd[i] !== 0) assert.ok(Math.abs(yd[i] - xd[i] / 0.75) < 1e-5);
});

test("dropout: p=0 and training=false return the input; p=1 gives zeros", () => {
  const x = my.randn([4, 5]);
  assert.equal(F.dropout(x, 0), x);
  assert.equal(F.dropout(x, 0.5, false), x);
  assertClose(F.dropout(x, 1), new Array(20).fill(0));
  assert.deepEqual(F.dropout(x).shape, [4, 5]);
});

test("dropout: the generator option makes masks reproducible and independent of the global stream", () => {
  const x = my.ones([200]);
  const a = F.dropout(x, 0.5, true, { generator: new my.Generator(11) }).data();
  my.manualSeed(999);
  const b = F.dropout(x, 0.5, true, { generator: new my.Generator(11) }).data();
  const c = F.dropout(x, 0.5, true, { generator: new my.Generator(12) }).data();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
});

test("dropout: invalid p is rejected with the op's name", () => {
  assert.throws(() => F.dropout(my.ones([3]), 1.5), /dropout: dropout probability has to be between 0 and 1, got 1.5/);
  assert.throws(() => F.dropout(my.ones([3]), -0.1), /between 0 and 1/);
});

for (const [name, fn, shape] of [
  ["dropout1d", F.dropout1d, [50, 40, 6]],
  ["dropout2d", F.dropout2d, [40, 50, 2, 3]],
  ["dropout3d", F.dropout3d, [20, 100, 2, 1, 3]],
] as const) {
  test(`${name}: whole channels are zeroed, fraction near p, survivors scaled`, () => {
    my.manualSeed(5);
    const p = 0.4;
    const x = my.ones(shape as unknown as number[]).requiresGrad_(true);
    const y = fn(x, p, true);
    const d = y.data();
    const channels = shape[0] * shape[1];
    const per = d.length / channels;
    let zeroed = 0;
    for (let c = 0; c < channels; c++) {
      const first = d[c * per];
      for (let k = 1; k < per; k++) assert.equal(d[c * per + k], first, `channel ${c} is not uniform`);
      if (first === 0) zeroed++;
      else assert.ok(Math.abs(first - 1 / (1 - p)) < 1e-6);
    }
    assert.ok(Math.abs(zeroed / channels - p) < bound(p, channels), `zeroed channel fraction ${zeroed / channels}`);
    y.sum().backward();
    assert.deepEqual(Array.from(x.grad!.data()), Array.from(d));
  });
}

test("dropout2d: unbatched [C, H, W] input masks channels; wrong rank is rejected", () => {
  my.manualSeed(1);
  const y = F.dropout2d(my.ones([400, 2, 2]), 0.5).data();
  for (let c = 0; c < 400; c++) for (let k = 1; k < 4; k++) assert.equal(y[c * 4 + k], y[c * 4]);
  assert.throws(() => F.dropout2d(my.ones([2, 3]), 0.5), /dropout2d: expected 3-D \(unbatched\) or 4-D \(batched\) input, got \[2, 3\]/);
});

test("alphaDropout: keeps zero mean and unit variance of standard normal input (SELU self-normalisation)", () => {
  my.manualSeed(21);
  const p = 0.2;
  const x = my.randn([N]);
  const y = F.alphaDropout(x, p, true);
  const d = y.data();
  let s = 0, s2 = 0;
  for (let i = 0; i < N; i++) { s += d[i]; s2 += d[i] * d[i]; }
  const mean = s / N, v = s2 / N - mean * mean;
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 0.03, `variance ${v}`);
  // Dropped elements take the constant a * alpha' * (p - 1), alpha' = 1.7581 (SELU's -saturation).
  const alpha = 1.7580993408473766;
  const a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
  const dropped = a * alpha * (p - 1);
  const xd = x.data();
  let nDropped = 0;
  for (let i = 0; i < N; i++) {
    if (Math.abs(d[i] - dropped) < 1e-5) nDropped++;
    else assert.ok(Math.abs(d[i] - (a * xd[i] + a * alpha * p)) < 1e-4, `kept element ${i}`);
  }
  assert.ok(Math.abs(nDropped / N - p) < bound(p, N), `dropped fraction ${nDropped / N}`);
  assert.equal(F.alphaDropout(x, 0.5), x, "training defaults to false, as PyTorch's functional form");
});
