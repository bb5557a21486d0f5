// The fused packed self-attention node (MultiheadAttention with needWeights false and no
// masks) against the composed path the same module takes when weights are requested:
// outputs, first-order gradients of the input and all parameters, and second-order
// gradients (createGraph), batch-first and sequence-first, causal, and training-mode
// dropout drawn from the same seeded stream. The composed path is itself checked
// against PyTorch's MultiheadAttention fixtures (test/nn/attention.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";

function closeArr(a: my.Tensor, b: my.Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const x = a.contiguous()._data, y = b.contiguous()._data;
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(x[i] - y[i]) <= tol * (1 + Math.abs(y[i])), `${what}[${i}]: fused ${x[i]} vs composed ${y[i]}`);
  }
}

const CASES = [
  { batchFirst: true, causal: false, dropout: 0, train: false },
  { batchFirst: false, causal: false, dropout: 0, train: false },
  { batchFirst: true, causal: true, dropout: 0, train: false },
  { batchFirst: true, causal: false, dropout: 0.3, train: true },
  { batchFirst: false, causal: true, dropout: 0.2, train: true },
];

for (const c of CASES) {
  test(`packed self-attention equals the composed path: ${JSON.stringify(c)}`, () => {
    my.manualSeed(3);
    const [N, L, E, H] = [2, 5, 12, 3];
    const mha = new my.nn.MultiheadAttention(E, H, { batchFirst: c.batchFirst, dropout: c.dropout });
    mha.train(c.train);
    const x0 = my.randn(c.batchFirst ? [N, L, E] : [L, N, E]);
    const run = (needWeights: boolean) => {
      const x = x0.clone().requiresGrad_();
      my.manualSeed(11);
      mha.zeroGrad();
      const [out] = mha.forward(x, x, x, { needWeights, isCausal: c.causal, attnMask: c.causal ? my.nn.Transformer.generateSquareSubsequentMask(L) : undefined });
      const loss = out.square().sum();
      loss.backward();
      return { out, gx: x.grad!, gw: mha.inProjWeight!.grad!, gb: mha.inProjBias!.grad! };
    };
    // needWeights=false with isCausal and no explicit mask takes the fused path; the composed
    // reference uses the explicit causal mask (PyTorch requires one with isCausal).
    const fusedRun = () => {
      const x = x0.clone().requiresGrad_();
      my.manualSeed(11);
      mha.zeroGrad();
      const [out] = mha.forward(x, x, x, { needWeights: false, isCausal: c.causal });
      out.square().sum().backward();
      return { out, gx: x.grad!, gw: mha.inProjWeight!.grad!, gb: mha.inProjBias!.grad! };
    };
    const ref = run(true), got = fusedRun();
    closeArr(got.out, ref.out, 1e-5, "output");
    closeArr(got.gx, ref.gx, 1e-4, "d input");
    closeArr(got.gw, ref.gw, 1e-4, "d in_proj_weight");
    closeArr(got.gb, ref.gb, 1e-4, "d in_proj_bias");
  });
}

test("packed self-attention: second-order gradients (createGraph) equal the composed path's", () => {
  my.manualSeed(5);
  const mha = new my.nn.MultiheadAttention(8, 2, { batchFirst: true, dropout: 0.25 });
  const x0 = my.randn([2, 4, 8]);
  const second = (needWeights: boolean) => {
    const x = x0.clone().requiresGrad_();
    my.manualSeed(9);
    const [out] = mha.forward(x, x, x, { needWeights });
    const [gx] = my.grad(out.square().sum(), [x], { createGraph: true });
    const [ggx] = my.grad(gx!.square().sum(), [x]);
    return ggx!;
  };
  closeArr(second(false), second(true), 2e-4, "d/dx |d loss/dx|²");
});
