/**
 * The graph builder behind `io.exportOnnx`. A value in the graph is an `OnnxValue`
 * (its ONNX name plus the real tensor it holds for the example inputs, which gives
 * every emitter exact shapes). Parameters and buffers become initialisers named by
 * their state-dict keys; other tensors become `const_N` initialisers.
 */
import type { Tensor } from "../../core/tensor.js";
import type { Module } from "../../nn/module.js";
import { AttrType, type AttributeProto, type NodeProto, type TensorProto } from "./proto.js";
import { onnxTypeOf } from "./ops-util.js";
import { readData } from "../../ops/data.js";

/** A graph value: its ONNX name and its value for the example inputs. */
export interface OnnxValue {
  name: string;
  t: Tensor;
}

/** A float attribute (plain numbers that are integers are written as INT). */
export interface FloatAttr {
  f: number;
}
export type AttrValue = number | number[] | string | FloatAttr | { floats: number[] } | Tensor;

/** Emits the ONNX nodes of one module type: (ctx, module, inputs) → outputs. */
export type ModuleExporter = (ctx: OnnxExportContext, m: Module, inputs: OnnxValue[]) => OnnxValue | OnnxValue[];

/** Marks a float attribute. */
export function f(v: number): FloatAttr {
  return { f: v };
}

/** Converts a myelin tensor to a TensorProto (int32 → INT64, as ONNX index ops expect). */
export function tensorToProto(t: Tensor, name: string): TensorProto {
  return { name, dims: t.shape.slice(), dataType: onnxTypeOf(t.dtype), data: readData(t) };
}

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
  if (typeof v === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ("f" in v) return { name, type: AttrType.FLOAT, f: v.f };
  if ("floats" in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: tensorToProto(v, "") };
}

/**
 * Collects nodes and initialisers while a model is exported. Custom modules receive
 * it in their `toOnnx(ctx, ...inputs)` hook.
 * @example toOnnx(ctx, x) { const h = ctx.call(this.fc, x) as OnnxValue; return ctx.value(ctx.op("Relu", [h])[0], h.t.relu()); }
 */
export class OnnxExportContext {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private names = new Map<Tensor, string>();
  private used = new Set<string>();
  private counter = 0;

  constructor(
    private readonly paramNames: Map<Tensor, string>,
    private readonly exporters: Map<Function, ModuleExporter>,
  ) {}

  /** A fresh value name with `prefix`. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.used.has(n));
    this.used.add(n);
    return n;
  }

  /** Reserves an exact name (graph inputs/outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`exportOnnx: the name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  /** The initialiser name of a tensor (parameters and buffers keep their state-dict keys). */
  tensor(t: Tensor): string {
    const have = this.names.get(t);
    if (have) return have;
    const key = this.paramNames.get(t);
    const name = key !== undefined && !this.used.has(key) ? this.reserve(key) : this.fresh("const");
    this.names.set(t, name);
    this.initializers.push(tensorToProto(t, name));
    return name;
  }

  /** A new initialiser holding `t` (no state-dict name). */
  constant(t: Tensor): string {
    const name = this.fresh("const");
    this.names.set(t, name);
    this.initializers.push(tensorToProto(t, name));
    return name;
  }

  /** Emits one node; inputs are values, names, or "" for an omitted optional input. Returns the output names. */
  op(opType: string, inputs: (OnnxValue | string)[], attrs: Record<string, AttrValue> = {}, nOutputs = 1): string[] {
    const outs = Array.from({ length: nOutputs }, () => this.fresh(opType));
    this.nodes.push({
      input: inputs.map((v) => (typeof v === "string" ? v : v.name)),
      output: outs,
      name: `${opType}_${this.nodes.length}`,
      opType,
      domain: "",
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Pairs an output name with its real value. */
  value(name: string, t: Tensor): OnnxValue {
    return { name, t };
  }

  /** The emitter of a known layer class: an exact class match or a known base whose forward the subclass did not override. */
  private exporterOf(m: Module): ModuleExporter | null {
    for (let proto = Object.getPrototypeOf(m); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      const ex = this.exporters.get(proto.constructor);
      if (ex && (proto === Object.getPrototypeOf(m) || Object.getPrototypeOf(m).forward === proto.forward)) return ex;
    }
    return null;
  }

  /** Whether `call` can write `m` whole (a toOnnx hook or a known layer). */
  canCall(m: Module): boolean {
    return typeof (m as unknown as { toOnnx?: unknown }).toOnnx === "function" || this.exporterOf(m) !== null;
  }

  /**
   * Exports a call of `m` on `inputs`: a known layer type, a module with a `toOnnx`
   * hook, or a Sequential of those. Throws, naming the class, for anything else.
   */
  call(m: Module, ...inputs: OnnxValue[]): OnnxValue | OnnxValue[] {
    const hook = (m as unknown as { toOnnx?: (ctx: OnnxExportContext, ...xs: OnnxValue[]) => OnnxValue | OnnxValue[] }).toOnnx;
    if (typeof hook === "function") return hook.call(m, this, ...inputs);
    const ex = this.exporterOf(m);
    if (ex) return ex(this, m, inputs);
    throw new Error(
      `exportOnnx: don't know how to export ${m.constructor.name}; give it a toOnnx(ctx, ...inputs) method ` +
        `(see docs/interop.md) or build the model from supported layers`,
    );
  }
}
