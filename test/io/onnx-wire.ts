/**
 * A hand-written ONNX protobuf encoder for tests (field numbers from onnx.proto),
 * independent of myelin's own encoder, so hostile and edge-case models can be built
 * byte by byte.
 */
export const varint = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; o.push(b); } while (n); return o; };
export const str = (field: number, s: string): number[] => { const b = [...Buffer.from(s)]; return [field * 8 + 2, ...varint(b.length), ...b]; };
export const msg = (field: number, body: number[]): number[] => [field * 8 + 2, ...varint(body.length), ...body];
/** int64 as a varint (two's complement for negatives, 10 bytes). */
export const i64 = (field: number, v: number): number[] => [field * 8, ...(v >= 0 ? varint(v) : varint64(BigInt.asUintN(64, BigInt(v))))];
function varint64(v: bigint): number[] { const o: number[] = []; do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; o.push(b); } while (v); return o; }

/** AttributeProto: an INT (type 2), INTS (7), FLOAT (1) or TENSOR (4) attribute (field 20 = type). */
const type = (t: number): number[] => [...varint(20 * 8), t];
export const attrInt = (name: string, v: number): number[] => msg(5, [...str(1, name), ...i64(3, v), ...type(2)]);
export const attrInts = (name: string, v: number[]): number[] => msg(5, [...str(1, name), ...v.flatMap((x) => i64(8, x)), ...type(7)]);
export const attrFloat = (name: string, v: number): number[] => { const b = Buffer.alloc(4); b.writeFloatLE(v); return msg(5, [...str(1, name), 2 * 8 + 5, ...b, ...type(1)]); };
export const attrTensor = (name: string, t: number[]): number[] => msg(5, [...str(1, name), ...msg(5, t), ...type(4)]);

/** TensorProto body: INT64 (7) values in int64_data, or FLOAT (1) values as raw_data. */
export const int64Tensor = (name: string, dims: number[], v: number[]): number[] =>
  [...dims.flatMap((d) => i64(1, d)), 2 * 8, 7, ...v.flatMap((x) => i64(7, x)), ...str(8, name)];
export const floatTensor = (name: string, dims: number[], v: number[]): number[] => {
  const raw = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => raw.writeFloatLE(x, 4 * i));
  return [...dims.flatMap((d) => i64(1, d)), 2 * 8, 1, ...str(8, name), ...msg(9, [...raw])];
};

/** GraphProto members: a node (with attributes), an initialiser, a graph input (11) or output (12). */
export const node = (op: string, ins: string[], outs: string[], name = op, attrs: number[] = []): number[] =>
  msg(1, [...ins.flatMap((i) => str(1, i)), ...outs.flatMap((o) => str(2, o)), ...str(3, name), ...str(4, op), ...attrs]);
export const init = (tensor: number[]): number[] => msg(5, tensor);
export const vinfo = (field: number, name: string): number[] => msg(field, str(1, name));

/** ModelProto: IR version 8, default-domain opset `opset`, the graph. */
export const model = (graph: number[], opset = 17): Uint8Array => new Uint8Array([8, 8, ...msg(7, graph), ...msg(8, i64(2, opset))]);
