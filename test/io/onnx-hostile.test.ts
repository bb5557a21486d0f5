/**
 * Hostile ONNX bytes: truncated files, bad wire types, absurd lengths and tensor
 * sizes, cyclic graphs, dangling inputs and unknown operators all fail with a clear
 * error (never a crash or a huge allocation). Models are hand-encoded with the
 * protobuf wire format (field numbers from onnx.proto), independent of our encoder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { model, msg, node, str, varint, vinfo } from "./onnx-wire.js";

const { importOnnx } = my.io;
const mlp = readFileSync(fileURLToPath(new URL("../fixtures/onnx/mlp.onnx", import.meta.url)));

test("hostile ONNX: every truncation of a real model fails cleanly", () => {
  for (let n = 0; n < mlp.length; n += 7) {
    let err: unknown = null;
    try { importOnnx(mlp.subarray(0, n)); } catch (e) { err = e; }
    if (n < mlp.length) assert.ok(err instanceof Error, `prefix of ${n} bytes was accepted`);
    if (err) assert.match((err as Error).message, /^(onnx|importOnnx)/, `prefix ${n}: ${(err as Error).message}`);
  }
});

test("hostile ONNX: bad wire types, overlong varints, lengths past the end", () => {
  assert.throws(() => importOnnx(new Uint8Array([0x4b])), /unsupported wire type 3/);
  assert.throws(() => importOnnx(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /varint longer than 10 bytes/);
  assert.throws(() => importOnnx(new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f])), /runs past the end/);
  assert.throws(() => importOnnx(new Uint8Array([0x08, 0x08])), /has no graph/);
  assert.throws(() => importOnnx(new Uint8Array([0x3a, 0x00, 0x3a])), /truncated varint/);
});

test("hostile ONNX: a tensor claiming 2^40 elements is rejected before allocating", () => {
  // initializer (field 5): dims [1048576, 1048576], FLOAT, 4 bytes of raw_data
  const t = msg(5, [...msg(1, [...varint(1048576), ...varint(1048576)]), 0x10, 1, ...str(8, "w"), 0x4a, 4, 0, 0, 0, 0]);
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => importOnnx(model(t)), /need 4398046511104 raw bytes, got 4/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20);
});

test("hostile ONNX: cyclic graphs, dangling inputs and unknown operators are named", () => {
  const cyc = [...node("Relu", ["b"], ["a"], "n1"), ...node("Relu", ["a"], ["b"], "n2"), ...vinfo(11, "x"), ...vinfo(12, "a")];
  assert.throws(() => importOnnx(model(cyc)), /graph is cyclic/);
  const dangling = [...node("Relu", ["nope"], ["y"], "r"), ...vinfo(11, "x"), ...vinfo(12, "y")];
  assert.throws(() => importOnnx(model(dangling)), /node "r" \(Relu\) reads "nope"/);
  const unknown = [...node("FancyOp", ["x"], ["y"], "mystery"), ...vinfo(11, "x"), ...vinfo(12, "y")];
  assert.throws(() => importOnnx(model(unknown)), /unsupported operator FancyOp \(node "mystery"\)/);
  const twice = [...node("Relu", ["x"], ["y"], "a"), ...node("Relu", ["x"], ["y"], "b"), ...vinfo(11, "x"), ...vinfo(12, "y")];
  assert.throws(() => importOnnx(model(twice)), /value "y" is produced twice/);
});

test("hostile ONNX: a valid hand-encoded Relu graph runs (the encoding above is right)", () => {
  const g = [...node("Relu", ["x"], ["y"]), ...vinfo(11, "x"), ...vinfo(12, "y")];
  const y = importOnnx(model(g)).forward(my.tensor([-1, 2, -3, 4])) as my.Tensor;
  assert.deepEqual(y.toArray(), [0, 2, 0, 4]);
});
