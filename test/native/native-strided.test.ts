// Native strided copies (view -> contiguous and back, with accumulation) against the
// JS reference kernels, on views the ops make: permutations, slices with offsets,
// flips (negative strides), expands (zero strides), non-unit inner strides; and
// out-of-bounds views are rejected instead of reading or writing past the array.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNativeAddon, makeNativeBackend } from "../../src/backends/native/index.js";
import { jsBackend } from "../../src/backends/js/index.js";
import { randArray, rng } from "../backends/wasm-util.js";

const addon = await loadNativeAddon();
const skip = addon?.strided ? false : "native addon unavailable or built before strided copies";
const r = rng(17);

// [source length, offset, shape, strides]
const VIEWS: [number, number, number[], number[]][] = [
  [2 * 3 * 4 * 64, 0, [4, 2, 3, 64], [64, 768, 256, 1]],        // permute, contiguous rows
  [10 * 40, 5, [10, 30], [40, 1]],                              // slice with offset
  [100 * 20, 99 * 20, [100, 20], [-20, 1]],                     // flip dim 0
  [50, 0, [40, 50], [0, 1]],                                    // expand
  [64 * 32, 1, [32, 31], [64, 2]],                              // inner stride 2
  [3 * 1024 * 128 * 3, 0, [3, 16, 4, 64, 32], [128, 64 * 384, 32, 384, 1]], // attention head split
];

test("native strided/stridedAssign equal the JS reference on permuted, sliced, flipped, expanded views", { skip }, () => {
  const native = makeNativeBackend(jsBackend, addon!);
  for (const [len, off, shape, strides] of VIEWS) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randArray(r, len);
    const want = new Float32Array(n), got = new Float32Array(n);
    jsBackend.strided(x, off, shape, strides, want);
    native.strided(x, off, shape, strides, got);
    assert.deepEqual(got, want, `strided ${shape}`);
    if (strides.includes(0)) continue; // assignment through an expanded view writes one place many times
    for (const acc of [false, true]) {
      const src = randArray(r, n), a = randArray(r, len), b = a.slice();
      jsBackend.stridedAssign(src, a, off, shape, strides, acc);
      native.stridedAssign(src, b, off, shape, strides, acc);
      assert.deepEqual(b, a, `stridedAssign ${shape} accumulate ${acc}`);
    }
  }
});

test("native strided rejects views that reach outside the array", { skip }, () => {
  const x = new Float32Array(2000), out = new Float32Array(2000);
  assert.throws(() => addon!.strided!(x, 1, Int32Array.of(2, 1000), Int32Array.of(1000, 1), out), /out of bounds/);
  assert.throws(() => addon!.strided!(x, 0, Int32Array.of(2000), Int32Array.of(-1), out), /out of bounds/);
  assert.throws(() => addon!.stridedAssign!(out, x, 5, Int32Array.of(2000), Int32Array.of(1), false), /out of bounds/);
});
