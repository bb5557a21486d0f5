/**
 * Encoder half of the ONNX protobuf codec (proto.ts holds the message types and the
 * decoder): serializes ModelProto / TensorProto for the exporter; tensor values always
 * go to raw_data, little-endian.
 */
import { AttrType, DataType, ELEM_BYTES, type AttributeProto, type GraphProto, type ModelProto, type TensorProto, type ValueInfoProto } from "./proto.js";

const utf8enc = new TextEncoder();

class Writer {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];
  private flush(): void {
    if (this.chunks.length) { this.parts.push(Uint8Array.from(this.chunks)); this.chunks = []; }
  }
  varint(v: number | bigint): void {
    let b = BigInt.asUintN(64, BigInt(v));
    do {
      let byte = Number(b & 0x7fn);
      b >>= 7n;
      if (b) byte |= 0x80;
      this.chunks.push(byte);
    } while (b);
  }
  tag(field: number, wire: number): void { this.varint(field * 8 + wire); }
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.flush();
    this.parts.push(data);
  }
  string(field: number, s: string): void { if (s !== "") this.bytes(field, utf8enc.encode(s)); }
  int(field: number, v: number): void { this.tag(field, 0); this.varint(v); }
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.chunks.push(x);
  }
  packedInts(field: number, vs: number[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.bytes(field, w.finish());
  }
  message(field: number, fill: (w: Writer) => void): void {
    const w = new Writer();
    fill(w);
    this.bytes(field, w.finish());
  }
  finish(): Uint8Array {
    this.flush();
    let n = 0;
    for (const p of this.parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

function encodeTensor(w: Writer, t: TensorProto): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  const n = t.data.length;
  const eb = ELEM_BYTES[t.dataType];
  if (eb === undefined || t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) throw new Error(`onnx: cannot encode tensor data type ${t.dataType}`);
  const raw = new Uint8Array(n * eb);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const v = Number(t.data[i]);
    switch (t.dataType) {
      case DataType.FLOAT: dv.setFloat32(4 * i, v, true); break;
      case DataType.DOUBLE: dv.setFloat64(8 * i, v, true); break;
      case DataType.INT64: dv.setBigInt64(8 * i, BigInt(Math.trunc(v)), true); break;
      case DataType.INT32: dv.setInt32(4 * i, v, true); break;
      case DataType.BOOL: case DataType.UINT8: raw[i] = v ? (t.dataType === DataType.BOOL ? 1 : v) : 0; break;
      default: throw new Error(`onnx: cannot encode tensor data type ${t.dataType}`);
    }
  }
  w.bytes(9, raw);
}

function encodeAttribute(w: Writer, a: AttributeProto): void {
  w.string(1, a.name);
  w.int(20, a.type);
  switch (a.type) {
    case AttrType.FLOAT: w.float(2, a.f ?? 0); break;
    case AttrType.INT: w.int(3, a.i ?? 0); break;
    case AttrType.STRING: w.bytes(4, a.s ?? new Uint8Array(0)); break;
    case AttrType.TENSOR: w.message(5, (x) => encodeTensor(x, a.t!)); break;
    case AttrType.GRAPH: w.message(6, (x) => encodeGraph(x, a.g!)); break;
    case AttrType.FLOATS: for (const f of a.floats ?? []) w.float(7, f); break;
    case AttrType.INTS: w.packedInts(8, a.ints ?? []); break;
    case AttrType.STRINGS: for (const s of a.strings ?? []) w.bytes(9, s); break;
    default: throw new Error(`onnx: cannot encode attribute type ${a.type}`);
  }
}

function encodeValueInfo(w: Writer, v: ValueInfoProto): void {
  w.string(1, v.name);
  w.message(2, (tp) => tp.message(1, (tt) => {
    tt.int(1, v.elemType);
    if (v.shape) tt.message(2, (sh) => {
      for (const d of v.shape!) sh.message(1, (dm) => {
        if (typeof d === "number") dm.int(1, d);
        else if (typeof d === "string") dm.string(2, d);
      });
    });
  }));
}

function encodeGraph(w: Writer, g: GraphProto): void {
  for (const n of g.node) w.message(1, (x) => {
    for (const i of n.input) x.bytes(1, utf8enc.encode(i));
    for (const o of n.output) x.bytes(2, utf8enc.encode(o));
    x.string(3, n.name);
    x.string(4, n.opType);
    x.string(7, n.domain);
    for (const a of n.attribute) x.message(5, (y) => encodeAttribute(y, a));
  });
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, (x) => encodeTensor(x, t));
  for (const v of g.input) w.message(11, (x) => encodeValueInfo(x, v));
  for (const v of g.output) w.message(12, (x) => encodeValueInfo(x, v));
  for (const v of g.valueInfo) w.message(13, (x) => encodeValueInfo(x, v));
}

/** Serializes a ModelProto. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.string(4, m.domain);
  if (m.modelVersion) w.int(5, m.modelVersion);
  w.string(6, m.docString);
  w.message(7, (x) => encodeGraph(x, m.graph));
  for (const o of m.opsetImport) w.message(8, (x) => { x.string(1, o.domain); x.int(2, o.version); });
  return w.finish();
}

/** Serializes a TensorProto. */
export function encodeTensorProto(t: TensorProto): Uint8Array {
  const w = new Writer();
  encodeTensor(w, t);
  return w.finish();
}
