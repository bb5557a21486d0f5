/**
 * `io.exportOnnx(model, exampleInputs, opts | path)`.
 *
 * Design: trace-based, as torch.onnx.export (trace.ts): the model's forward runs on
 * the example inputs and the ops it performs are written as ONNX. Known layers
 * (Linear, Conv, BatchNorm, LSTM, …) and modules with a `toOnnx(ctx, ...inputs)` hook
 * are written whole by their emitters, which keeps attributes exact and a recurrent
 * layer one ONNX LSTM/GRU node instead of per-step nodes; the ops between them (a
 * custom forward's glue) are recorded where they record their autograd nodes. Example
 * inputs and outputs may be nested arrays (PyTorch's `(input, (h, c))`); they are
 * flattened depth-first into input_0, input_1, … and output_0, …
 */
import { Tensor } from "../../core/tensor.js";
import type { Module } from "../../nn/module.js";
import { type ValueInfoProto } from "./proto.js";
import { encodeModel } from "./proto-encode.js";
import { OnnxExportContext } from "./export-context.js";
import { layerExporters } from "./export-layers.js";
import { onnxTypeOf } from "./ops-util.js";
import { flattenNested, traceForward, type Nested } from "./trace.js";

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** Default-domain opset written into the model (default 17; LayerNormalization needs ≥ 17). */
  opsetVersion?: number;
  /** Graph input names, one per flattened input tensor (default input_0, input_1, …). */
  inputNames?: string[];
  /** Graph output names (default output_0, …). */
  outputNames?: string[];
  /** Symbolic dims: `{input_0: {0: "batch"}}` or `{input_0: [0]}` (named `<name>_dim<k>`). */
  dynamicAxes?: Record<string, Record<number, string> | number[]>;
  /** Write the model to this file as well (Node only). */
  path?: string;
}

function valueInfo(name: string, t: Tensor, dyn: ExportOnnxOptions["dynamicAxes"]): ValueInfoProto {
  const d = dyn?.[name];
  const named: Record<number, string> = Array.isArray(d) ? Object.fromEntries(d.map((k) => [k, `${name}_dim${k}`])) : d ?? {};
  return { name, elemType: onnxTypeOf(t.dtype), shape: t.shape.map((s, i) => named[i] ?? s) };
}

/**
 * Exports `model` (run in eval mode on `exampleInputs`: one tensor, or the array of
 * forward's arguments, each a tensor or nested array of tensors) to ONNX bytes; with a
 * path (or `opts.path`) also writes the file. Parameters and buffers become
 * initialisers named by their state-dict keys.
 * @example const bytes = io.exportOnnx(model, [my.randn([1, 784])], {dynamicAxes: {input_0: {0: "batch"}}});
 * @example io.exportOnnx(lm, [tokens, [h0, c0]]) // forward(input, [h, c]): inputs input_0, input_1, input_2
 */
export function exportOnnx(model: Module, exampleInputs: Tensor | Nested[], opts: ExportOnnxOptions | string = {}): Uint8Array {
  const o: ExportOnnxOptions = typeof opts === "string" ? { path: opts } : opts;
  const bytes = exportOnnxBytes(model, exampleInputs, o);
  if (o.path) {
    // Resolved at call time so that importing myelin in a browser never touches node:fs.
    const fs = typeof process !== "undefined" && typeof process.getBuiltinModule === "function" ? (process.getBuiltinModule("node:fs") as typeof import("node:fs") | undefined) : undefined;
    if (!fs) throw new Error("exportOnnx: writing a file needs Node.js >= 20.16; without a path the bytes are returned");
    fs.writeFileSync(o.path, bytes);
  }
  return bytes;
}

/** Synchronous core of `exportOnnx` (no file writing). */
export function exportOnnxBytes(model: Module, exampleInputs: Tensor | Nested[], o: ExportOnnxOptions = {}): Uint8Array {
  if (!(exampleInputs instanceof Tensor) && !Array.isArray(exampleInputs)) throw new TypeError("exportOnnx: exampleInputs must be a Tensor or an array of forward's arguments (Tensors, or nested arrays of Tensors)");
  const args: Nested[] = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  const inputs = flattenNested(args, "exampleInputs");
  const opset = o.opsetVersion ?? 17;
  if (opset < 13) throw new Error(`exportOnnx: opsetVersion ${opset} is not supported (13 or later; 17 for LayerNorm)`);
  const names = new Map<Tensor, string>();
  for (const [k, t] of model.namedParameters()) names.set(t, k);
  for (const [k, t] of model.namedBuffers()) names.set(t, k);
  const ctx = new OnnxExportContext(names, layerExporters());
  const wasTraining = model.training;
  model.eval();
  try {
    const inNames = inputs.map((_, i) => ctx.reserve(o.inputNames?.[i] ?? `input_${i}`));
    const outs = traceForward(ctx, model, args, inNames);
    const outNames: string[] = [];
    outs.forEach((v, i) => {
      const want = o.outputNames?.[i] ?? `output_${i}`;
      ctx.reserve(want);
      // Graph outputs get their requested names through an Identity (a value may also be an input or initialiser).
      ctx.nodes.push({ input: [v.name], output: [want], name: `output_identity_${i}`, opType: "Identity", domain: "", attribute: [] });
      outNames.push(want);
    });
    return encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: "", version: opset }],
      producerName: "myelin",
      producerVersion: "0.1.0",
      domain: "",
      modelVersion: 0,
      docString: "",
      graph: {
        name: model.constructor.name,
        node: ctx.nodes,
        initializer: ctx.initializers,
        input: inputs.map((t, i) => valueInfo(inNames[i], t, o.dynamicAxes)),
        output: outs.map((v, i) => valueInfo(outNames[i], v.t, o.dynamicAxes)),
        valueInfo: [],
      },
    });
  } finally {
    model.train(wasTraining);
  }
}
