/**
 * safetensors: reading files written from the format spec by PyTorch's side
 * (gen_safetensors.py), writing files Python verified (byte-compared with the committed
 * samples), byte vectors from the reference Rust implementation's own unit tests,
 * round trips, zero-copy reads, save/load through the file system, and every kind of
 * hostile file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { myelinSamples } from "../fixtures/safetensors/myelin_samples.js";

const fx = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "safetensors");
const read = (name: string) => new Uint8Array(readFileSync(join(fx, name)));

interface RefEntry { dtype: string; shape: number[]; values: unknown }

test("reads every dtype of the PyTorch-side reference file, with the expected conversions", () => {
  const ref = JSON.parse(readFileSync(join(fx, "reference.json"), "utf8")) as { metadata: Record<string, string>; tensors: Record<string, RefEntry> };
  const bytes = read("reference.safetensors");
  const sd = my.io.fromSafetensors(bytes);
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(ref.tensors).sort());
  const want: Record<string, string> = { F32: "float32", F64: "float64", I32: "int32", BOOL: "bool", I64: "int32", F16: "float32", BF16: "float32", U8: "int32", I8: "int32", I16: "int32" };
  for (const [name, e] of Object.entries(ref.tensors)) {
    const t = sd[name];
    assert.deepEqual(t.shape, e.shape, name);
    assert.equal(t.dtype, want[e.dtype], `${name} (${e.dtype})`);
    // Float16/bfloat16 values are PyTorch's own .float() conversion; every value is exact.
    assertClose(t, e.values, { rtol: 0, atol: 0, msg: name });
  }
  assert.deepEqual(my.io.metadataOf(bytes), ref.metadata);
  const header = my.io.readSafetensorsHeader(bytes);
  assert.equal(header.tensors["f16"].dtype, "F16");
  assert.deepEqual(header.tensors["bf16"].shape, [2, 2]);
});

test("F32/F64/I32/BOOL reads are zero-copy views when aligned; {copy: true} detaches them", () => {
  const bytes = read("reference.safetensors");
  const sd = my.io.fromSafetensors(bytes);
  for (const k of ["f32", "f64", "i32", "mask"]) assert.equal(sd[k]._data.buffer, bytes.buffer, k);
  assert.notEqual(sd["f16"]._data.buffer, bytes.buffer);
  const copied = my.io.fromSafetensors(bytes, { copy: true });
  for (const k of ["f32", "f64", "i32", "mask"]) assert.notEqual(copied[k]._data.buffer, bytes.buffer, k);
  assert.deepEqual(copied["f32"].toArray(), sd["f32"].toArray());
});

test("unaligned offsets (U8 before F32/F64, header out of order) are read by copying", () => {
  const sd = my.io.fromSafetensors(read("unaligned.safetensors"));
  assert.deepEqual(Object.keys(sd), ["a", "b", "c"]);
  assert.deepEqual(sd.a.toArray(), [9, 8]);
  assert.deepEqual(sd.b.toArray(), [1.25, -3.5]);
  assertClose(sd.c, [1 / 7], { rtol: 0, atol: 0 });
  assert.equal(sd.c.dtype, "float64");
});

test("I64 values outside int32 raise a clear error", () => {
  assert.throws(() => my.io.fromSafetensors(read("i64_overflow.safetensors")), /tensor "big" \(I64\) element 1 = 2147483648 does not fit in int32/);
  assert.throws(() => my.io.fromSafetensors(read("i64_underflow.safetensors")), /tensor "small" \(I64\) element 0 = -2147483649 does not fit in int32/);
});

test("myelin-written files equal the committed samples that Python verified, byte for byte", () => {
  for (const [name, [rec, meta]] of Object.entries(myelinSamples())) {
    const bytes = my.io.toSafetensors(rec, meta);
    assert.deepEqual(Buffer.from(bytes), readFileSync(join(fx, name)), name);
  }
});

test("writer matches the reference Rust implementation's unit-test byte vectors", () => {
  // safetensors/src/tensor.rs tests: test_empty, test_serialization, test_serialization_forced_alignement.
  assert.deepEqual(Array.from(my.io.toSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(Array.from(my.io.toSafetensors({}, { framework: "pt" })), [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32,
  ]);
  const data = my.tensor([0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(my.io.toSafetensors({ "attn.0": data.reshape(1, 2, 3) })), [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
    0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]);
  assert.deepEqual(Array.from(my.io.toSafetensors({ attn0: data.reshape(1, 1, 2, 3) })), [
    72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
    32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]);
});

test("round trip keeps names, shapes, dtypes and values; writer orders by alignment then name", () => {
  const rec = {
    z: my.tensor([[1, 2], [3, 4]], { dtype: "int32" }),
    a: my.tensor([true, false]),
    m: my.tensor([0.5, -1e-8], { dtype: "float64" }),
    b: my.randn([3, 5], { generator: new my.Generator(1) }),
  };
  const bytes = my.io.toSafetensors(rec, { k: "v" });
  const back = my.io.fromSafetensors(bytes);
  // F64 (8-byte) first, then F32, I32, BOOL — as the Rust writer sorts.
  assert.deepEqual(Object.keys(back), ["m", "b", "z", "a"]);
  for (const [k, t] of Object.entries(rec)) {
    assert.equal(back[k].dtype, t.dtype);
    assert.deepEqual(back[k].toArray(), t.toArray());
  }
  assert.deepEqual(my.io.metadataOf(bytes), { k: "v" });
  assert.equal(my.io.metadataOf(my.io.toSafetensors(rec)), undefined);
  assert.throws(() => my.io.toSafetensors({ x: [1, 2] as unknown as my.Tensor }), /value for "x" is not a Tensor/);
  assert.throws(() => my.io.toSafetensors({}, { epoch: 3 as unknown as string }), /metadata value for "epoch" must be a string/);
});

test("save/load through the file system, atomically (no temp files left behind)", () => {
  const dir = mkdtempSync(join(tmpdir(), "myelin-st-"));
  try {
    const path = join(dir, "model.safetensors");
    const rec = { w: my.arange(0, 6).reshape(2, 3), n: my.tensor([3], { dtype: "int32" }) };
    my.io.save(rec, path, { format: "pt" });
    my.io.save(rec, path, { format: "pt" }); // overwriting is fine too
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
    const back = my.io.load(path);
    assert.deepEqual(back.w.toArray(), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(back.n.toArray(), [3]);
    assert.throws(() => my.io.load(join(dir, "nope.safetensors")), /io\.load: cannot read .*nope\.safetensors/);
    assert.throws(() => my.io.save(rec, join(dir, "missing-dir", "x.safetensors")), /io\.save: cannot write .*x\.safetensors/);
    assert.throws(() => my.io.load(join(fx, "hostile_gap.safetensors")), /io\.load: .*hostile_gap\.safetensors: safetensors: gap in the data buffer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("hostile files raise clear errors before allocating what the header claims", () => {
  const cases: Record<string, RegExp> = {
    too_short: /file is 3 bytes, too short for the 8-byte header length/,
    header_past_end: /header length 1000 runs past the end of the file \(16 bytes/,
    header_huge: /header length 4611686018427387904 exceeds the 100000000-byte limit/,
    not_json: /header is not valid JSON/,
    not_utf8: /header is not valid UTF-8/,
    header_array: /header JSON must be an object/,
    unknown_dtype: /tensor "w" has unknown dtype "F99"/,
    unsupported_dtype: /tensor "w" has dtype F8_E4M3, which myelin cannot load/,
    shape_mismatch: /tensor "w": dtype F32 with shape \[2,3\] needs 24 bytes but data_offsets \[0,8\] span 8/,
    huge_shape: /tensor "w": dtype F32 with shape \[1000000000000\] needs 4000000000000 bytes but data_offsets \[0,8\] span 8/,
    overflow_shape: /tensor "w": dtype F64 with shape \[1099511627776,1099511627776\] needs an overflowing number of bytes/,
    bad_shape: /tensor "w" has an invalid shape \[2,-1\]/,
    overlap: /tensor "b" data_offsets \[4,12\] overlap tensor "a" \(which ends at 8\)/,
    out_of_range: /tensor "a" data_offsets \[0,16\] are out of range: the data buffer is 8 bytes/,
    gap: /gap in the data buffer: bytes 4\.\.8 belong to no tensor \(before "b"\)/,
    trailing: /the tensors cover 4 bytes of data but the file holds 8 after the header \(trailing bytes\)/,
    reversed_offsets: /tensor "a" has invalid data_offsets \[8,0\]/,
    missing_offsets: /tensor "a" has invalid data_offsets undefined/,
    bad_metadata: /"__metadata__" value for "epoch" must be a string, got 3/,
    bad_bool: /tensor "m" \(BOOL\) holds byte 2 at element 1/,
  };
  const files = readdirSync(fx).filter((f) => f.startsWith("hostile_")).map((f) => f.slice(8, -12)).sort();
  assert.deepEqual(files, Object.keys(cases).sort(), "every hostile fixture has a case");
  for (const [name, re] of Object.entries(cases)) {
    assert.throws(() => my.io.fromSafetensors(read(`hostile_${name}.safetensors`)), (e: Error) => {
      assert.match(e.message, /^safetensors: /, name);
      assert.match(e.message, re, name);
      return true;
    });
  }
});
