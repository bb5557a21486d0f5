/**
 * A small hand-written protobuf codec for the ONNX messages myelin reads and writes
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto, TensorShapeProto, OperatorSetIdProto). No runtime dependency.
 *
 * The decoder treats its input as hostile: every length is checked against the bytes
 * left before anything is sliced or allocated, varints longer than 10 bytes, group
 * wire types and nesting deeper than MAX_DEPTH are rejected, and tensors must carry
 * exactly as many elements as their dims declare. int64 values become JS numbers
 * (exact up to 2^53; INT64_MAX/MIN read as ±9.223372036854776e18, which the importer
 * clamps). Encoding is in proto-encode.ts.
 */

/** ONNX TensorProto.DataType codes. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7,
  STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType codes. */
export const AttrType = {
  FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
} as const;

/** A decoded TensorProto. `data` holds the values as numbers (float/int/bool tensors). */
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  /** Element values in row-major order (Float32Array for FLOAT, Float64Array for DOUBLE, Int32Array when all ints fit, else Float64Array). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
  /** Strings of a STRING tensor (decoded as UTF-8). */
  strings?: string[];
}

/** A decoded AttributeProto (only the field matching `type` is meaningful). */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
}

/** A ValueInfoProto of a tensor type; dims are numbers, named (symbolic) dims or null. */
export interface ValueInfoProto {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OpsetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: GraphProto;
}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8");

/** Thrown for malformed protobuf / ONNX bytes. */
export class OnnxFormatError extends Error {
  constructor(msg: string) {
    super(`onnx: ${msg}`);
    this.name = "OnnxFormatError";
  }
}

// ---------------------------------------------------------------- decoding

class Reader {
  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number, readonly what: string) {}

  fail(msg: string): never {
    throw new OnnxFormatError(`${this.what}: ${msg} at byte ${this.pos}`);
  }

  /** Reads a varint as [lo, hi] unsigned 32-bit halves. */
  varint64(): [number, number] {
    let lo = 0, hi = 0;
    const b = this.buf;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = b[this.pos++];
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (7 * i - 32);
      if ((byte & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    return this.fail("varint longer than 10 bytes");
  }

  /** Signed int64 as a number (two's complement). */
  int64(): number {
    const [lo, hi] = this.varint64();
    return hi & 0x80000000 ? -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1) : hi * 4294967296 + lo;
  }

  /** uint32-ish varint used for tags and lengths (rejects values ≥ 2^53). */
  uint(): number {
    const [lo, hi] = this.varint64();
    if (hi >= 0x200000) this.fail("varint too large");
    return hi * 4294967296 + lo;
  }

  bytesLen(): number {
    const n = this.uint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left)`);
    return n;
  }

  bytes(): Uint8Array {
    const n = this.bytesLen();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  sub(what: string): Reader {
    const n = this.bytesLen();
    const r = new Reader(this.buf, this.pos, this.pos + n, what);
    this.pos += n;
    return r;
  }

  float32(): number {
    if (this.end - this.pos < 4) this.fail("truncated fixed32");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.end - this.pos < 8) this.fail("truncated fixed64");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint64();
    else if (wire === 1) this.float64();
    else if (wire === 2) { const n = this.bytesLen(); this.pos += n; }
    else if (wire === 5) this.float32();
    else this.fail(`unsupported wire type ${wire}`);
  }

  /** Iterates fields: calls fn(field, wire); fn returns false to skip the field. */
  fields(fn: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const tag = this.uint();
      const field = Math.floor(tag / 8), wire = tag & 7;
      if (field === 0) this.fail("field number 0");
      if (!fn(field, wire)) this.skip(wire);
    }
  }

  expect(wire: number, want: number, field: string): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }

  /** Repeated scalar field that may be packed (wire 2) or not. */
  repeated(wire: number, scalarWire: number, read: (r: Reader) => number, out: number[], field: string): void {
    if (wire === 2) {
      const r = this.sub(field);
      while (r.pos < r.end) out.push(read(r));
    } else {
      this.expect(wire, scalarWire, field);
      out.push(read(this));
    }
  }
}

function checkDepth(depth: number, r: Reader): void {
  if (depth > MAX_DEPTH) r.fail(`nesting deeper than ${MAX_DEPTH}`);
}

/** Bytes per element of each fixed-width DataType in raw_data. */
export const ELEM_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

function decodeTensor(r: Reader): TensorProto {
  const t: TensorProto = { name: "", dims: [], dataType: 0, data: new Float32Array(0) };
  let raw: Uint8Array | null = null;
  const nums: number[] = [];
  const strings: string[] = [];
  let numsKind = 0; // field number the typed values came from
  r.fields((f, w) => {
    switch (f) {
      case 1: r.repeated(w, 0, (x) => x.int64(), t.dims, "TensorProto.dims"); return true;
      case 2: r.expect(w, 0, "data_type"); t.dataType = r.uint(); return true;
      case 8: r.expect(w, 2, "name"); t.name = r.string(); return true;
      case 9: r.expect(w, 2, "raw_data"); raw = r.bytes(); return true;
      case 4: numsKind = 4; r.repeated(w, 5, (x) => x.float32(), nums, "float_data"); return true;
      case 5: numsKind = 5; r.repeated(w, 0, (x) => x.int64(), nums, "int32_data"); return true;
      case 7: numsKind = 7; r.repeated(w, 0, (x) => x.int64(), nums, "int64_data"); return true;
      case 10: numsKind = 10; r.repeated(w, 1, (x) => x.float64(), nums, "double_data"); return true;
      case 11: numsKind = 11; r.repeated(w, 0, (x) => { const [lo, hi] = x.varint64(); return hi * 4294967296 + lo; }, nums, "uint64_data"); return true;
      case 6: r.expect(w, 2, "string_data"); strings.push(r.string()); return true;
      case 14: r.expect(w, 0, "data_location"); if (r.uint() === 1) r.fail(`tensor uses external data, which is not supported`); return true;
      default: return false;
    }
  });
  let numel = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) r.fail(`tensor "${t.name}" has invalid dim ${d}`);
    numel *= d;
  }
  if (!Number.isSafeInteger(numel)) r.fail(`tensor "${t.name}" dims [${t.dims}] are too large`);
  const dt = t.dataType;
  if (dt === DataType.STRING) {
    if (strings.length !== numel) r.fail(`tensor "${t.name}" declares ${numel} strings but carries ${strings.length}`);
    t.strings = strings;
    t.data = new Float32Array(0);
    return t;
  }
  const eb = ELEM_BYTES[dt];
  if (eb === undefined) r.fail(`tensor "${t.name}" has unsupported data type ${dt}`);
  if (raw !== null) {
    const rb = raw as Uint8Array;
    if (rb.length !== numel * eb) r.fail(`tensor "${t.name}" dims [${t.dims}] need ${numel * eb} raw bytes, got ${rb.length}`);
    t.data = fromRaw(rb, dt, numel);
  } else {
    if (nums.length !== numel) r.fail(`tensor "${t.name}" dims [${t.dims}] declare ${numel} elements but carry ${nums.length}`);
    t.data = fromNums(nums, dt, numsKind);
  }
  return t;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * raw_data of a 4- or 8-byte type as that typed array without converting element by
 * element: a view into the model's bytes when aligned (no copy: a 500 MB model's weights
 * are not duplicated), else one block copy. Null on a big-endian host (raw_data is little-endian).
 */
function rawView<T extends Float32Array | Float64Array | Int32Array>(raw: Uint8Array, n: number, T: { new(b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T | null {
  if (!LITTLE_ENDIAN) return null;
  if (raw.byteOffset % T.BYTES_PER_ELEMENT === 0) return new T(raw.buffer, raw.byteOffset, n);
  // A copy into fresh memory (not raw.slice: on a Node Buffer that is a view, not a copy).
  const copy = new Uint8Array(n * T.BYTES_PER_ELEMENT);
  copy.set(raw.subarray(0, copy.length));
  return new T(copy.buffer, 0, n);
}

function fromRaw(raw: Uint8Array, dt: number, n: number): TensorProto["data"] {
  const fast = dt === DataType.FLOAT ? rawView(raw, n, Float32Array) : dt === DataType.DOUBLE ? rawView(raw, n, Float64Array)
    : dt === DataType.INT32 ? rawView(raw, n, Int32Array) : null;
  if (fast) return fast;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dt) {
    case DataType.FLOAT: { const o = new Float32Array(n); for (let i = 0; i < n; i++) o[i] = dv.getFloat32(4 * i, true); return o; }
    case DataType.DOUBLE: { const o = new Float64Array(n); for (let i = 0; i < n; i++) o[i] = dv.getFloat64(8 * i, true); return o; }
    case DataType.FLOAT16: case DataType.BFLOAT16: {
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) { const h = dv.getUint16(2 * i, true); o[i] = dt === DataType.FLOAT16 ? halfToFloat(h) : new Float32Array(new Uint32Array([h << 16]).buffer)[0]; }
      return o;
    }
    case DataType.BOOL: { const o = new Uint8Array(n); for (let i = 0; i < n; i++) o[i] = raw[i] ? 1 : 0; return o; }
    case DataType.UINT8: { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = raw[i]; return o; }
    case DataType.INT8: { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = dv.getInt8(i); return o; }
    case DataType.INT16: { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = dv.getInt16(2 * i, true); return o; }
    case DataType.UINT16: { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = dv.getUint16(2 * i, true); return o; }
    case DataType.INT32: { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = dv.getInt32(4 * i, true); return o; }
    case DataType.UINT32: { const v: number[] = []; for (let i = 0; i < n; i++) v.push(dv.getUint32(4 * i, true)); return intsOrDoubles(v); }
    case DataType.INT64: case DataType.UINT64: {
      const v: number[] = [];
      for (let i = 0; i < n; i++) {
        const lo = dv.getUint32(8 * i, true), hi = dv.getUint32(8 * i + 4, true);
        v.push(dt === DataType.INT64 && hi & 0x80000000 ? -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1) : hi * 4294967296 + lo);
      }
      return intsOrDoubles(v);
    }
  }
  throw new OnnxFormatError(`unsupported tensor data type ${dt}`);
}

/** Int32Array when every value fits, else Float64Array (the importer clamps later). */
function intsOrDoubles(v: number[]): Int32Array | Float64Array {
  for (const x of v) if (x > 2147483647 || x < -2147483648) return Float64Array.from(v);
  return Int32Array.from(v);
}

function fromNums(nums: number[], dt: number, kind: number): TensorProto["data"] {
  if (dt === DataType.FLOAT) return Float32Array.from(nums);
  if (dt === DataType.DOUBLE) return Float64Array.from(nums);
  if (dt === DataType.BOOL) return Uint8Array.from(nums, (x) => (x ? 1 : 0));
  if (dt === DataType.FLOAT16 || dt === DataType.BFLOAT16) {
    // 16-bit floats travel as their bit patterns in int32_data.
    return Float32Array.from(nums, (h) => dt === DataType.FLOAT16 ? halfToFloat(h & 0xffff) : new Float32Array(new Uint32Array([(h & 0xffff) << 16]).buffer)[0]);
  }
  void kind;
  return intsOrDoubles(nums);
}

function decodeAttribute(r: Reader, depth: number): AttributeProto {
  const a: AttributeProto = { name: "", type: 0 };
  r.fields((f, w) => {
    switch (f) {
      case 1: r.expect(w, 2, "attribute.name"); a.name = r.string(); return true;
      case 20: r.expect(w, 0, "attribute.type"); a.type = r.uint(); return true;
      case 2: r.expect(w, 5, "attribute.f"); a.f = r.float32(); return true;
      case 3: r.expect(w, 0, "attribute.i"); a.i = r.int64(); return true;
      case 4: r.expect(w, 2, "attribute.s"); a.s = r.bytes(); return true;
      case 5: r.expect(w, 2, "attribute.t"); a.t = decodeTensor(r.sub("TensorProto")); return true;
      case 6: r.expect(w, 2, "attribute.g"); a.g = decodeGraph(r.sub("GraphProto"), depth + 1); return true;
      case 7: a.floats ??= []; r.repeated(w, 5, (x) => x.float32(), a.floats, "attribute.floats"); return true;
      case 8: a.ints ??= []; r.repeated(w, 0, (x) => x.int64(), a.ints, "attribute.ints"); return true;
      case 9: r.expect(w, 2, "attribute.strings"); (a.strings ??= []).push(r.bytes()); return true;
      case 10: r.expect(w, 2, "attribute.tensors"); (a.tensors ??= []).push(decodeTensor(r.sub("TensorProto"))); return true;
      case 11: r.expect(w, 2, "attribute.graphs"); (a.graphs ??= []).push(decodeGraph(r.sub("GraphProto"), depth + 1)); return true;
      default: return false;
    }
  });
  return a;
}

function decodeNode(r: Reader, depth: number): NodeProto {
  const n: NodeProto = { input: [], output: [], name: "", opType: "", domain: "", attribute: [] };
  r.fields((f, w) => {
    if (f === 1 || f === 2 || f === 3 || f === 4 || f === 7 || f === 5) r.expect(w, 2, `NodeProto field ${f}`);
    switch (f) {
      case 1: n.input.push(r.string()); return true;
      case 2: n.output.push(r.string()); return true;
      case 3: n.name = r.string(); return true;
      case 4: n.opType = r.string(); return true;
      case 7: n.domain = r.string(); return true;
      case 5: n.attribute.push(decodeAttribute(r.sub("AttributeProto"), depth)); return true;
      default: return false;
    }
  });
  return n;
}

function decodeValueInfo(r: Reader): ValueInfoProto {
  const v: ValueInfoProto = { name: "", elemType: 0, shape: null };
  r.fields((f, w) => {
    if (f === 1) { r.expect(w, 2, "ValueInfoProto.name"); v.name = r.string(); return true; }
    if (f !== 2) return false;
    r.expect(w, 2, "ValueInfoProto.type");
    const tp = r.sub("TypeProto");
    tp.fields((tf, tw) => {
      if (tf !== 1) return false; // sequence/map/optional types are left undecoded
      tp.expect(tw, 2, "tensor_type");
      const tr = tp.sub("TypeProto.Tensor");
      tr.fields((ef, ew) => {
        if (ef === 1) { tr.expect(ew, 0, "elem_type"); v.elemType = tr.uint(); return true; }
        if (ef !== 2) return false;
        tr.expect(ew, 2, "shape");
        const shape: (number | string | null)[] = [];
        const sr = tr.sub("TensorShapeProto");
        sr.fields((sf, sw) => {
          if (sf !== 1) return false;
          sr.expect(sw, 2, "dim");
          const dr = sr.sub("Dimension");
          let d: number | string | null = null;
          dr.fields((df, dw) => {
            if (df === 1) { dr.expect(dw, 0, "dim_value"); d = dr.int64(); return true; }
            if (df === 2) { dr.expect(dw, 2, "dim_param"); d = dr.string(); return true; }
            return false;
          });
          shape.push(d);
          return true;
        });
        v.shape = shape;
        return true;
      });
      return true;
    });
    return true;
  });
  return v;
}

function decodeGraph(r: Reader, depth: number): GraphProto {
  checkDepth(depth, r);
  const g: GraphProto = { name: "", node: [], initializer: [], input: [], output: [], valueInfo: [] };
  r.fields((f, w) => {
    if ([1, 2, 5, 11, 12, 13].includes(f)) r.expect(w, 2, `GraphProto field ${f}`);
    switch (f) {
      case 1: g.node.push(decodeNode(r.sub("NodeProto"), depth)); return true;
      case 2: g.name = r.string(); return true;
      case 5: g.initializer.push(decodeTensor(r.sub("TensorProto"))); return true;
      case 11: g.input.push(decodeValueInfo(r.sub("ValueInfoProto"))); return true;
      case 12: g.output.push(decodeValueInfo(r.sub("ValueInfoProto"))); return true;
      case 13: g.valueInfo.push(decodeValueInfo(r.sub("ValueInfoProto"))); return true;
      default: return false;
    }
  });
  return g;
}

/** Decodes a serialized ModelProto; throws OnnxFormatError on malformed bytes. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`onnx: expected a Uint8Array, got ${typeof bytes}`);
  const r = new Reader(bytes, 0, bytes.length, "ModelProto");
  const m: ModelProto = { irVersion: 0, opsetImport: [], producerName: "", producerVersion: "", domain: "", modelVersion: 0, docString: "", graph: null as unknown as GraphProto };
  r.fields((f, w) => {
    switch (f) {
      case 1: r.expect(w, 0, "ir_version"); m.irVersion = r.int64(); return true;
      case 2: r.expect(w, 2, "producer_name"); m.producerName = r.string(); return true;
      case 3: r.expect(w, 2, "producer_version"); m.producerVersion = r.string(); return true;
      case 4: r.expect(w, 2, "domain"); m.domain = r.string(); return true;
      case 5: r.expect(w, 0, "model_version"); m.modelVersion = r.int64(); return true;
      case 6: r.expect(w, 2, "doc_string"); m.docString = r.string(); return true;
      case 7: r.expect(w, 2, "graph"); m.graph = decodeGraph(r.sub("GraphProto"), 0); return true;
      case 8: {
        r.expect(w, 2, "opset_import");
        const o: OpsetId = { domain: "", version: 0 };
        const or = r.sub("OperatorSetIdProto");
        or.fields((of, ow) => {
          if (of === 1) { or.expect(ow, 2, "domain"); o.domain = or.string(); return true; }
          if (of === 2) { or.expect(ow, 0, "version"); o.version = or.int64(); return true; }
          return false;
        });
        m.opsetImport.push(o);
        return true;
      }
      default: return false;
    }
  });
  if (!m.graph) throw new OnnxFormatError("ModelProto has no graph (is this an ONNX model file?)");
  return m;
}

/** Decodes a serialized TensorProto (e.g. the conformance suite's input_0.pb). */
export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  return decodeTensor(new Reader(bytes, 0, bytes.length, "TensorProto"));
}
