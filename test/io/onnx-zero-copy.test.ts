// importOnnx reads float32 initialisers stored as raw_data in place when their offset in
// the model's bytes is 4-byte aligned (no copy; documented: the parameters then share
// memory with the bytes) and copies them otherwise; either way the values are the
// little-endian floats of the file (checked against Buffer.readFloatLE's decoding).
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";
import { floatTensor, init, model, node, vinfo } from "./onnx-wire.js";

const W = [1.5, -2.25, 3.125, 1e-20];
const bytes = model([...node("Add", ["x", "w"], ["y"]), ...init(floatTensor("w", [4], W)), ...vinfo(11, "x"), ...vinfo(12, "y")]);
// Where the raw floats sit in the model's bytes.
const rawAt = (() => {
  const b = Buffer.from(bytes);
  for (let i = 0; i + 16 <= b.length; i++) if (W.every((v, j) => b.readFloatLE(i + 4 * j) === Math.fround(v))) return i;
  throw new Error("raw floats not found");
})();

// Node Buffers too: their slice() is a view, so the copy path must not rely on it.
for (const kind of ["Uint8Array", "Buffer"] as const) for (let shift = 0; shift < 4; shift++) {
  const aligned = (shift + rawAt) % 4 === 0;
  test(`importOnnx: a raw float32 initialiser at byte offset ${shift + rawAt} of a ${kind} is ${aligned ? "read in place" : "copied"} with the file's values`, () => {
    const whole = new ArrayBuffer(bytes.length + 8);
    const buf = kind === "Buffer" ? Buffer.from(whole, shift, bytes.length) : new Uint8Array(whole, shift, bytes.length);
    buf.set(bytes);
    const m = my.io.importOnnx(buf);
    const y = () => Array.from((m.forward(my.zeros([4])) as my.Tensor).data() as Float32Array);
    assert.deepEqual(y(), W.map((v) => Math.fround(v)));
    // Overwrite the first raw float in the caller's buffer: only an in-place read sees it.
    new DataView(buf.buffer, buf.byteOffset).setFloat32(rawAt, 42, true);
    assert.equal(y()[0], aligned ? 42 : Math.fround(W[0]));
  });
}
