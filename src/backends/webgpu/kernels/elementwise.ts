/**
 * Elementwise kernels in WGSL: unary math and broadcasting binary ops over strided
 * inputs, written into a new contiguous buffer. Each op is a WGSL expression of `x`
 * (and `y`); the shader source is generated per op, so the pipeline cache holds one
 * pipeline per op. Semantics follow the CPU kernels (src/backends/js/elementwise.ts):
 * NaN propagates through relu/maximum/minimum, round is half-to-even, and pow of a
 * negative base follows IEEE pow (real for integer exponents, NaN otherwise).
 * Comparisons and logical ops also come with a bool output (one u32 0/1 per element,
 * the GPU's bool layout) over float32 or int32 inputs.
 */
import type { BinaryOp, UnaryOp } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { MAX_DIMS, STRIDED_INDEX_WGSL, WGSL_FLOAT_BITS, broadcastStrides, groups1d, numelOf, packDims, type GPUView } from "./layout.js";

export const HELPERS = `
${WGSL_FLOAT_BITS}
fn erf32(x: f32) -> f32 {
  let ax = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * ax);
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-ax * ax);
  return select(y, -y, x < 0.0);
}
fn tanh32(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return select(-1.0, 1.0, x >= 0.0) * (1.0 - e) / (1.0 + e);
}
fn sigmoid32(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn log1p32(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn expm132(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um = u - 1.0;
  if (um == -1.0) { return -1.0; }
  return um * x / log(u);
}
fn log32(x: f32) -> f32 {
  // WGSL leaves log of 0 and negatives indeterminate; IEEE (and PyTorch) say -inf and NaN.
  if (x == 0.0) { return f32Bits(0xff800000u); }
  if (x < 0.0) { return f32Bits(0x7fc00000u); }
  return log(x);
}
fn sqrt32(x: f32) -> f32 {
  if (x < 0.0) { return f32Bits(0x7fc00000u); }
  return sqrt(x);
}
fn rsqrt32(x: f32) -> f32 {
  if (x == 0.0) { return select(f32Bits(0x7f800000u), f32Bits(0xff800000u), (bitcast<u32>(x) & 0x80000000u) != 0u); }
  if (x < 0.0) { return f32Bits(0x7fc00000u); }
  return inverseSqrt(x);
}
fn pow32(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return x + y; }
  let r = pow(abs(x), y);
  if (x == 0.0) { return select(0.0, f32Bits(0x7f800000u), y < 0.0); }
  if (x > 0.0) { return r; }
  if (floor(y) != y) { return f32Bits(0x7fc00000u); }
  let odd = abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  return select(r, -r, odd);
}`;

export const UNARY: Record<UnaryOp, string> = {
  neg: "-x", abs: "abs(x)", sign: "select(sign(x), 0.0, isNan(x))", exp: "exp(x)", log: "log32(x)", log1p: "log1p32(x)",
  expm1: "expm132(x)", sqrt: "sqrt32(x)", rsqrt: "rsqrt32(x)", square: "x * x", reciprocal: "1.0 / x",
  sin: "sin(x)", cos: "cos(x)", tan: "tan(x)", tanh: "tanh32(x)", sigmoid: "sigmoid32(x)",
  relu: "select(x, 0.0, x < 0.0)", floor: "floor(x)", ceil: "ceil(x)", round: "round(x)", erf: "erf32(x)",
  logicalNot: "select(0.0, 1.0, x == 0.0)", isnan: "select(0.0, 1.0, isNan(x))",
  isfinite: "select(1.0, 0.0, isNan(x) || isInf(x))", step: "select(0.0, 1.0, x > 0.0)",
  hardswish: "x * min(max(x + 3.0, 0.0), 6.0) / 6.0",
  hardsigmoid: "select(min(max(x + 3.0, 0.0), 6.0) / 6.0, x, isNan(x))",
  silu: "x / (1.0 + exp(-x))",
};

/** WGSL "v is nonzero" (NaN is true, tested on the bits: a compiler may fold v != 0.0 as if v were never NaN). */
function nonzero(v: string, float = true): string {
  return float ? `(${v} != 0.0 || isNan(${v}))` : `(${v} != 0)`;
}

export const BINARY: Record<BinaryOp, string> = {
  add: "x + y", sub: "x - y", mul: "x * y", div: "x / y", pow: "pow32(x, y)",
  maximum: "select(select(max(x, y), x, isNan(x)), y, isNan(y))",
  minimum: "select(select(min(x, y), x, isNan(x)), y, isNan(y))",
  atan2: "select(atan2(x, y), x + y, isNan(x) || isNan(y))",
  eq: "select(0.0, 1.0, x == y)", ne: "select(0.0, 1.0, x != y || isNan(x) || isNan(y))",
  lt: "select(0.0, 1.0, x < y)", le: "select(0.0, 1.0, x <= y)", gt: "select(0.0, 1.0, x > y)",
  ge: "select(0.0, 1.0, x >= y)", logicalAnd: `select(0.0, 1.0, ${nonzero("x")} && ${nonzero("y")})`,
  logicalOr: `select(0.0, 1.0, ${nonzero("x")} || ${nonzero("y")})`, logicalXor: `select(0.0, 1.0, ${nonzero("x")} != ${nonzero("y")})`,
};

/** The WGSL expressions of the unary ops that have a GPU kernel. */
export function unaryOpNames(): UnaryOp[] {
  return Object.keys(UNARY) as UnaryOp[];
}

/** The WGSL expressions of the binary ops that have a GPU kernel. */
export function binaryOpNames(): BinaryOp[] {
  return Object.keys(BINARY) as BinaryOp[];
}

/**
 * How a buffer's 32-bit words hold a dtype on the GPU: float32 as f32, int32 as i32,
 * bool as u32 0/1 (see storage.ts). Kernels compute in f32; loads and stores convert.
 */
export type WordType = "f32" | "i32" | "u32";

/** The word type of a dtype on the GPU. */
export function wordType(dtype: string): WordType {
  if (dtype === "float32") return "f32";
  if (dtype === "int32") return "i32";
  if (dtype === "bool") return "u32";
  throw new Error(`webgpu: no GPU layout for dtype ${dtype}`);
}

/** WGSL storing the f32 value `v` as word type `t` (float -> int truncates; nonzero -> true). */
function storeAs(t: WordType, v: string): string {
  if (t === "f32") return v;
  if (t === "i32") return `i32(${v})`;
  // Any bit outside the sign set means nonzero: NaN is true without a NaN comparison (compilers may fold those).
  return `select(0u, 1u, (bitcast<u32>(${v}) & 0x7fffffffu) != 0u)`;
}

/** Unary ops whose result is not NaN for a NaN input (predicates, and sign: PyTorch's sign(NaN) is 0); every other op passes NaN through. */
const NAN_AWARE = new Set(["logicalNot", "isnan", "isfinite", "step", "identity", "sign"]);

/**
 * The elementwise shader over one (x) or two (x, y) strided inputs: input k is read
 * through its strides in p.s[k] and its offset in p.info.z + k; the output is contiguous.
 */
function elementwiseSource(expr: string, inputs: 1 | 2, ins: readonly WordType[] = ["f32", "f32"], out: WordType = "f32", native = false): string {
  const names = ["x", "y"].slice(0, inputs);
  // Default: inputs converted to f32, the f32 result stored as the output's word type;
  // native: inputs keep their word type and `expr` yields the output's (exact int compares).
  const load = (k: number, n: string) => `  let ${n} = ${native ? "" : "f32"}(In${k}[stridedIndex(i, p.info.y, p.shape, p.s${k}, p.info[${2 + k}])]);`;
  const store = native ? `  O[i] = ${expr};` : `  let v: f32 = ${expr};\n  O[i] = ${storeAs(out, "v")};`;
  return `${HELPERS}${STRIDED_INDEX_WGSL}
struct P { info: vec4<u32>, shape: array<vec4<u32>, 2>, ${names.map((_, k) => `s${k}: array<vec4<u32>, 2>`).join(", ")} }
${names.map((_, k) => `@group(0) @binding(${k}) var<storage, read> In${k}: array<${ins[k]}>;`).join("\n")}
@group(0) @binding(${inputs}) var<storage, read_write> O: array<${out}>;
@group(0) @binding(${inputs + 1}) var<uniform> p: P;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = id.x + id.y * nw.x * 256u;
  if (i >= p.info.x) { return; }
${names.map((n, k) => load(k, n)).join("\n")}
${store}
}`;
}

/** Word types of an elementwise call's inputs and output (all f32 when omitted). */
export interface ElementwiseTypes { inputs: WordType[]; out: WordType }

/** `op` applied to every element of `a`; returns a new contiguous buffer of a's shape. */
export function unaryGPU(op: UnaryOp | "identity", a: GPUView, types?: ElementwiseTypes): GPUBufferLike {
  const base = op === "identity" ? "x" : UNARY[op];
  // GPU math may turn NaN into a number (SwiftShader's exp(NaN) is inf): pass NaN through explicitly.
  const expr = base && !NAN_AWARE.has(op) ? `select(${base}, x, isNan(x))` : base;
  if (!expr) throw new Error(`webgpu ${op}: no WGSL kernel for this unary op`);
  const n = numelOf(a.shape);
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(4 + 2 * MAX_DIMS);
  u.set([n, a.shape.length, a.offset, 0]);
  packDims(u, 4, a.shape);
  packDims(u, 4 + MAX_DIMS, a.strides);
  dispatch(op, elementwiseSource(expr, 1, types?.inputs, types?.out), [a.buffer, out], u, groups1d(n));
  return out;
}

/** `op(a, b)` broadcast to `outShape` (which the caller computed); returns a new contiguous buffer. */
export function binaryGPU(op: BinaryOp, a: GPUView, b: GPUView, outShape: number[], types?: ElementwiseTypes): GPUBufferLike {
  const expr = BINARY[op];
  if (!expr) throw new Error(`webgpu ${op}: no WGSL kernel for this binary op`);
  return broadcast2(op, elementwiseSource(expr, 2, types?.inputs, types?.out), a, b, outShape);
}

/** The ops with a bool result: the condition on x, y (NaN compares unequal, tested on the bits for float32). */
export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "logicalAnd" | "logicalOr" | "logicalXor";
const COMPARE = (op: CompareOp, float: boolean): string => {
  const nz = (v: string) => nonzero(v, float);
  return {
    eq: "x == y", ne: float ? "x != y || isNan(x) || isNan(y)" : "x != y", lt: "x < y", le: "x <= y", gt: "x > y", ge: "x >= y",
    logicalAnd: `${nz("x")} && ${nz("y")}`, logicalOr: `${nz("x")} || ${nz("y")}`, logicalXor: `${nz("x")} != ${nz("y")}`,
  }[op];
};

/**
 * A comparison or logical op of float32 or int32 a and b (same dtype; a bool tensor's
 * u32 words count as int32) broadcast to `outShape`: a new bool buffer, one u32 0/1 per element.
 */
export function compareGPU(op: CompareOp, a: GPUView, b: GPUView, outShape: number[], dtype: "float32" | "int32"): GPUBufferLike {
  const cond = COMPARE(op, dtype === "float32");
  if (!cond) throw new Error(`webgpu compare: unknown op "${op}" (expected eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor)`);
  if (dtype !== "float32" && dtype !== "int32") throw new Error(`webgpu ${op}: dtype must be float32 or int32, got ${dtype}`);
  return broadcast2(op, elementwiseSource(`select(0u, 1u, ${cond})`, 2, dtype === "float32" ? ["f32", "f32"] : ["i32", "i32"], "u32", true), a, b, outShape);
}

function broadcast2(op: string, code: string, a: GPUView, b: GPUView, outShape: number[]): GPUBufferLike {
  const n = numelOf(outShape);
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(4 + 3 * MAX_DIMS);
  u.set([n, outShape.length, a.offset, b.offset]);
  packDims(u, 4, outShape);
  packDims(u, 4 + MAX_DIMS, broadcastStrides(op, a, outShape));
  packDims(u, 4 + 2 * MAX_DIMS, broadcastStrides(op, b, outShape));
  dispatch(op, code, [a.buffer, b.buffer, out], u, groups1d(n));
  return out;
}
