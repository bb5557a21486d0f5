/**
 * The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes
 * of JSON header {name: {dtype, shape, data_offsets}, "__metadata__"?: {str: str}}
 * padded with spaces to a multiple of 8, then the tensor bytes. The writer lays files
 * out exactly as the reference Rust writer does (tensors sorted by dtype alignment,
 * descending, then by name; compact JSON; `__metadata__` first), so files are
 * byte-identical to Python's `safetensors.torch.save_file` for the same tensors.
 * The reader validates the whole header against the file size before allocating
 * anything, and returns zero-copy views where the alignment allows.
 */
import { Tensor, make } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import { setOwn } from "../core/records.js";
import { removeStaleTemps } from "./stale-temps.js";
import { readData } from "../ops/data.js";

/** safetensors dtype names, in the Rust enum's order (increasing alignment). */
const DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"] as const;
const DTYPE_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The dtypes this reader converts into myelin tensors. */
const READABLE = new Set(["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "F32", "F64", "I64"]);
const WRITE_NAME: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
/** Same limit as the reference implementation: larger headers are refused unread. */
const MAX_HEADER_SIZE = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's entry in a safetensors header. */
export interface SafetensorsEntry {
  /** The safetensors dtype name, e.g. "F32", "BF16", "I64". */
  dtype: string;
  shape: number[];
  /** [begin, end) byte offsets relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** Entries in file (offset) order. */
  tensors: Record<string, SafetensorsEntry>;
  /** The `__metadata__` string map, or undefined when the file has none. */
  metadata: Record<string, string> | undefined;
  /** Byte offset of the data buffer in the file (8 + header length). */
  dataStart: number;
}

/** Options of fromSafetensors/load. */
export interface FromSafetensorsOptions {
  /**
   * Copy every tensor's data out of `bytes` (default false: F32/F64/I32/BOOL tensors
   * whose offset is suitably aligned are views on `bytes`, so they share its memory).
   */
  copy?: boolean;
}

function fail(what: string): never {
  throw new Error(`safetensors: ${what}`);
}

/** Orders strings by code point (= UTF-8 byte order, which the Rust writer sorts by). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Serializes named tensors (and optional string metadata) to safetensors bytes.
 * float32/float64/int32/bool tensors become F32/F64/I32/BOOL.
 * @example const bytes = io.toSafetensors(model.stateDict(), { format: "pt" });
 */
export function toSafetensors(record: Record<string, Tensor> | Map<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = record instanceof Map ? [...record.entries()] : Object.entries(record);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) fail(`toSafetensors: value for "${name}" is not a Tensor`);
    if (name === "__metadata__") fail(`toSafetensors: "__metadata__" is reserved and cannot name a tensor`);
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object") fail("toSafetensors: metadata must be an object of string values");
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") fail(`toSafetensors: metadata value for "${k}" must be a string, got ${typeof v}`);
    }
  }
  const rank = (t: Tensor) => DTYPE_ORDER.indexOf(WRITE_NAME[t.dtype] as (typeof DTYPE_ORDER)[number]);
  entries.sort(([na, a], [nb, b]) => rank(b) - rank(a) || compareCodePoints(na, nb));
  // Build the JSON by hand so key order is exactly the reference writer's.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",")}}`);
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const [name, t] of entries) {
    const nbytes = readData(t).byteLength;
    sizes.push(nbytes);
    parts.push(`${JSON.stringify(name)}:{"dtype":"${WRITE_NAME[t.dtype]}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + nbytes}]}`);
    offset += nbytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLen = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen % 2 ** 32, true);
  dv.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  entries.forEach(([, t], k) => {
    const d = readData(t);
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    } else {
      const w = d.BYTES_PER_ELEMENT;
      for (let i = 0; i < d.length; i++) {
        if (w === 8) dv.setFloat64(pos + 8 * i, d[i], true);
        else if (d instanceof Float32Array) dv.setFloat32(pos + 4 * i, d[i], true);
        else if (w === 4) dv.setInt32(pos + 4 * i, d[i], true);
        else out[pos + i] = d[i];
      }
    }
    pos += sizes[k];
  });
  return out;
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the header of safetensors bytes without touching the data:
 * header length within the file, valid UTF-8 JSON object, known dtypes, shapes whose
 * byte size equals their offsets, offsets contiguous from 0 without overlap and
 * ending at the end of the file, string-only metadata.
 */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER_SIZE) fail(`header length ${dv.getBigUint64(0, true)} exceeds the ${MAX_HEADER_SIZE}-byte limit (file is ${bytes.length} bytes; not a safetensors file?)`);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the file (${bytes.length} bytes; 8 + ${n} needed)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail("header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) fail("header JSON must be an object");
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> | undefined;
  const list: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(`"__metadata__" must be an object of strings`);
      for (const [k, v] of Object.entries(raw as object)) {
        if (typeof v !== "string") fail(`"__metadata__" value for "${k}" must be a string, got ${JSON.stringify(v)}`);
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    if (raw === null || typeof raw !== "object") fail(`entry "${name}" must be an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offs } = raw as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_SIZE, dtype)) fail(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt) || offs[0] > offs[1]) {
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)} (expected [begin, end] with 0 <= begin <= end)`);
    }
    if (offs[1] > dataLen) fail(`tensor "${name}" data_offsets [${offs}] are out of range: the data buffer is ${dataLen} bytes`);
    // Checked product: a shape like [1e12, 1e12] is refused here, before any allocation.
    let nbytes = DTYPE_SIZE[dtype];
    for (const s of shape as number[]) nbytes *= s;
    if (!Number.isSafeInteger(nbytes) || nbytes !== offs[1] - offs[0]) {
      fail(`tensor "${name}": dtype ${dtype} with shape [${shape}] needs ${Number.isSafeInteger(nbytes) ? nbytes : "an overflowing number of"} bytes but data_offsets [${offs}] span ${offs[1] - offs[0]}`);
    }
    list.push([name, { dtype, shape: (shape as number[]).slice(), dataOffsets: [offs[0], offs[1]] }]);
  }
  list.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let end = 0;
  let prev = "";
  for (const [name, e] of list) {
    const [b] = e.dataOffsets;
    if (b < end) fail(`tensor "${name}" data_offsets [${e.dataOffsets}] overlap tensor "${prev}" (which ends at ${end})`);
    if (b > end) fail(`gap in the data buffer: bytes ${end}..${b} belong to no tensor (before "${name}")`);
    end = e.dataOffsets[1];
    prev = name;
  }
  if (end !== dataLen) fail(`the tensors cover ${end} bytes of data but the file holds ${dataLen} after the header (${end < dataLen ? "trailing bytes" : "truncated"})`);
  const tensors: Record<string, SafetensorsEntry> = {};
  for (const [name, e] of list) setOwn(tensors, name, e);
  return { tensors, metadata, dataStart };
}

/** The `__metadata__` map of safetensors bytes (undefined when absent); validates the header. */
export function metadataOf(bytes: Uint8Array): Record<string, string> | undefined {
  return readSafetensorsHeader(bytes).metadata;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes one validated entry into a tensor (a view on `bytes` when allowed). */
function decode(bytes: Uint8Array, start: number, e: SafetensorsEntry, name: string, copy: boolean): Tensor {
  const count = e.shape.reduce((a, b) => a * b, 1);
  const off = bytes.byteOffset + start + e.dataOffsets[0];
  const buf = bytes.buffer;
  const dv = new DataView(buf, off, e.dataOffsets[1] - e.dataOffsets[0]);
  const shape = e.shape;
  const direct = (C: Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor, dtype: DType, get: (i: number) => number): Tensor => {
    const w = C.BYTES_PER_ELEMENT;
    if (LITTLE_ENDIAN && off % w === 0) {
      const view = new C(buf as ArrayBuffer, off, count);
      return make(copy ? view.slice() : view, shape, dtype);
    }
    const out = new C(count);
    for (let i = 0; i < count; i++) out[i] = get(i);
    return make(out, shape, dtype);
  };
  switch (e.dtype) {
    case "F32": return direct(Float32Array, "float32", (i) => dv.getFloat32(4 * i, true));
    case "F64": return direct(Float64Array, "float64", (i) => dv.getFloat64(8 * i, true));
    case "I32": return direct(Int32Array, "int32", (i) => dv.getInt32(4 * i, true));
    case "BOOL": {
      const view = new Uint8Array(buf, off, count);
      for (let i = 0; i < count; i++) {
        if (view[i] > 1) fail(`tensor "${name}" (BOOL) holds byte ${view[i]} at element ${i}; booleans must be 0 or 1`);
      }
      return make(copy ? view.slice() : view, shape, "bool");
    }
    case "U8": return make(Int32Array.from(new Uint8Array(buf, off, count)), shape, "int32");
    case "I8": return make(Int32Array.from(new Int8Array(buf, off, count)), shape, "int32");
    case "I16": case "U16": {
      const out = new Int32Array(count);
      if (e.dtype === "I16") for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, true);
      else for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, true);
      return make(out, shape, "int32");
    }
    case "I64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = dv.getInt32(8 * i, true), hi = dv.getInt32(8 * i + 4, true);
        // Fits in int32 exactly when the high word is the sign extension of the low word.
        if (hi !== lo >> 31) {
          fail(`tensor "${name}" (I64) element ${i} = ${dv.getBigInt64(8 * i, true)} does not fit in int32 (myelin's integer dtype)`);
        }
        out[i] = lo;
      }
      return make(out, shape, "int32");
    }
    case "F16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return make(out, shape, "float32");
    }
    case "BF16": {
      const out = new Float32Array(count);
      const u = new Uint32Array(out.buffer);
      // bfloat16 is the top half of a float32.
      for (let i = 0; i < count; i++) u[i] = dv.getUint16(2 * i, true) << 16;
      return make(out, shape, "float32");
    }
    default:
      return fail(`tensor "${name}" has dtype ${e.dtype}, which myelin cannot load (supported: ${[...READABLE].join(", ")})`);
  }
}

/**
 * Parses safetensors bytes into named tensors (in file order). F32/F64/I32/BOOL keep
 * their type and are zero-copy views on `bytes` when aligned (pass `{copy: true}` to
 * detach them); I64, U8, I8, I16, U16 become int32 (I64 values must fit); F16 and BF16
 * become float32. Read the `__metadata__` map with `metadataOf(bytes)`.
 * @example const sd = io.fromSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function fromSafetensors(bytes: Uint8Array, opts: FromSafetensorsOptions = {}): Record<string, Tensor> {
  const header = readSafetensorsHeader(bytes);
  for (const [name, e] of Object.entries(header.tensors)) {
    if (!READABLE.has(e.dtype)) fail(`tensor "${name}" has dtype ${e.dtype}, which myelin cannot load (supported: ${[...READABLE].join(", ")})`);
  }
  const out: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(header.tensors)) setOwn(out, name, decode(bytes, header.dataStart, e, name, opts.copy ?? false));
  return out;
}

type NodeFs = typeof import("node:fs");

function nodeFs(op: string): NodeFs {
  // Resolved at call time so that importing myelin in a browser never touches node:fs.
  const proc = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const fs = proc?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
  if (!fs) throw new Error(`io.${op}: needs Node.js >= 20.16 file access; in the browser use io.${op === "save" ? "toSafetensors" : "fromSafetensors"}`);
  return fs;
}

/**
 * Writes named tensors to a .safetensors file atomically (a temporary file in the
 * same directory, then a rename), so a crash never leaves a half-written file.
 * @example io.save(model.stateDict(), "model.safetensors", { format: "pt" });
 */
export function save(record: Record<string, Tensor> | Map<string, Tensor>, path: string, metadata?: Record<string, string>): void {
  const fs = nodeFs("save");
  const bytes = toSafetensors(record, metadata);
  removeStaleTemps(path);
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const tmp = `${path}.tmp-${pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* the original error matters more */ }
    throw new Error(`io.save: cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads a .safetensors file (written by myelin or by Python's safetensors) into named
 * tensors; see fromSafetensors for the dtype mapping. Errors name the file.
 * @example const sd = io.load("model.safetensors"); model.loadStateDict(sd);
 */
export function load(path: string, opts: FromSafetensorsOptions = {}): Record<string, Tensor> {
  const fs = nodeFs("load");
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`io.load: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return fromSafetensors(bytes, opts);
  } catch (e) {
    throw new Error(`io.load: ${path}: ${(e as Error).message}`);
  }
}
