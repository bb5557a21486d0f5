// Error messages are part of the API: each names the op, the offending shapes or
// dtypes, and the rule that was broken. These tests pin all three with regexes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";

const a23 = () => my.ones([2, 3]);

/** Asserts that fn throws and that the message itself (not "Error: ...") matches re. */
function throwsMsg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, re);
    return true;
  });
}

test("broadcasting ops name the op, both shapes and the size rule", () => {
  const rule = /sizes must match or one must be 1/;
  for (const [op, f] of [
    ["add", () => a23().add(my.ones([4]))],
    ["sub", () => a23().sub(my.ones([4]))],
    ["mul", () => a23().mul(my.ones([3, 2]))],
    ["div", () => a23().div(my.ones([4]))],
    ["maximum", () => my.maximum(a23(), my.ones([4]))],
    ["eq", () => a23().eq(my.ones([4]))],
  ] as const) {
    assert.throws(f, (e: Error) => {
      assert.match(e.message, new RegExp(`^${op}: shapes \\[2, 3\\] and \\[(4|3, 2)\\] cannot be broadcast`));
      assert.match(e.message, /size \d vs \d at dim -\d/);
      assert.match(e.message, rule);
      return true;
    }, op);
  }
  throwsMsg(() => my.where(my.ones([2]).gt(0), a23(), 1), /^where: shapes \[2\] and \[2, 3\] cannot be broadcast.*size 2 vs 3 at dim -1/);
});

test("matmul family: inner dims and batch sizes", () => {
  throwsMsg(() => a23().matmul(my.ones([4, 2])), /^matmul: shapes \[2, 3\] and \[4, 2\] cannot be multiplied/);
  throwsMsg(() => a23().mm(my.ones([4, 2])), /matmul: shapes \[2, 3\] and \[4, 2\] cannot be multiplied/);
  throwsMsg(() => my.ones([2, 2, 3]).bmm(my.ones([3, 3, 2])), /^bmm: expects 3-D tensors with the same batch size, got \[2, 2, 3\] and \[3, 3, 2\]/);
  throwsMsg(() => my.ones([3]).dot(my.ones([4])), /^dot: expects two 1-D tensors of the same length, got \[3\] and \[4\]/);
});

test("bad dims: op, the dim, the tensor's rank and the valid range", () => {
  throwsMsg(() => a23().sum(5), /^sum: dim 5 is out of range for a tensor of 2 dims \(expected in \[-2, 1\]\)/);
  throwsMsg(() => a23().transpose(0, 3), /^transpose: dim 3 is out of range for a tensor of 2 dims/);
  throwsMsg(() => a23().max(-3), /^max: dim -3 is out of range for a tensor of 2 dims \(expected in \[-2, 1\]\)/);
  throwsMsg(() => a23().unsqueeze(5), /^unsqueeze: dim 5 is out of range .* 2 dims \(expected in \[-3, 2\]\)/);
  throwsMsg(() => a23().size(2), /^size: dim 2 is out of range for a tensor of 2 dims/);
  throwsMsg(() => a23().permute(0, 0), /^permute: dims \[0, 0\] repeat a dim/);
  throwsMsg(() => my.cat([a23(), my.ones([2, 4])], 0), /^cat: sizes must match except in dim 0: got \[2, 3\] and \[2, 4\]/);
  throwsMsg(() => a23().reshape(4, 2), /^reshape: shape \[4, 2\] is invalid for input of size 6/);
  throwsMsg(() => a23().expand(3, 3), /^expand: .*size 3 must match the existing size 2 at dim 0.*only size-1 dims can expand/);
});

test("index tensors must be int32: float indices are rejected by name and dtype", () => {
  throwsMsg(() => a23().gather(1, my.zeros([2, 1])), /^gather: index must be an int32 tensor, got float32 \(float indices are not allowed; use \.int\(\)\)/);
  throwsMsg(() => a23().gather(1, my.zeros([2, 1], { dtype: "float64" })), /^gather: index must be an int32 tensor, got float64/);
  throwsMsg(() => a23().indexSelect(0, my.tensor([0, 1])), /^indexSelect: index must be an int32 tensor, got float32/);
  // the int32 versions work
  assert.deepEqual(a23().indexSelect(0, my.tensor([1], { dtype: "int32" })).shape, [1, 3]);
});

test("backward of a non-scalar without a gradient, or with a misshapen one", () => {
  const x = my.ones([2, 3], { requiresGrad: true });
  throwsMsg(() => x.mul(2).backward(), /^backward: grad can be implicitly created only for scalar outputs, but the output has shape \[2, 3\]; pass a gradient of that shape/);
  throwsMsg(() => x.mul(2).backward(my.ones([3])), /^backward: gradient has shape \[3\] but the output has shape \[2, 3\]; they must match/);
  throwsMsg(() => my.ones([2]).sum().backward(), /^backward: the tensor does not require grad and has no gradFn/);
});

test("tensor(): ragged nested arrays and non-numbers name the index", () => {
  throwsMsg(() => my.tensor([[1, 2], [3]]), /^tensor: ragged nested array: expected length 2 at dim 1 \(index \[1\]\) but got length 1; every row must have the same length/);
  throwsMsg(() => my.tensor([[1, 2], 3] as never), /^tensor: ragged nested array: expected length 2 at dim 1 \(index \[1\]\) but got a scalar/);
  throwsMsg(() => my.tensor([1, [2]] as never), /^tensor: ragged nested array: expected a number at index \[1\] but found an array/);
  throwsMsg(() => my.tensor([1, "a"] as never), /^tensor: expected numbers or booleans, got string at index \[1\]/);
  throwsMsg(() => my.tensor(new Float32Array(6), { shape: [4, 2] }), /^tensor: shape \[4, 2\] holds 8 elements but the TypedArray has 6/);
});

test("unknown dtypes are named, with the list of valid ones", () => {
  const valid = /expected "float32", "float64", "int32" or "bool"/;
  assert.throws(() => my.tensor([1], { dtype: "float16" as never }), (e: Error) => /^tensor: unknown dtype "float16"/.test(e.message) && valid.test(e.message));
  throwsMsg(() => my.zeros([2], { dtype: "uint8" as never }), /^zeros: unknown dtype "uint8"/);
  throwsMsg(() => my.randn([2], { dtype: "half" as never }), /^randn: unknown dtype "half"/);
  throwsMsg(() => my.ones([2]).to("float16" as never), /^to: unknown dtype "float16"/);
  throwsMsg(() => my.tensor([1], { dtype: "int64" as never }), /unknown dtype "int64".*"int32" where PyTorch uses int64/);
});

test("item() needs exactly one element", () => {
  throwsMsg(() => my.tensor([1, 2]).item(), /^item: only one-element tensors can be converted to a number, got shape \[2\]/);
  throwsMsg(() => my.zeros([0]).item(), /^item: .*got shape \[0\]/);
  assert.equal(my.tensor([[4]]).item(), 4);
});

test("shape arguments are validated by the creating op", () => {
  throwsMsg(() => my.randn([2, -1]), /^randn: invalid shape \[2, -1\]: sizes must be non-negative integers/);
  throwsMsg(() => my.ones([2.5]), /^ones: shape entries must be integers, got \[2.5\]/);
  throwsMsg(() => my.linspace(0, 1, -1), /^linspace: steps must be a non-negative integer, got -1/);
});

test("autograd misuse: int requiresGrad, in-place on leaves, stale saved tensors", () => {
  throwsMsg(() => my.tensor([1], { dtype: "int32" }).requiresGrad_(), /^requiresGrad_: only floating-point tensors can require gradients, got dtype int32/);
  const w = my.ones([2], { requiresGrad: true });
  throwsMsg(() => w.add_(1), /^add_: a leaf tensor that requires grad is being used in an in-place operation/);
  const y = w.sigmoid();
  y.mul_(2);
  throwsMsg(() => y.sum().backward(),
    /^backward: one of the tensors needed for gradient computation has been modified by an in-place operation: a float32 tensor of shape \[2\] \(saved by SigmoidBackward\) is at version 1; expected version 0/);
});
