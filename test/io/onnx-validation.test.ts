/**
 * The ONNX importer validates before it allocates: pads, repeats and shapes taken from
 * the file, a per-tensor byte budget (default 1 GiB, `importOnnx(bytes, { maxBytes })`)
 * that names the node and the size, attributes checked against the operator's schema
 * and the shapes they describe (as onnxruntime refuses them), Range with delta 0 or
 * NaN, Concat without inputs, a graph without outputs. Each case was a NaN shape, a V8
 * error, a 1.6 GB allocation or a silent acceptance before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { attrInt, attrInts, floatTensor, init, int64Tensor, model, node, vinfo } from "./onnx-wire.js";

const { importOnnx } = my.io;
const io1 = (op: string, extra: number[], ins = ["x"], attrs: number[] = []) =>
  model([...extra, ...node(op, ins, ["y"], "n", attrs), ...vinfo(11, "x"), ...vinfo(12, "y")]);
const run = (bytes: Uint8Array, x: my.Tensor, opts?: { maxBytes?: number }) => importOnnx(bytes, opts).forward(x) as my.Tensor;

test("ONNX Pad: empty or short pads are refused, naming the node", () => {
  for (const pads of [[], [1, 1]]) {
    const m = io1("Pad", init(int64Tensor("p", [pads.length], pads)), ["x", "p"]);
    assert.throws(() => run(m, my.ones([2, 3])), new RegExp(`importOnnx: node "n" \\(Pad\\): pads has ${pads.length} values; expected 4 \\(begin and end for each of 2 axes\\)`));
  }
  // Well-formed pads: [2, 3] padded by 1 at the start of dim 0 and 2 at the end of dim 1 -> [3, 5].
  const ok = io1("Pad", init(int64Tensor("p", [4], [1, 0, 0, 2])), ["x", "p"]);
  assert.deepEqual(run(ok, my.ones([2, 3])).shape, [3, 5]);
});

test("ONNX byte budget: Tile, ConstantOfShape and Expand name the node and the size instead of allocating", () => {
  const before = process.memoryUsage().arrayBuffers;
  const tile = io1("Tile", init(int64Tensor("r", [2], [5000, 5000])), ["x", "r"]);
  // [4, 4] float32 tiled 5000 x 5000 = [20000, 20000] = 1.6e9 bytes > 2^30.
  assert.throws(() => run(tile, my.ones([4, 4])), /node "n" \(Tile\): the output of shape \[20000, 20000\] \(float32\) would allocate 1600000000 bytes, over the import budget of 1073741824 bytes per tensor \(raise it with importOnnx\(bytes, \{ maxBytes \}\)\)/);
  const cos = model([...init(int64Tensor("s", [2], [20000, 20000])), ...node("ConstantOfShape", ["s"], ["y"], "c"), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.throws(() => importOnnx(cos).forward(my.ones([1])), /node "c" \(ConstantOfShape\): the output of shape \[20000, 20000\] \(float32\) would allocate 1600000000 bytes/);
  const big = model([...init(int64Tensor("s", [2], [2 ** 31 - 1, 2 ** 31 - 1])), ...node("ConstantOfShape", ["s"], ["y"], "c"), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.throws(() => importOnnx(big).forward(my.ones([1])), /would allocate 18446744056529682000 bytes, over the import budget/);
  const expand = io1("Expand", init(int64Tensor("s", [2], [30000, 30000])), ["x", "s"]);
  assert.throws(() => run(expand, my.ones([1, 1])), /node "n" \(Expand\): the Expand target of shape \[30000, 30000\] \(float32\) would allocate 3600000000 bytes/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, "nothing large was allocated");
});

test("ONNX byte budget: any allocation a node makes is held to it (a broadcast Add of two small initialisers)", () => {
  const g = [...init(floatTensor("a", [3000, 1], new Array(3000).fill(1))), ...init(floatTensor("b", [1, 3000], new Array(3000).fill(2))),
    ...node("Add", ["a", "b"], ["s"], "add"), ...node("Add", ["s", "x"], ["y"], "out"), ...vinfo(11, "x"), ...vinfo(12, "y")];
  // [3000, 3000] float32 = 36,000,000 bytes: over a 1e7 budget, within 4e7.
  assert.throws(() => run(model(g), my.ones([1]), { maxBytes: 1e7 }), /importOnnx: node "add" \(Add\): a tensor would allocate 36000000 bytes, over the import budget of 10000000 bytes per tensor/);
  const y = run(model(g), my.ones([1]), { maxBytes: 4e7 });
  assert.deepEqual(y.shape, [3000, 3000]);
  assert.equal(y.sum().item(), 4 * 9e6);
  assert.throws(() => importOnnx(model(g), { maxBytes: 0 }), /importOnnx: maxBytes must be a positive number of bytes, got 0/);
});

test("ONNX Range: delta 0 and NaN bounds are refused by Range", () => {
  const range = (s: number, l: number, d: number) => model([...init(floatTensor("s", [], [s])), ...init(floatTensor("l", [], [l])), ...init(floatTensor("d", [], [d])),
    ...node("Range", ["s", "l", "d"], ["y"], "r"), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.throws(() => importOnnx(range(0, 10, 0)).forward(my.ones([1])), /node "r" \(Range\): delta must not be 0/);
  assert.throws(() => importOnnx(range(0, NaN, 1)).forward(my.ones([1])), /node "r" \(Range\): start, limit and delta must be finite numbers, got 0, NaN, 1/);
  assert.throws(() => importOnnx(range(0, 2 ** 30, 1)).forward(my.ones([1])), /node "r" \(Range\): the output of shape \[1073741824\] \(float32\) would allocate 4294967296 bytes/);
  assert.deepEqual((importOnnx(range(1, 2, 0.25)).forward(my.ones([1])) as my.Tensor).toArray(), [1, 1.25, 1.5, 1.75]);
});

test("ONNX Concat without inputs and a graph without outputs are named", () => {
  const concat = model([...node("Concat", [], ["y"], "cat", attrInt("axis", 0)), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.throws(() => importOnnx(concat), /importOnnx: node "cat" \(Concat\) has 0 input\(s\); Concat takes at least 1/);
  assert.throws(() => importOnnx(model([...node("Relu", ["x"], ["y"]), ...vinfo(11, "x")])), /importOnnx: the graph has no outputs/);
});

test("ONNX input and output counts are checked against the operator", () => {
  assert.throws(() => importOnnx(io1("Relu", [], ["x", "x"])), /node "n" \(Relu\) has 2 input\(s\); Relu takes 1/);
  assert.throws(() => importOnnx(io1("Add", [], ["x"])), /node "n" \(Add\) has 1 input\(s\); Add takes 2/);
  const twoOut = model([...node("Relu", ["x"], ["y", "z"], "n"), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.throws(() => importOnnx(twoOut), /node "n" \(Relu\) has 2 output\(s\); Relu gives 1/);
  // An omitted optional input ("") still counts as a position: Clip(x, "", max) is Clip with only a max.
  const clip = model([...init(floatTensor("hi", [], [1])), ...node("Clip", ["x", "", "hi"], ["y"], "c"), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  assert.deepEqual((importOnnx(clip).forward(my.tensor([-3, 0.5, 3])) as my.Tensor).toArray(), [-3, 0.5, 1]);
});

test("ONNX attributes are checked against the schema and against the shapes they describe", () => {
  const w = init(floatTensor("w", [1, 1, 3, 3], new Array(9).fill(1)));
  const conv = (attrs: number[]) => model([...w, ...node("Conv", ["x", "w"], ["y"], "conv", attrs), ...vinfo(11, "x"), ...vinfo(12, "y")]);
  const x = my.ones([1, 1, 5, 5]);
  assert.throws(() => importOnnx(conv(attrInts("kernel_shape", [2, 2]))).forward(x), /node "conv" \(Conv\): kernel_shape \[2, 2\] contradicts the weight's kernel \[3, 3\]/);
  assert.throws(() => importOnnx(conv(attrInts("strides", [1, 1, 1]))).forward(x), /strides \[1, 1, 1\] must have 2 entries/);
  assert.throws(() => importOnnx(conv(attrInts("pads", [1, 1]))).forward(x), /pads \[1, 1\] must have 4 entries/);
  assert.throws(() => importOnnx(conv(attrInt("kernel_size", 3))), /importOnnx: node "conv" \(Conv\) has attribute "kernel_size", which Conv does not define \(it takes auto_pad, dilations, group, kernel_shape, pads, strides\)/);
  assert.throws(() => importOnnx(io1("Relu", [], ["x"], attrInt("alpha", 1))), /\(Relu\) has attribute "alpha", which Relu does not define/);
  // The matching kernel_shape runs: a 3x3 box sum over a 5x5 field of ones with pads 1 -> 4 at the corners, 9 in the middle.
  const y = importOnnx(conv([...attrInts("kernel_shape", [3, 3]), ...attrInts("pads", [1, 1, 1, 1])])).forward(x) as my.Tensor;
  assert.deepEqual(y.shape, [1, 1, 5, 5]);
  assert.equal(y.data()[0], 4);
  assert.equal(y.data()[12], 9);
});
