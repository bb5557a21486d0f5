/**
 * Bad sizes are refused before anything is built, by the op the user called, naming
 * the rule: fractional or null pads (PyTorch: "pad(): argument 'pad' must be tuple of
 * ints"), negative repeat counts, a mask that does not broadcast, a NaN stride.
 * Before, `pad` built shapes [2, 5.5] and [2, NaN], and the others were reported by
 * `reshape` / `expand` or as "got null".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";

test("pad: pads must be integers and must not make a dim negative", () => {
  assert.throws(() => my.pad(my.ones([2, 4]), [1.5, 0]), /^TypeError: pad: pads must be integers, got \[1\.5, 0\]$/);
  assert.throws(() => my.pad(my.ones([2, 4]), [null as unknown as number, 1]), /pad: pads must be integers, got \[null, 1\]/);
  assert.throws(() => my.pad(my.ones([2, 4]), [NaN, 1]), /pad: pads must be integers, got \[NaN, 1\]/);
  assert.throws(() => my.pad(my.ones([2, 4]), [-3, -2]), /pad: pads \(-3, -2\) would make dim 1 of shape \[2, 4\] negative \(-1\)/);
  // Valid pads still work: [2, 4] padded by (1, 2) on the last dim is [2, 7] with 2 * 4 ones.
  const y = my.pad(my.ones([2, 4]), [1, 2]);
  assert.deepEqual(y.shape, [2, 7]);
  assert.equal(y.sum().item(), 8);
});

test("repeat: a negative count is reported by repeat", () => {
  assert.throws(() => my.ones([2]).repeat(-1), /^RangeError: repeat: repeat counts must be non-negative, got \[-1\]$/);
  assert.deepEqual(my.ones([2]).repeat(0).shape, [0]);
});

test("maskedSelect: a mask that does not broadcast is reported by maskedSelect", () => {
  assert.throws(() => my.maskedSelect(my.ones([2, 3]), my.ones([4]).gt(0)), /^Error: maskedSelect: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  // Broadcasting both ways, as torch.masked_select does: x [2, 1] with mask [3] -> 6 picks, 4 true.
  const m = my.tensor([1, 0, 1]).gt(0);
  assert.deepEqual(my.maskedSelect(my.tensor([[1], [2]]), m).toArray(), [1, 1, 2, 2]);
});

test("conv2d: a NaN stride is named as NaN", () => {
  assert.throws(() => my.F.conv2d(my.ones([1, 1, 4, 4]), my.ones([1, 1, 2, 2]), null, { stride: NaN }), /conv2d: .*stride.* got .*NaN/);
  assert.throws(() => my.F.conv2d(my.ones([1, 1, 4, 4]), my.ones([1, 1, 2, 2]), null, { stride: [1, Infinity] }), /conv2d: .*stride.* got .*Infinity/);
});
