/**
 * nn.init: gains and fans equal PyTorch's (fixture); every initialiser's sample
 * statistics on large tensors match the analytic formulas (mean/std within a few
 * standard errors, bounds exact); orthogonality, Dirac identity convolution; and
 * the default initialisation of the layers follows PyTorch's rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;
const init = nn.init;
const fx = loadFixture<{ gains: Record<string, number>; fans: Record<string, [number, number]> }>("nn_layers");

function stats(t: Tensor): { mean: number; std: number; min: number; max: number; n: number } {
  const d = t.data();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const v of d) { s += v; s2 += v * v; min = Math.min(min, v); max = Math.max(max, v); }
  const n = d.length, mean = s / n;
  return { mean, std: Math.sqrt(s2 / n - mean * mean), min, max, n };
}

/** Asserts sample mean and std of `t` match (mean, std) within `k` standard errors. */
function assertDist(t: Tensor, mean: number, std: number, k = 5): void {
  const s = stats(t);
  const seMean = std / Math.sqrt(s.n);
  assert.ok(Math.abs(s.mean - mean) < k * seMean + 1e-12, `mean ${s.mean} vs ${mean} (se ${seMean})`);
  // std of the sample std ≈ std / sqrt(2n) for normal-ish data; uniform has smaller spread.
  const seStd = std / Math.sqrt(2 * s.n);
  assert.ok(Math.abs(s.std - std) < k * seStd * 1.5, `std ${s.std} vs ${std} (se ${seStd})`);
}

function assertUniformBounds(t: Tensor, bound: number): void {
  const s = stats(t);
  assert.ok(s.min >= -bound && s.max <= bound, `values within ±${bound}, got [${s.min}, ${s.max}]`);
  assert.ok(s.max > 0.99 * bound && s.min < -0.99 * bound, `values fill ±${bound}, got [${s.min}, ${s.max}]`);
  assertDist(t, 0, bound / Math.sqrt(3));
}

test("calculateGain equals PyTorch's", () => {
  for (const [key, expected] of Object.entries(fx.gains)) {
    const [nl, p] = key.split(":");
    const got = init.calculateGain(nl, p === "None" ? undefined : Number(p));
    assertClose(got, expected, { rtol: 1e-12, atol: 0, msg: key });
  }
  assertClose(init.calculateGain("leakyRelu", 0.2), fx.gains["leaky_relu:0.2"], { rtol: 1e-12 });
  assert.throws(() => init.calculateGain("swish"), /unsupported nonlinearity "swish"/);
});

test("fan in / fan out equal PyTorch's", () => {
  for (const [shape, expected] of Object.entries(fx.fans)) {
    assert.deepEqual(init.calculateFanInAndFanOut(my.zeros(JSON.parse(shape))), expected, shape);
  }
  assert.throws(() => init.xavierUniform_(my.zeros([5])), /fewer than 2 dimensions, got shape \[5\]/);
});

test("uniform_, normal_, constant_, zeros_, ones_", () => {
  my.manualSeed(1);
  const u = init.uniform_(my.zeros([200, 500]), { a: -2, b: 6 });
  const su = stats(u);
  assert.ok(su.min >= -2 && su.max < 6);
  assertDist(u, 2, 8 / Math.sqrt(12));
  assertDist(init.normal_(my.zeros([200, 500]), { mean: 3, std: 0.5 }), 3, 0.5);
  assertClose(init.constant_(my.zeros([3]), 2.5), [2.5, 2.5, 2.5]);
  assertClose(init.zeros_(my.ones([2])), [0, 0]);
  assertClose(init.ones_(my.zeros([2])), [1, 1]);
  // Initialising a parameter needs no noGrad and records nothing.
  const p = nn.Parameter(my.zeros([3]));
  init.normal_(p);
  assert.ok(p.isLeaf && p.requiresGrad);
});

test("xavierUniform_ / xavierNormal_: bound gain·√(6/(fanIn+fanOut)), std gain·√(2/(fanIn+fanOut))", () => {
  my.manualSeed(2);
  const w = my.zeros([300, 200, 2]); // fanIn 400, fanOut 600
  assertUniformBounds(init.xavierUniform_(w, { gain: 2 }), 2 * Math.sqrt(6 / 1000));
  assertDist(init.xavierNormal_(w), 0, Math.sqrt(2 / 1000));
});

test("kaimingUniform_ / kaimingNormal_: gain/√fan with fan_in or fan_out", () => {
  my.manualSeed(3);
  const w = my.zeros([500, 100, 3]); // fanIn 300, fanOut 1500
  // default: a = 0, leaky_relu → gain √2; bound = √3·gain/√fanIn
  assertUniformBounds(init.kaimingUniform_(w), Math.sqrt(3) * Math.SQRT2 / Math.sqrt(300));
  assertUniformBounds(init.kaimingUniform_(w, { a: Math.sqrt(5) }), 1 / Math.sqrt(300));
  assertDist(init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" }), 0, Math.SQRT2 / Math.sqrt(1500));
  assertDist(init.kaimingNormal_(w, { nonlinearity: "tanh" }), 0, (5 / 3) / Math.sqrt(300));
});

test("truncNormal_: within [a, b] with the truncated-normal mean and variance", () => {
  my.manualSeed(4);
  const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  // Φ values for the bounds used (standard normal CDF, from tables).
  const cases = [
    { mean: 0, std: 1, a: -2, b: 2, Pa: 0.022750131948179195, Pb: 0.9772498680518208 },
    { mean: 1, std: 2, a: 0, b: 5, Pa: 0.3085375387259869, Pb: 0.9772498680518208 },
  ];
  for (const c of cases) {
    const t = init.truncNormal_(my.zeros([100000]), { mean: c.mean, std: c.std, a: c.a, b: c.b });
    const s = stats(t);
    assert.ok(s.min >= c.a && s.max <= c.b, `in [${c.a}, ${c.b}]: [${s.min}, ${s.max}]`);
    const al = (c.a - c.mean) / c.std, be = (c.b - c.mean) / c.std, Z = c.Pb - c.Pa;
    const m = c.mean + c.std * (phi(al) - phi(be)) / Z;
    const v = c.std ** 2 * (1 + (al * phi(al) - be * phi(be)) / Z - ((phi(al) - phi(be)) / Z) ** 2);
    assertDist(t, m, Math.sqrt(v));
  }
});

test("orthogonal_: rows (or columns) orthonormal, scaled by gain", () => {
  my.manualSeed(5);
  for (const shape of [[4, 6], [6, 4], [3, 2, 2]]) {
    const w = init.orthogonal_(my.zeros(shape), { gain: 1.5 });
    const m = w.reshape([shape[0], -1]);
    const g = m.shape[0] <= m.shape[1] ? m.matmul(m.t()) : m.t().matmul(m);
    const k = g.shape[0];
    assertClose(g, Array.from(my.eye(k).mul(2.25).data()), { atol: 1e-5, msg: `shape [${shape}]` });
  }
});

test("eye_ and dirac_: identity matrix; a Dirac conv passes its input through", () => {
  assertClose(init.eye_(my.zeros([2, 3])), [1, 0, 0, 0, 1, 0]);
  my.manualSeed(6);
  const w = init.dirac_(my.zeros([3, 3, 3, 3]));
  const x = my.randn([2, 3, 5, 5]);
  assertClose(my.F.conv2d(x, w, undefined, { padding: 1 }), Array.from(x.data()));
  const w2 = init.dirac_(my.zeros([4, 2, 3]), 2); // groups of 2 outputs
  const x2 = my.randn([1, 4, 6]);
  assertClose(my.F.conv1d(x2, w2, undefined, { padding: 1, groups: 2 }), Array.from(x2.data()));
});

test("layer defaults follow PyTorch: Linear/Conv U(±1/√fanIn), Bilinear, Embedding N(0,1), norms 1/0, PReLU 0.25", () => {
  my.manualSeed(7);
  const lin = new nn.Linear(400, 300);
  assertUniformBounds(lin.weight, 1 / 20);
  const s = stats(lin.bias!);
  assert.ok(s.min >= -1 / 20 && s.max <= 1 / 20);
  const conv = new nn.Conv2d(16, 64, 5); // fanIn 16·25 = 400
  assertUniformBounds(conv.weight, 1 / 20);
  assert.ok(stats(conv.bias!).max <= 1 / 20);
  const convT = new nn.ConvTranspose2d(64, 16, 5); // weight [64, 16, 5, 5]: fanIn = 16·25
  assertUniformBounds(convT.weight, 1 / 20);
  const bil = new nn.Bilinear(100, 30, 50); // bound 1/√in1
  assertUniformBounds(bil.weight, 1 / 10);
  const emb = new nn.Embedding(1000, 100, { paddingIdx: 3 });
  assertDist(emb.weight, 0, 1);
  assertClose(emb.weight.narrow(0, 3, 1), new Array(100).fill(0));
  const bn = new nn.BatchNorm2d(4);
  assertClose(bn.weight!, [1, 1, 1, 1]);
  assertClose(bn.bias!, [0, 0, 0, 0]);
  assertClose(bn.runningVar!, [1, 1, 1, 1]);
  assert.equal(bn.numBatchesTracked!.item(), 0);
  assertClose(new nn.PReLU(3).weight, [0.25, 0.25, 0.25]);
  const ln = new nn.LayerNorm([2, 3]);
  assertClose(ln.weight!, new Array(6).fill(1));
});
