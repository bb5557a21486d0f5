/**
 * What the ONNX importer checks before it runs or allocates anything, as onnxruntime
 * does at session creation: input and output counts and attribute names against each
 * operator's schema (over every opset, so old models still load), spatial attributes against the
 * shapes they describe, and a byte budget for tensors whose size the file decides
 * (a 200-byte model can ask Tile or ConstantOfShape for gigabytes).
 */
import type { DType } from "../../core/dtype.js";
import type { NodeProto } from "./proto.js";
import type { Attrs, OpContext } from "./ops-util.js";

/** The default per-tensor byte budget of an imported model (`importOnnx(bytes, { maxBytes })`). */
export const DEFAULT_MAX_BYTES = 2 ** 30;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Bytes a tensor of `shape` and `dtype` takes (NaN for a shape that is not a list of non-negative integers). */
export function bytesOf(shape: readonly number[], dtype: DType): number {
  let n = BYTES[dtype];
  for (const d of shape) n = Number.isInteger(d) && d >= 0 ? n * d : NaN;
  return n;
}

/** Fails unless `shape` is a list of non-negative integers whose tensor fits the node's byte budget. */
export function checkAlloc(a: Attrs, ctx: OpContext, shape: readonly number[], dtype: DType, what: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) a.fail(`${what} shape [${shape.join(", ")}] must be non-negative integers`);
  const bytes = bytesOf(shape, dtype);
  if (bytes > ctx.maxBytes) a.fail(overBudget(bytes, ctx.maxBytes, `${what} of shape [${shape.join(", ")}] (${dtype})`));
}

/** The budget error's text (shared by the checks above and the allocation guard). */
export function overBudget(bytes: number, maxBytes: number, what: string): string {
  return `${what} would allocate ${bytes} bytes, over the import budget of ${maxBytes} bytes per tensor (raise it with importOnnx(bytes, { maxBytes }))`;
}

/** Fails unless the spatial attributes have one entry per spatial axis (pads two) and kernel_shape matches the weight. */
export function checkSpatial(a: Attrs, nd: number, weightKernel?: readonly number[]): void {
  for (const name of ["kernel_shape", "strides", "dilations", "output_padding"]) {
    const v = a.ints(name);
    if (v && v.length !== nd) a.fail(`${name} [${v.join(", ")}] must have ${nd} entries (one per spatial axis)`);
    if (v && v.some((x) => !Number.isInteger(x) || x < (name === "output_padding" ? 0 : 1))) a.fail(`${name} [${v.join(", ")}] must be integers >= ${name === "output_padding" ? 0 : 1}`);
  }
  const pads = a.ints("pads");
  if (pads && pads.length !== 2 * nd) a.fail(`pads [${pads.join(", ")}] must have ${2 * nd} entries (begin and end per spatial axis)`);
  if (pads && pads.some((x) => !Number.isInteger(x) || x < 0)) a.fail(`pads [${pads.join(", ")}] must be non-negative integers`);
  const k = a.ints("kernel_shape");
  if (k && weightKernel && k.some((v, i) => v !== weightKernel[i])) {
    a.fail(`kernel_shape [${k.join(", ")}] contradicts the weight's kernel [${weightKernel.join(", ")}]`);
  }
}

const words = (s: string): string[] => s.split(" ").filter(Boolean);
const pool = "auto_pad ceil_mode dilations kernel_shape pads strides";
const rnn = "activation_alpha activation_beta activations clip direction hidden_size layout output_sequence";
const reduce = "axes keepdims noop_with_empty_axes";
/** Opset 1-6 elementwise ops took these (legacy broadcasting and in-place hints). */
const legacy = "consumed_inputs broadcast axis";

/** Attribute names each operator's schema allows, over all opsets (ONNX operator docs). */
const SCHEMA = new Map<string, Set<string>>(Object.entries({
  Abs: "consumed_inputs", Ceil: "consumed_inputs", Exp: "consumed_inputs", Floor: "consumed_inputs", Log: "consumed_inputs",
  Neg: "consumed_inputs", Reciprocal: "consumed_inputs", Relu: "consumed_inputs", Sigmoid: "consumed_inputs",
  Sqrt: "consumed_inputs", Tanh: "consumed_inputs",
  Cos: "", Sin: "", Tan: "", Erf: "", IsNaN: "", Not: "", Round: "", Sign: "", Softsign: "", Softplus: "",
  HardSwish: "", Identity: "", Size: "", MatMul: "", Expand: "", Range: "", Tile: "", Where: "",
  GlobalAveragePool: "", GlobalMaxPool: "", GreaterOrEqual: "", LessOrEqual: "",
  Add: legacy, Sub: legacy, Mul: legacy, Div: legacy, Pow: "broadcast axis", And: "broadcast axis", Or: "broadcast axis",
  Xor: "broadcast axis", Equal: "broadcast axis", Greater: "broadcast axis", Less: "broadcast axis",
  Max: "consumed_inputs", Min: "consumed_inputs", Sum: "consumed_inputs", Mean: "consumed_inputs", PRelu: "consumed_inputs",
  Mod: "fmod", ArgMax: "axis keepdims select_last_index", ArgMin: "axis keepdims select_last_index",
  AveragePool: `${pool} count_include_pad`, MaxPool: `${pool} storage_order`,
  Conv: "auto_pad dilations group kernel_shape pads strides",
  ConvTranspose: "auto_pad dilations group kernel_shape output_padding output_shape pads strides",
  BatchNormalization: "epsilon momentum spatial is_test consumed_inputs training_mode",
  InstanceNormalization: "epsilon consumed_inputs", LayerNormalization: "axis epsilon stash_type",
  Cast: "to saturate round_mode", CastLike: "saturate round_mode", Celu: "alpha", Clip: "min max consumed_inputs",
  Concat: "axis", Constant: "value value_float value_floats value_int value_ints value_string value_strings sparse_value",
  ConstantOfShape: "value", Dropout: "ratio is_test seed consumed_inputs", Einsum: "equation",
  Elu: "alpha consumed_inputs", HardSigmoid: "alpha beta consumed_inputs", LeakyRelu: "alpha consumed_inputs",
  Selu: "alpha gamma consumed_inputs", ThresholdedRelu: "alpha", Flatten: "axis", Gather: "axis", GatherElements: "axis",
  Gemm: "alpha beta transA transB broadcast", Softmax: "axis", LogSoftmax: "axis",
  GRU: `${rnn} linear_before_reset`, LSTM: `${rnn} input_forget`, RNN: rnn,
  Pad: "mode pads paddings value", Reshape: "allowzero shape consumed_inputs", Shape: "start end",
  Slice: "axes ends starts", Split: "axis split num_outputs", Squeeze: "axes", Unsqueeze: "axes", Transpose: "perm",
  ReduceL1: reduce, ReduceL2: reduce, ReduceLogSum: reduce, ReduceLogSumExp: reduce, ReduceMax: reduce, ReduceMean: reduce,
  ReduceMin: reduce, ReduceProd: reduce, ReduceSum: reduce, ReduceSumSquare: reduce,
}).map(([op, attrs]) => [op, new Set(words(attrs))]));

/** Fails on an attribute the operator's schema does not have (operators without a schema entry here are not checked). */
export function checkAttributeNames(n: NodeProto, label: string): void {
  const allowed = SCHEMA.get(n.opType);
  if (!allowed) return;
  for (const at of n.attribute) {
    if (!allowed.has(at.name)) {
      const list = allowed.size ? `it takes ${[...allowed].join(", ")}` : "it takes none";
      throw new Error(`importOnnx: ${label} has attribute "${at.name}", which ${n.opType} does not define (${list})`);
    }
  }
}

const unary = words(`Abs Ceil Cos Erf Exp Floor IsNaN Log Neg Not Reciprocal Relu Round Sigmoid Sign Sin Sqrt Tan Tanh Softsign Softplus
  HardSwish Identity Size Shape Celu Elu LeakyRelu Selu HardSigmoid ThresholdedRelu Softmax LogSoftmax Flatten Transpose Cast
  ArgMax ArgMin GlobalAveragePool GlobalMaxPool ConstantOfShape AveragePool MaxPool`);
const binary = words("Add Sub Mul Div Pow Mod And Or Xor Equal Greater Less GreaterOrEqual LessOrEqual PRelu MatMul CastLike Expand Gather GatherElements");
const reduceOps = words("ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare");
const MANY = Infinity;
/** [min, max] inputs and outputs of each operator over all opsets (optional inputs may be omitted or named ""). */
const ARITY = new Map<string, [number, number, number, number]>([
  ...unary.map((op): [string, [number, number, number, number]] => [op, [1, 1, 1, op === "MaxPool" ? 2 : 1]]),
  ...binary.map((op): [string, [number, number, number, number]] => [op, [2, 2, 1, 1]]),
  ...reduceOps.map((op): [string, [number, number, number, number]] => [op, [1, 2, 1, 1]]),
  ["Max", [1, MANY, 1, 1]], ["Min", [1, MANY, 1, 1]], ["Sum", [1, MANY, 1, 1]], ["Mean", [1, MANY, 1, 1]], ["Concat", [1, MANY, 1, 1]],
  ["Einsum", [1, MANY, 1, 1]], ["Where", [3, 3, 1, 1]], ["Range", [3, 3, 1, 1]], ["Tile", [2, 3, 1, 1]], ["Gemm", [2, 3, 1, 1]],
  ["Conv", [2, 3, 1, 1]], ["ConvTranspose", [2, 3, 1, 1]], ["InstanceNormalization", [3, 3, 1, 1]], ["BatchNormalization", [5, 5, 1, 5]],
  ["LayerNormalization", [2, 3, 1, 3]], ["Clip", [1, 3, 1, 1]], ["Pad", [1, 4, 1, 1]], ["Slice", [1, 5, 1, 1]], ["Reshape", [1, 2, 1, 1]],
  ["Squeeze", [1, 2, 1, 1]], ["Unsqueeze", [1, 2, 1, 1]], ["Split", [1, 2, 1, MANY]], ["Dropout", [1, 3, 1, 2]], ["Constant", [0, 0, 1, 1]],
  ["LSTM", [3, 8, 0, 3]], ["GRU", [3, 6, 0, 2]], ["RNN", [3, 6, 0, 2]],
]);

/** Fails when a node has fewer or more inputs or outputs than its operator takes (operators not listed are not checked). */
export function checkArity(n: NodeProto, label: string): void {
  const a = ARITY.get(n.opType);
  if (!a) return;
  const [iMin, iMax, oMin, oMax] = a;
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : hi === MANY ? `at least ${lo}` : `${lo} to ${hi}`);
  if (n.input.length < iMin || n.input.length > iMax) throw new Error(`importOnnx: ${label} has ${n.input.length} input(s); ${n.opType} takes ${range(iMin, iMax)}`);
  if (n.output.length < oMin || n.output.length > oMax) throw new Error(`importOnnx: ${label} has ${n.output.length} output(s); ${n.opType} gives ${range(oMin, oMax)}`);
}
