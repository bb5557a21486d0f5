/**
 * Image transforms against hand-computed values and, for affine warps, against
 * PyTorch's affine_grid + grid_sample (test/fixtures/data/gen_affine.py).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";

const T = my.data.transforms;
const fx = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "data");

const img3 = () => my.tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]); // [1, 3, 3]

test("toTensor: HWC uint8 → CHW float32 / 255; gray; ImageData-like RGBA", () => {
  const t = T.toTensor(new Uint8Array([0, 255, 51, 102, 204, 153]), [1, 2, 3]);
  assert.deepEqual(t.shape, [3, 1, 2]);
  assertClose(t, [0, 0.4, 1, 0.8, 0.2, 0.6]);
  assert.deepEqual(T.toTensor([0, 255, 255, 0], [2, 2]).shape, [1, 2, 2]);
  const rgba = T.toTensor({ data: new Uint8ClampedArray([255, 0, 0, 255]), width: 1, height: 1 });
  assert.deepEqual(rgba.shape, [4, 1, 1]);
  assertClose(rgba, [1, 0, 0, 1]);
  assert.throws(() => T.toTensor(new Uint8Array(5), [2, 2]), /expected \[2, 2, 1\] = 4 pixel values/);
  assert.throws(() => T.toTensor([300], [1, 1]), /pixel value 300 at \[0, 0, 0\] is outside \[0, 255\]/);
});

test("Normalize: per channel (x - mean) / std on images and batches", () => {
  const x = my.tensor([[[0, 1]], [[2, 4]]]); // [2, 1, 2]
  const n = new T.Normalize([0.5, 1], [0.5, 2]);
  assertClose(n.apply(x), [-1, 1, 0.5, 1.5]);
  assertClose(n.apply(my.stack([x, x])), [-1, 1, 0.5, 1.5, -1, 1, 0.5, 1.5]);
  assertClose(new T.Normalize(0.1307, 0.3081).apply(my.tensor([[[0.1307, 1]]])), [0, (1 - 0.1307) / 0.3081]);
  assert.throws(() => n.apply(my.zeros([3, 2, 2])), /2 mean\/std values for an image with 3 channels/);
  assert.throws(() => new T.Normalize([0], [0]), /std\[0\] is 0/);
  assert.throws(() => n.apply(my.zeros([2, 2])), /expected an image \[C, H, W\] or a batch \[N, C, H, W\], got \[2, 2\]/);
});

test("RandomHorizontalFlip: p=1 mirrors, p=0 keeps, p=0.5 flips about half of a batch", () => {
  assert.deepEqual(new T.RandomHorizontalFlip(1).apply(img3()).toArray(), [[[3, 2, 1], [6, 5, 4], [9, 8, 7]]]);
  assert.deepEqual(new T.RandomHorizontalFlip(0).apply(img3()).toArray(), img3().toArray());
  const batch = my.arange(0, 3).reshape(1, 1, 1, 3).expand(400, 1, 1, 3).contiguous();
  const out = new T.RandomHorizontalFlip(0.5, { generator: new my.Generator(5) }).apply(batch);
  let flipped = 0;
  for (let n = 0; n < 400; n++) {
    const row = Array.from(out._data.subarray(3 * n, 3 * n + 3));
    assert.ok(row.join() === "0,1,2" || row.join() === "2,1,0", `row ${n}: ${row}`);
    if (row[0] === 2) flipped++;
  }
  // Binomial(400, 0.5): mean 200, sd 10; 5 sd bounds.
  assert.ok(flipped > 150 && flipped < 250, `flipped ${flipped} of 400`);
});

test("RandomCrop: without padding a window of the image; with padding zeros at the border", () => {
  const x = my.arange(0, 16).reshape(1, 4, 4);
  const g = new my.Generator(3);
  for (let k = 0; k < 20; k++) {
    const c = new T.RandomCrop(2, { generator: g }).apply(x);
    const [a, b, cc, d] = Array.from(c._data);
    // A 2x2 window of arange(16).reshape(4,4) is [v, v+1, v+4, v+5] with v not in the last row/col.
    assert.deepEqual([b - a, cc - a, d - a], [1, 4, 5]);
    assert.ok(a % 4 < 3 && a < 11);
  }
  // 1x1 image padded by 1 and cropped to 3x3: the pixel lands in the centre.
  assert.deepEqual(new T.RandomCrop(3, { padding: 1 }).apply(my.tensor([[[7]]])).toArray(), [[[0, 0, 0], [0, 7, 0], [0, 0, 0]]]);
  // Every offset of a 1x1 crop from a 1x1 image padded by 1 is reached over many draws.
  const seen = new Set<number>();
  const crop = new T.RandomCrop(1, { padding: 1, fill: -1, generator: new my.Generator(0) });
  for (let k = 0; k < 200; k++) seen.add(crop.apply(my.tensor([[[7]]])).item());
  assert.deepEqual([...seen].sort(), [-1, 7]);
  assert.deepEqual(new T.RandomCrop([2, 3]).apply(my.zeros([5, 3, 4, 4])).shape, [5, 3, 2, 3]);
  assert.throws(() => new T.RandomCrop(5).apply(x), /crop size \[5, 5\] is larger than the padded image \[4, 4\]/);
});

test("rotation by 90 degrees is an exact quarter turn counter-clockwise (both samplers)", () => {
  const want = [[[3, 6, 9], [2, 5, 8], [1, 4, 7]]];
  assertClose(T.affine(img3(), { angle: 90 }), want, { atol: 1e-5 });
  assert.deepEqual(T.affine(img3(), { angle: 90, interpolation: "nearest" }).toArray(), want);
  assertClose(new T.RandomRotation([90, 90]).apply(img3()), want, { atol: 1e-5 });
  assertClose(new T.RandomRotation([-90, -90]).apply(img3()), [[[7, 4, 1], [8, 5, 2], [9, 6, 3]]], { atol: 1e-5 });
  // Translation by whole pixels shifts right/down and fills with zeros.
  assert.deepEqual(T.affine(img3(), { translate: [1, 0] }).toArray(), [[[0, 1, 2], [0, 4, 5], [0, 7, 8]]]);
  assert.deepEqual(T.affine(img3(), { translate: [0, -1], fill: -1 }).toArray(), [[[4, 5, 6], [7, 8, 9], [-1, -1, -1]]]);
});

test("affine matches PyTorch grid_sample (bilinear and nearest, rotation + translation + scale)", () => {
  const fix = JSON.parse(readFileSync(join(fx, "affine.json"), "utf8")) as {
    image: number[][][];
    cases: { angle: number; translate: [number, number]; scale: number; interpolation: "bilinear" | "nearest"; expected: number[][][] }[];
  };
  const x = my.tensor(fix.image, { dtype: "float64" });
  for (const c of fix.cases) {
    const out = T.affine(x, { angle: c.angle, translate: c.translate, scale: c.scale, interpolation: c.interpolation });
    assertClose(out, c.expected, { atol: 1e-9, rtol: 1e-9, msg: JSON.stringify({ ...c, expected: undefined }) });
    // Batched input warps every image the same way.
    assertClose(T.affine(my.stack([x, x]), c), [c.expected, c.expected], { atol: 1e-9, rtol: 1e-9 });
  }
});

test("RandomAffine: draws within its ranges; degrees 0 + whole translations reproduce a shift", () => {
  const x = my.rand([1, 6, 6], { generator: new my.Generator(1) });
  // translate 1/6 of 6 px → dx, dy ∈ {-1, 0, 1}; each output must equal one of the nine shifts.
  const shifts: my.Tensor[] = [];
  for (const dx of [-1, 0, 1]) for (const dy of [-1, 0, 1]) shifts.push(T.affine(x, { translate: [dx, dy] }));
  const ra = new T.RandomAffine({ degrees: 0, translate: [1 / 6, 1 / 6], generator: new my.Generator(2) });
  const hit = new Set<number>();
  for (let k = 0; k < 60; k++) {
    const y = ra.apply(x);
    const idx = shifts.findIndex((s) => s.sub(y).abs().max().item() < 1e-6);
    assert.ok(idx >= 0, "output is one of the 9 whole-pixel shifts");
    hit.add(idx);
  }
  assert.ok(hit.size >= 7, `only ${hit.size} of 9 shifts drawn`);
  assert.throws(() => new T.RandomAffine({ degrees: 0, scale: [0, 1] }), /scale must be \[min, max\] with 0 < min <= max/);
  assert.throws(() => new T.RandomRotation(-3), /degrees must be non-negative/);
  assert.throws(() => T.affine(my.zeros([1, 2, 2], { dtype: "int32" }), {}), /expected a float32\/float64 image, got int32/);
});

test("GaussianNoise: mean and standard deviation of the added noise", () => {
  const x = my.zeros([1, 100, 100]);
  const y = new T.GaussianNoise(0.5, { mean: 1, generator: new my.Generator(0) }).apply(x);
  // 10,000 draws: sample mean within 5 standard errors (0.005) of 1, std within 3%.
  assert.ok(Math.abs(y.mean().item() - 1) < 0.025, `mean ${y.mean().item()}`);
  assert.ok(Math.abs(y.std().item() - 0.5) < 0.015, `std ${y.std().item()}`);
});

test("Compose chains functions and transform objects; seeded pipelines reproduce", () => {
  const pipe = (seed: number) => {
    const g = new my.Generator(seed);
    return new T.Compose([(x: my.Tensor) => x.mul(2), new T.RandomHorizontalFlip(0.5, { generator: g }), new T.GaussianNoise(0.1, { generator: g }), new T.Normalize(1, 2)]);
  };
  const x = my.rand([4, 1, 5, 5], { generator: new my.Generator(0) });
  assert.deepEqual(pipe(7).apply(x).toArray(), pipe(7).apply(x).toArray());
  assert.notDeepEqual(pipe(7).apply(x).toArray(), pipe(8).apply(x).toArray());
  assertClose(new T.Compose([(x: my.Tensor) => x.add(1), new T.Normalize(1, 2)]).apply(my.tensor([[[3]]])), [1.5]);
  assert.throws(() => new T.Compose([3 as unknown as my.data.transforms.Transform]), /transforms\[0\] is neither a function nor an object with apply/);
});
