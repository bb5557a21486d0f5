// F: clear errors for misuse (each names the op, shapes and rule), plus analytic
// checks that fixtures cannot express (in-place renorm, running stats untouched in eval).
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";

const F = my.F;
const int = (v: number[] | number[][]) => my.tensor(v, { dtype: "int32" });

test("embedding: out-of-range and non-int indices are rejected", () => {
  const w = my.randn([4, 3]);
  assert.throws(() => F.embedding(int([1, 4]), w), /embedding: index 4 \(at flat position 1 of indices \[2\]\) is out of range for a weight with 4 rows \[0, 4\)/);
  assert.throws(() => F.embedding(int([-1]), w), /out of range/);
  assert.throws(() => F.embedding(my.tensor([1, 2]), w), /embedding: indices must be an int32 tensor, got float32/);
  assert.throws(() => F.embedding(int([0]), w, { paddingIdx: 4 }), /paddingIdx 4 must be within \[-4, 4\)/);
});

test("embedding: maxNorm renormalises the looked-up rows in place to norm maxNorm, others untouched", () => {
  const w = my.tensor([[3, 4], [0.3, 0.4], [6, 8]]);
  F.embedding(int([0, 1]), w, { maxNorm: 1 });
  const d = w.data();
  assertClose(Math.hypot(d[0], d[1]), 1, { atol: 1e-6 });
  assertClose([d[2], d[3], d[4], d[5]], [0.3, 0.4, 6, 8]);
});

test("embedding: the padding row gets exactly zero gradient, others count their uses", () => {
  const w = my.randn([3, 2]).requiresGrad_(true);
  F.embedding(int([[0, 2], [2, 1]]), w, { paddingIdx: 2 }).sum().backward();
  assertClose(w.grad!, [1, 1, 1, 1, 0, 0]);
});

test("crossEntropy / nllLoss: bad targets are rejected", () => {
  const x = my.randn([2, 3]);
  assert.throws(() => F.crossEntropy(x, int([0, 3])), /crossEntropy: target 3 at flat position 1 is out of bounds for 3 classes/);
  assert.throws(() => F.crossEntropy(x, int([0, 1, 2])), /crossEntropy: expected target of shape \[2\] for input \[2, 3\]/);
  assert.throws(() => F.nllLoss(x, my.tensor([0, 1]).to("bool")), /nllLoss: class targets must be int32, got bool/);
  assert.throws(() => F.crossEntropy(x, my.rand([2, 4])), /probability targets must have the input's shape \[2, 3\]/);
  assert.throws(() => F.crossEntropy(x, int([0, 1]), { weight: my.ones([2]) }), /weight must have shape \[3\]/);
  assert.throws(() => F.mseLoss(x, x, { reduction: "avg" as "mean" }), /mseLoss: reduction must be "mean", "sum" or "none", got "avg"/);
});

test("crossEntropy: every target ignored gives NaN for mean (0/0, as PyTorch) and 0 for sum", () => {
  const x = my.randn([2, 3]);
  assert.ok(Number.isNaN(F.crossEntropy(x, int([-100, -100])).item()));
  assert.equal(F.crossEntropy(x, int([-100, -100]), { reduction: "sum" }).item(), 0);
});

test("binaryCrossEntropy: inputs outside [0, 1] and shape mismatches are rejected", () => {
  assert.throws(() => F.binaryCrossEntropy(my.tensor([0.5, 1.5]), my.tensor([1, 0])), /binaryCrossEntropy: all elements of input should be between 0 and 1, got 1.5/);
  assert.throws(() => F.binaryCrossEntropy(my.tensor([0.5]), my.tensor([1, 0])), /target shape \[2\] must equal input shape \[1\]/);
});

test("batchNorm: shape and mode errors", () => {
  const x = my.randn([4, 3]);
  assert.throws(() => F.batchNorm(x, my.zeros([2]), my.ones([2])), /batchNorm: runningMean must have shape \[3\] \(one value per channel\), got \[2\]/);
  assert.throws(() => F.batchNorm(x, undefined, undefined), /runningMean and runningVar are required in evaluation mode/);
  assert.throws(() => F.batchNorm(my.randn([1, 3]), undefined, undefined, undefined, undefined, { training: true }), /expected more than 1 value per channel when training/);
  assert.throws(() => F.batchNorm(my.randn([3]), undefined, undefined), /expected input of at least 2 dims \[N, C, \*\], got \[3\]/);
});

test("batchNorm: evaluation leaves running stats untouched; training moves them by momentum", () => {
  const x = my.tensor([[1, 10], [3, 30]]);
  const rm = my.zeros([2]), rv = my.ones([2]);
  F.batchNorm(x, rm, rv);
  assertClose(rm, [0, 0]);
  assertClose(rv, [1, 1]);
  F.batchNorm(x, rm, rv, undefined, undefined, { training: true, momentum: 0.5 });
  // batch means [2, 20]; unbiased variances [2, 200]
  assertClose(rm, [1, 10]);
  assertClose(rv, [1.5, 100.5]);
});

test("layerNorm / groupNorm: shape rules", () => {
  assert.throws(() => F.layerNorm(my.randn([2, 3]), [4]), /layerNorm: normalizedShape \[4\] must match the trailing dims of input \[2, 3\]/);
  assert.throws(() => F.groupNorm(my.randn([2, 6, 3]), 4), /groupNorm: number of channels \(6\) must be divisible by numGroups \(4\)/);
});

test("softmax / glu / activations: argument errors", () => {
  assert.throws(() => F.softmax(my.randn([2, 3]), undefined as unknown as number), /softmax: dim is required/);
  assert.throws(() => F.softmax(my.randn([2, 3]), 2), /softmax/);
  assert.throws(() => F.glu(my.randn([2, 3])), /glu: dim 1 of input \[2, 3\] must have an even size to halve, got 3/);
  assert.throws(() => F.gelu(my.randn([2]), { approximate: "fast" as "tanh" }), /gelu: approximate must be "none" or "tanh"/);
  assert.throws(() => F.prelu(my.randn([2, 3]), my.ones([2])), /prelu: weight has 2 elements but the input \[2, 3\] has 3 channels/);
});

test("softmax: rows of -inf-free input sum to 1 and keep order; method forms match", () => {
  const x = my.randn([3, 7]);
  const s = x.softmax(1);
  assertClose(s.sum(1), [1, 1, 1], { atol: 1e-6 });
  assertClose(x.logSoftmax(1).exp(), Array.from(s.data()), { atol: 1e-6 });
});

test("interpolate: argument errors", () => {
  const x = my.randn([1, 1, 4, 4]);
  assert.throws(() => F.interpolate(x, {}), /interpolate: give exactly one of size or scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: 2, scaleFactor: 2 }), /exactly one of size or scaleFactor/);
  assert.throws(() => F.interpolate(x, { size: 8, mode: "linear" }), /interpolate: mode "linear" needs a 3-D input, got \[1, 1, 4, 4\]/);
  assert.throws(() => F.interpolate(x, { size: 8, alignCorners: true }), /alignCorners only has an effect for linear/);
  assert.throws(() => F.interpolate(my.randn([4, 4]), { size: 8 }), /expected a 3-D, 4-D or 5-D input/);
  assert.throws(() => F.interpolate(x, { size: [2, 3, 4] }), /size must have 2 values/);
});

test("interpolate: bilinear with alignCorners reproduces a linear ramp exactly (analytic)", () => {
  const x = my.arange(0, 4).reshape([1, 1, 1, 4]).float();
  const y = F.interpolate(x, { size: [1, 7], mode: "bilinear", alignCorners: true });
  assertClose(y, [0, 0.5, 1, 1.5, 2, 2.5, 3]);
});

test("ctcLoss: length errors", () => {
  const lp = my.randn([5, 2, 4]).logSoftmax(2);
  assert.throws(() => F.ctcLoss(lp, int([[1, 2], [1, 1]]), [6, 5], [2, 2]), /ctcLoss: inputLengths\[0\] = 6 must be in \[0, 5\]/);
  assert.throws(() => F.ctcLoss(lp, int([[1, 2], [1, 1]]), [5, 5], [3, 2]), /targetLengths\[0\] = 3 exceeds the padded target length 2/);
  assert.throws(() => F.ctcLoss(lp, int([[1, 9], [1, 1]]), [5, 5], [2, 2]), /target label 9 of sample 0 is out of range \[0, 4\)/);
  assert.throws(() => F.ctcLoss(lp, int([[1, 2], [1, 1]]), [5], [2, 2]), /inputLengths must have one entry per batch element \(2\)/);
});

test("ctcLoss: a single-frame, single-label alignment is -log p(label) (analytic)", () => {
  const probs = my.tensor([[[0.2, 0.5, 0.3]]]); // T=1, N=1, C=3
  const l = F.ctcLoss(probs.log(), int([[1]]), [1], [1], { reduction: "sum" });
  assertClose(l.item(), -Math.log(0.5), { rtol: 1e-6 });
});
