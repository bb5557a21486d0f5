/**
 * Graph layers beyond the PyTorch fixtures: float64 finite-difference gradchecks of
 * every layer (x, edge weights and all parameters), clear errors for bad edge lists
 * and inputs, GAT attention dropout statistics, GCN caching, and the sparse input
 * path's cache invalidation on in-place edits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, gradcheck, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

const { nn } = my;
const f64 = { dtype: "float64" as const };
const ei = (rows: number[][]): Tensor => my.tensor(rows, { dtype: "int32" });
// 5 nodes: duplicate edge 0→1, self loop at 2, node 4 receives nothing.
const EI = ei([[0, 0, 1, 2, 3, 4, 2], [1, 1, 2, 2, 1, 3, 0]]);

function x64(n: number, f: number, seed: number): Tensor {
  return my.randn([n, f], { ...f64, generator: new my.Generator(seed) }).requiresGrad_(true);
}

test("GCNConv float64 gradcheck: x, edge weights, lin.weight and bias", () => {
  my.manualSeed(1);
  for (const opts of [{}, { improved: true }, { addSelfLoops: false }, { normalize: false }]) {
    const m = new nn.GCNConv(3, 2, { ...opts, dtype: "float64" });
    const w = my.rand([7], { ...f64, generator: new my.Generator(2) }).add(0.5).requiresGrad_(true);
    gradcheck((x, ew) => m.forward(x, EI, ew), [x64(5, 3, 3), w, ...m.parameters()]);
  }
});

test("GATConv float64 gradcheck (2 heads, concat and mean)", () => {
  my.manualSeed(2);
  for (const concat of [true, false]) {
    const m = new nn.GATConv(3, 2, { heads: 2, concat, dtype: "float64" });
    gradcheck((x) => m.forward(x, EI), [x64(5, 3, 4), ...m.parameters()]);
  }
});

test("SAGEConv float64 gradcheck (mean, max + normalize, sum without root weight)", () => {
  my.manualSeed(3);
  for (const opts of [{}, { aggr: "max" as const, normalize: true }, { aggr: "sum" as const, rootWeight: false }]) {
    const m = new nn.SAGEConv(3, 2, { ...opts, dtype: "float64" });
    gradcheck((x) => m.forward(x, EI), [x64(5, 3, 5), ...m.parameters()]);
  }
});

test("GINConv float64 gradcheck with a trainable eps", () => {
  my.manualSeed(4);
  const mlp = new nn.Sequential(new nn.Linear(3, 4, { dtype: "float64" }), new nn.Tanh(), new nn.Linear(4, 2, { dtype: "float64" }));
  const m = new nn.GINConv(mlp, { eps: 0.2, trainEps: true, dtype: "float64" });
  assert.deepEqual(Object.keys(m.stateDict()), ["eps", "nn.0.weight", "nn.0.bias", "nn.2.weight", "nn.2.bias"]);
  gradcheck((x) => m.forward(x, EI), [x64(5, 3, 6), ...m.parameters()]);
});

test("pools float64 gradcheck", () => {
  const b = my.tensor([0, 0, 1, 2, 2], { dtype: "int32" });
  for (const pool of [nn.globalAddPool, nn.globalMeanPool, nn.globalMaxPool]) gradcheck((x) => pool(x, b, 4), [x64(5, 3, 7)]);
});

test("bad edgeIndex: each layer names itself, the shape and the rule", () => {
  const x = my.randn([5, 3]);
  const layers: [string, (e: Tensor) => unknown][] = [
    ["GCNConv", (e) => new nn.GCNConv(3, 2).forward(x, e)],
    ["GATConv", (e) => new nn.GATConv(3, 2).forward(x, e)],
    ["SAGEConv", (e) => new nn.SAGEConv(3, 2).forward(x, e)],
    ["GINConv", (e) => new nn.GINConv(new nn.Linear(3, 2)).forward(x, e)],
  ];
  for (const [name, run] of layers) {
    assert.throws(() => run(my.tensor([[0, 1], [1, 2]])), (e: Error) => e instanceof TypeError && e.message.startsWith(`${name}: edgeIndex must be an int32 tensor of shape [2, E], got dtype float32`) && /\.int\(\)/.test(e.message));
    assert.throws(() => run(ei([[0, 1], [1, 2], [2, 3]])), new RegExp(`^Error: ${name}: edgeIndex must have shape \\[2, E\\].*got \\[3, 2\\]`));
    assert.throws(() => run(ei([[0, 1, 2], [1, 2, 3]]).t()), /got \[3, 2\]; transpose an \[E, 2\] edge list with \.t\(\)/);
    assert.throws(() => run(ei([[0, 1, 2], [1, 9, 3]])), new RegExp(`^RangeError: ${name}: edgeIndex\\[1\\]\\[1\\] = 9 is out of range for 5 nodes; node ids must lie in \\[0, 5\\)`));
    assert.throws(() => run(ei([[0, -1], [1, 2]])), new RegExp(`${name}: edgeIndex\\[0\\]\\[1\\] = -1 is negative`));
    assert.throws(() => run(ei([[0, 1]])), /edgeIndex must have shape \[2, E\].*got \[1, 2\]/);
  }
});

test("bad inputs: feature size, edge weights, options, batch", () => {
  assert.throws(() => new nn.GCNConv(3, 2).forward(my.randn([5, 4]), EI), /^Error: GCNConv: expected node features x of shape \[N, 3\] \(in_channels=3\), got \[5, 4\]/);
  assert.throws(() => new nn.GATConv(3, 2).forward(my.randn([5]), EI), /GATConv: expected node features x of shape \[N, 3\].*got \[5\]/);
  assert.throws(() => new nn.GCNConv(3, 2).forward(my.randn([5, 3]), EI, my.ones([6])), /GCNConv: edgeWeight must have shape \[E\] = \[7\].*got \[6\]/);
  assert.throws(() => new nn.GCNConv(3, 2, { normalize: false, addSelfLoops: true }), /GCNConv: addSelfLoops=true needs normalize=true/);
  assert.throws(() => new nn.SAGEConv(3, 2, { aggr: "lstm" as "mean" }), /SAGEConv: aggr must be "mean", "max" or "sum", got "lstm"/);
  assert.throws(() => new nn.GINConv(null as unknown as InstanceType<typeof nn.Module>), /GINConv: nn must be an nn.Module/);
  assert.throws(() => nn.globalMeanPool(my.randn([4, 2]), my.tensor([0, 0, 1], { dtype: "int32" })), /globalMeanPool: batch must be an int32 tensor \[N\] = \[4\].*got int32 \[3\]/);
  assert.throws(() => nn.globalAddPool(my.randn([3, 2]), my.tensor([0, 1, 1])), /globalAddPool: batch must be an int32 tensor.*got float32 \[3\]/);
  assert.throws(() => nn.globalMaxPool(my.randn([3, 2]), my.tensor([0, -1, 1], { dtype: "int32" })), /globalMaxPool: batch\[1\] = -1 is negative/);
  assert.throws(() => nn.globalMaxPool(my.randn([3, 2]), my.tensor([0, 3, 1], { dtype: "int32" }), 2), /globalMaxPool: batch holds graph id 3, out of range for size 2/);
});

test("GATConv attention dropout in training: ~p of the coefficients are zeroed, the rest scaled by 1/(1-p)", () => {
  my.manualSeed(5);
  const n = 60, E = 1200;
  const g = new my.Generator(9);
  const e = my.randint(0, n, [2, E], { generator: g }).int();
  const x = my.randn([n, 4], { generator: g });
  const m = new nn.GATConv(4, 3, { heads: 2, dropout: 0.4 });
  m.eval();
  const [, [eLoops, aEval]] = m.forward(x, e, { returnAttentionWeights: true });
  m.train();
  const [, [, aTrain]] = m.forward(x, e, { returnAttentionWeights: true });
  const ev = aEval.data() as Float32Array, tr = aTrain.data() as Float32Array;
  let zeros = 0;
  for (let i = 0; i < tr.length; i++) {
    if (tr[i] === 0) zeros++;
    else assert.ok(Math.abs(tr[i] - ev[i] / 0.6) <= 1e-5 * (1 + ev[i]), `kept coefficient ${i}: ${tr[i]} vs ${ev[i]} / 0.6`);
  }
  // Binomial(2·1260, 0.4): sd ≈ 0.0098, so ±0.05 is > 5 sd.
  assert.ok(Math.abs(zeros / tr.length - 0.4) < 0.05, `dropped fraction ${zeros / tr.length}`);
  // Eval coefficients of each target sum to 1 (softmax over its incoming edges).
  const dst = eLoops.select(0, 1).contiguous();
  assertClose(nn.graph.scatter(aEval, dst, { dimSize: n }), new Array(2 * n).fill(1), { atol: 1e-5 });
});

test("GCNConv cached=true reuses the first graph's normalisation (PyG semantics); cached=false does not", () => {
  my.manualSeed(6);
  const x = my.randn([5, 3]);
  const other = ei([[0, 1], [1, 0]]);
  for (const cached of [true, false]) {
    const m = new nn.GCNConv(3, 2, { cached });
    const a = m.forward(x, EI), b = m.forward(x, other);
    const same = (a.sub(b).abs().max().item() as number) === 0;
    assert.equal(same, cached);
  }
});

test("sparse input path: matches the dense product and sees in-place edits", () => {
  my.manualSeed(7);
  const g = new my.Generator(3);
  const x = my.randn([80, 70], { generator: g }).mul(my.rand([80, 70], { generator: g }).lt(0.05));
  const m = new nn.GCNConv(70, 4, { bias: false, normalize: false });
  const e = ei([[0, 5, 9], [1, 1, 79]]);
  const y1 = m.forward(x, e);
  // Dense reference: (A x) Wᵀ by hand with matmul.
  const A = my.zeros([80, 80]);
  for (const [s, t] of [[0, 1], [5, 1], [9, 79]]) A._data[t * 80 + s] += 1;
  assertClose(y1, my.matmul(A, my.matmul(x, m.lin.weight.t())).toArray(), { atol: 1e-5 });
  x.mul_(2);
  assertClose(m.forward(x, e), y1.mul(2).toArray(), { atol: 1e-5 });
});

test("sparseDropout: drops ~p of the nonzeros, scales the rest by 1/(1-p), and its registered sparse copy matches its values", () => {
  const g = new my.Generator(11);
  const x = my.randn([100, 80], { generator: g }).mul(my.rand([100, 80], { generator: g }).lt(0.1));
  const y = nn.graph.sparseDropout(x, 0.3, true, { generator: new my.Generator(12) });
  const xd = x.data() as Float32Array, yd = y.data() as Float32Array;
  let nz = 0, dropped = 0;
  for (let i = 0; i < xd.length; i++) {
    if (xd[i] === 0) { assert.equal(yd[i], 0); continue; }
    nz++;
    if (yd[i] === 0) dropped++;
    else assert.ok(Math.abs(yd[i] - xd[i] / 0.7) < 1e-5 * (1 + Math.abs(xd[i])), `kept ${yd[i]} vs ${xd[i]} / 0.7`);
  }
  // ~800 nonzeros, Binomial(800, 0.3): sd ≈ 0.016; ±0.08 is 5 sd.
  assert.ok(nz > 600 && Math.abs(dropped / nz - 0.3) < 0.08, `dropped ${dropped} of ${nz}`);
  assert.equal(nn.graph.sparseDropout(x, 0.3, false), x);
  // The GCN projection of the dropped input (sparse path, cached CSR) equals a dense matmul of its values.
  const m = new nn.GCNConv(80, 3, { normalize: false, bias: false });
  const e = ei([[0], [1]]);
  const yy = m.forward(y, e);
  const A = my.zeros([100, 100]);
  A._data[1 * 100 + 0] = 1;
  assertClose(yy, my.matmul(A, my.matmul(my.tensor(Array.from(yd), { shape: [100, 80] }), m.lin.weight.t())).toArray(), { atol: 1e-5 });
});
