/**
 * The IDX binary format of MNIST and Fashion-MNIST, parsed from bytes (no fs here, so
 * the browser can use it): a 4-byte magic (0, 0, dtype code, ndim), ndim big-endian
 * uint32 dims, then the big-endian elements.
 */
import { Tensor, make } from "../core/tensor.js";

const IDX_TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: "uint8", size: 1 },
  0x09: { name: "int8", size: 1 },
  0x0b: { name: "int16", size: 2 },
  0x0c: { name: "int32", size: 4 },
  0x0d: { name: "float32", size: 4 },
  0x0e: { name: "float64", size: 8 },
};

/**
 * Parses IDX bytes into a tensor: uint8/int8/int16/int32 data → int32, float32 →
 * float32, float64 → float64. Validates the magic number, the dtype code, the dims and
 * that the byte length equals the header's claim; errors start with `source`.
 * @example const labels = parseIdx(bytes, "t10k-labels-idx1-ubyte"); // int32 [10000]
 */
export function parseIdx(bytes: Uint8Array, source = "IDX data"): Tensor {
  const { code, shape, headerLen, count } = readIdxHeader(bytes, source);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = count;
  switch (code) {
    case 0x08: {
      const out = new Int32Array(n);
      const src = bytes.subarray(headerLen);
      for (let i = 0; i < n; i++) out[i] = src[i];
      return make(out, shape, "int32");
    }
    case 0x09: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(headerLen + i);
      return make(out, shape, "int32");
    }
    case 0x0b: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(headerLen + 2 * i, false);
      return make(out, shape, "int32");
    }
    case 0x0c: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(headerLen + 4 * i, false);
      return make(out, shape, "int32");
    }
    case 0x0d: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(headerLen + 4 * i, false);
      return make(out, shape, "float32");
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(headerLen + 8 * i, false);
      return make(out, shape, "float64");
    }
  }
}

/** The validated header of IDX bytes: dtype code, dims, header length, element count. */
export interface IdxHeader {
  code: number;
  shape: number[];
  headerLen: number;
  count: number;
}

/** Reads and validates an IDX header against the byte length (see parseIdx). */
export function readIdxHeader(bytes: Uint8Array, source = "IDX data"): IdxHeader {
  const fail = (what: string): never => {
    throw new Error(`loadIdx: ${source}: ${what}`);
  };
  if (bytes.length < 4) fail(`file is ${bytes.length} bytes long, too short for the 4-byte IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`bad magic number 0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")}: the first two bytes must be zero (not an IDX file?)`);
  }
  const code = bytes[2];
  const type = IDX_TYPES[code];
  if (!type) fail(`unknown data type code 0x${code.toString(16).padStart(2, "0")} in the magic number; expected one of 08 (uint8), 09, 0b, 0c, 0d, 0e`);
  const ndim = bytes[3];
  if (ndim === 0) fail("the magic number declares 0 dimensions");
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) fail(`truncated header: ${ndim} dims need ${headerLen} header bytes but the file has ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const s = dv.getUint32(4 + 4 * d, false);
    shape.push(s);
    count *= s;
  }
  const expected = headerLen + count * type.size;
  if (!Number.isSafeInteger(expected) || count > 2 ** 31) fail(`header declares dims [${shape.join(", ")}], too large to load`);
  if (bytes.length !== expected) {
    const why = bytes.length < expected ? "truncated" : "has trailing bytes";
    fail(`${why}: header declares ${type.name} dims [${shape.join(", ")}] = ${count} elements (${expected} bytes with the header) but the file has ${bytes.length} bytes`);
  }
  return { code, shape, headerLen, count };
}

/**
 * Parses uint8 IDX images straight to float32 in [0, 1] with a channel dim:
 * [N, H, W] → [N, 1, H, W] (as torchvision's ToTensor: value / 255), skipping the
 * int32 intermediate that parseIdx would allocate.
 */
export function parseIdxImages(bytes: Uint8Array, source = "images"): Tensor {
  const { code, shape, headerLen, count } = readIdxHeader(bytes, source);
  if (code !== 0x08 || shape.length !== 3) {
    throw new Error(`loadIdx: ${source}: expected uint8 images with 3 dims [N, H, W], got ${IDX_TYPES[code].name} dims [${shape.join(", ")}]`);
  }
  const src = bytes.subarray(headerLen);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = src[i] / 255;
  return make(out, [shape[0], 1, shape[1], shape[2]], "float32");
}
