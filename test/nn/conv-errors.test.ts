// Invalid arguments to convolution and pooling: each case is one PyTorch 1.13 also
// rejects (checked with torch.nn.functional when this file was written); the test
// asserts we throw, naming the op and the rule broken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";

const F = my.F;
const r = (...s: number[]) => my.randn(s);

const cases: [string, () => unknown, RegExp][] = [
  ["conv2d input rank", () => F.conv2d(r(28, 28), r(4, 1, 3, 3)), /conv2d: expected input of 3 or 4 dims \[N, C, H, W\], got \[28, 28\]/],
  ["conv1d input rank", () => F.conv1d(r(4), r(1, 1, 3)), /conv1d: expected input of 2 or 3 dims \[N, C, L\], got \[4\]/],
  ["conv2d weight rank", () => F.conv2d(r(1, 1, 4, 4), r(1, 3, 3)), /conv2d: expected weight of 4 dims/],
  ["conv2d channel mismatch", () => F.conv2d(r(1, 3, 5, 5), r(4, 2, 3, 3)), /conv2d: input \[1, 3, 5, 5\] has 3 channels but weight \[4, 2, 3, 3\] with groups=1 expects 2 \(weight\.shape\[1\] \* groups\)/],
  ["conv2d groups mismatch", () => F.conv2d(r(1, 4, 5, 5), r(6, 2, 3, 3), undefined, { groups: 3 }), /has 4 channels .* groups=3 expects 6/],
  ["conv2d kernel > padded input", () => F.conv2d(r(1, 1, 2, 2), r(1, 1, 3, 3)), /conv2d: kernel size \[3, 3\] \(after dilation\) is larger than the padded input \[2, 2\]/],
  ["conv2d dilated kernel > input", () => F.conv2d(r(1, 1, 4, 4), r(1, 1, 3, 3), undefined, { dilation: 2 }), /kernel size \[5, 5\] .* padded input \[4, 4\]/],
  ["conv2d same + stride", () => F.conv2d(r(1, 1, 4, 4), r(1, 1, 3, 3), undefined, { stride: 2, padding: "same" }), /padding="same" is not supported for strided/],
  ["conv2d bias shape", () => F.conv2d(r(1, 1, 4, 4), r(2, 1, 3, 3), r(3)), /conv2d: expected bias of shape \[2\]/],
  ["conv2d dtype mismatch", () => F.conv2d(r(1, 1, 4, 4), my.randn([2, 1, 3, 3], { dtype: "float64" })), /same dtype/],
  ["convTranspose2d channel mismatch", () => F.convTranspose2d(r(1, 3, 4, 4), r(2, 1, 3, 3)), /convTranspose2d: input \[1, 3, 4, 4\] has 3 channels but weight \[2, 1, 3, 3\] expects 2 \(weight\.shape\[0\]\)/],
  ["convTranspose2d outputPadding", () => F.convTranspose2d(r(1, 2, 4, 4), r(2, 1, 3, 3), undefined, { stride: 2, outputPadding: 2 }), /outputPadding .* must be smaller than either stride/],
  ["maxPool2d input rank", () => F.maxPool2d(r(4, 4), 2), /maxPool2d: expected input of 3 or 4 dims/],
  ["maxPool2d padding > k/2", () => F.maxPool2d(r(1, 1, 4, 4), 2, { padding: 2 }), /maxPool2d: padding should be at most half of the kernel size/],
  ["maxPool2d output too small", () => F.maxPool2d(r(1, 1, 2, 2), 3), /maxPool2d: input \[1, 1, 2, 2\] is too small/],
  ["avgPool2d padding > k/2", () => F.avgPool2d(r(1, 1, 4, 4), 3, { padding: 2 }), /avgPool2d: padding should be at most half/],
  ["maxPool2d int input", () => F.maxPool2d(my.ones([1, 1, 4, 4], { dtype: "int32" }), 2), /maxPool2d: expected a floating-point input, got dtype int32/],
  ["maxUnpool2d bad index", () => F.maxUnpool2d(r(1, 1, 2, 2), my.tensor([[[[0, 1], [2, 99]]]], { dtype: "int32" }), 2), /maxUnpool2d: found an invalid max index 99/],
];

for (const [name, fn, re] of cases) {
  test(`errors: ${name}`, () => {
    assert.throws(fn, re);
  });
}

test("adaptiveAvgPool2d: zero output size gives an empty tensor (as PyTorch)", () => {
  assert.deepEqual(F.adaptiveAvgPool2d(r(1, 1, 4, 4), [0, 2]).shape, [1, 1, 0, 2]);
});
