/**
 * Shared pieces of the ONNX importer's operator tables: the handler signature,
 * attribute access, ONNX ↔ myelin dtype mapping (int64 → int32 with clamping) and
 * helpers that read small integer tensors (shapes, axes, pads) as numbers.
 */
import { Tensor, make } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import { AttrType, DataType, type AttributeProto, type NodeProto, type TensorProto } from "./proto.js";
import { readData } from "../../ops/data.js";

/** Context passed to every operator handler. */
export interface OpContext {
  node: NodeProto;
  /** The default-domain opset version the model imports. */
  opset: number;
  /** How many outputs the node declares (some ops compute extra outputs only on demand). */
  nOutputs: number;
  /** The import's byte budget per tensor (see checks.ts checkAlloc). */
  maxBytes: number;
}

/** An operator implementation: inputs (undefined for omitted optional ones) → output(s). */
export type OpHandler = (inputs: (Tensor | undefined)[], attrs: Attrs, ctx: OpContext) => Tensor | (Tensor | undefined)[];

/** Typed access to a node's attributes with defaults. */
export class Attrs {
  private map = new Map<string, AttributeProto>();
  constructor(list: AttributeProto[], private readonly where: string) {
    for (const a of list) this.map.set(a.name, a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  int(name: string, def: number): number;
  int(name: string, def?: number): number | undefined;
  int(name: string, def?: number): number | undefined {
    const a = this.map.get(name);
    return a === undefined ? def : a.i ?? def;
  }
  float(name: string, def: number): number {
    const a = this.map.get(name);
    return a === undefined ? def : a.f ?? def;
  }
  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    return a === undefined ? undefined : a.ints ?? [];
  }
  floats(name: string): number[] | undefined {
    const a = this.map.get(name);
    return a === undefined ? undefined : a.floats ?? [];
  }
  string(name: string, def: string): string {
    const a = this.map.get(name);
    return a === undefined || a.s === undefined ? def : new TextDecoder().decode(a.s);
  }
  tensor(name: string): TensorProto | undefined {
    return this.map.get(name)?.t;
  }
  /** The attribute by name (for Constant's many value_* forms). */
  raw(name: string): AttributeProto | undefined {
    return this.map.get(name);
  }
  fail(msg: string): never {
    throw new Error(`${this.where}: ${msg}`);
  }
}

export { AttrType };

/** ONNX element type → myelin dtype (int64 and smaller ints → int32, half → float32). */
export function dtypeOf(onnxType: number, where: string): DType {
  switch (onnxType) {
    case DataType.FLOAT: case DataType.FLOAT16: case DataType.BFLOAT16: return "float32";
    case DataType.DOUBLE: return "float64";
    case DataType.BOOL: return "bool";
    case DataType.INT8: case DataType.UINT8: case DataType.INT16: case DataType.UINT16:
    case DataType.INT32: case DataType.INT64: case DataType.UINT32: case DataType.UINT64: return "int32";
  }
  throw new Error(`${where}: ONNX data type ${onnxType} is not supported (myelin has float32, float64, int32, bool)`);
}

/** myelin dtype → ONNX element type (int32 is written as INT64, which ONNX index ops expect). */
export function onnxTypeOf(d: DType): number {
  return d === "float32" ? DataType.FLOAT : d === "float64" ? DataType.DOUBLE : d === "bool" ? DataType.BOOL : DataType.INT64;
}

const I32_MAX = 2147483647, I32_MIN = -2147483648;

/** A decoded TensorProto as a myelin tensor; int64 values outside int32 are clamped (INT64_MAX → INT32_MAX). */
export function tensorFromProto(t: TensorProto, where: string): Tensor {
  const dtype = dtypeOf(t.dataType, where);
  const n = t.data.length;
  let data: Float32Array | Float64Array | Int32Array | Uint8Array;
  if (dtype === "int32") {
    if (t.data instanceof Int32Array) data = t.data;
    else {
      const o = new Int32Array(n);
      for (let i = 0; i < n; i++) { const v = Math.trunc(t.data[i]); o[i] = v > I32_MAX ? I32_MAX : v < I32_MIN ? I32_MIN : v; }
      data = o;
    }
  } else if (dtype === "float32") data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  else if (dtype === "float64") data = t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
  else data = t.data instanceof Uint8Array ? t.data : Uint8Array.from(t.data, (v) => (v ? 1 : 0));
  return make(data, t.dims.slice(), dtype);
}

/** The values of a small tensor as plain numbers. */
export function vals(t: Tensor | undefined): number[] {
  if (!t) return [];
  return Array.from(readData(t) as ArrayLike<number>, Number);
}

/** An int32 tensor from numbers. */
export function ints(v: number[], shape: number[] = [v.length]): Tensor {
  return make(Int32Array.from(v), shape, "int32");
}

/** Normalises a possibly negative axis against rank `r`. */
export function axis(a: number, r: number, where: string): number {
  const d = a < 0 ? a + r : a;
  if (!Number.isInteger(d) || d < 0 || d >= r) throw new Error(`${where}: axis ${a} is out of range for rank ${r}`);
  return d;
}

/** Requires input `i` to be present. */
export function need(ins: (Tensor | undefined)[], i: number, where: string): Tensor {
  const t = ins[i];
  if (!t) throw new Error(`${where}: required input ${i} is missing`);
  return t;
}

/** Product of a list of numbers. */
export function prodOf(v: readonly number[]): number {
  let p = 1;
  for (const x of v) p *= x;
  return p;
}
