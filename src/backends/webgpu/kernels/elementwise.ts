/**
 * Elementwise kernels in WGSL: unary math and broadcasting binary ops over strided
 * inputs, written into a new contiguous buffer. Each op is a WGSL expression of `x`
 * (and `y`); the shader source is generated per op, so the pipeline cache holds one
 * pipeline per op. Semantics follow the CPU kernels (src/backends/js/elementwise.ts):
 * NaN propagates through relu/maximum/minimum, round is half-to-even, and pow of a
 * negative base follows IEEE pow (real for integer exponents, NaN otherwise).
 */
import type { BinaryOp, UnaryOp } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { MAX_DIMS, STRIDED_INDEX_WGSL, WGSL_FLOAT_BITS, broadcastStrides, groups1d, numelOf, packDims, type GPUView } from "./layout.js";

const HELPERS = `
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

const UNARY: Record<UnaryOp, string> = {
  neg: "-x", abs: "abs(x)", sign: "sign(x)", exp: "exp(x)", log: "log(x)", log1p: "log1p32(x)",
  expm1: "expm132(x)", sqrt: "sqrt(x)", rsqrt: "inverseSqrt(x)", square: "x * x", reciprocal: "1.0 / x",
  sin: "sin(x)", cos: "cos(x)", tan: "tan(x)", tanh: "tanh32(x)", sigmoid: "sigmoid32(x)",
  relu: "select(x, 0.0, x < 0.0)", floor: "floor(x)", ceil: "ceil(x)", round: "round(x)", erf: "erf32(x)",
  logicalNot: "select(0.0, 1.0, x == 0.0)", isnan: "select(0.0, 1.0, isNan(x))",
  isfinite: "select(1.0, 0.0, isNan(x) || isInf(x))", step: "select(0.0, 1.0, x > 0.0)",
  hardswish: "x * min(max(x + 3.0, 0.0), 6.0) / 6.0",
  hardsigmoid: "select(min(max(x + 3.0, 0.0), 6.0) / 6.0, x, isNan(x))",
  silu: "x / (1.0 + exp(-x))",
};

const BINARY: Record<BinaryOp, string> = {
  add: "x + y", sub: "x - y", mul: "x * y", div: "x / y", pow: "pow32(x, y)",
  maximum: "select(select(max(x, y), x, isNan(x)), y, isNan(y))",
  minimum: "select(select(min(x, y), x, isNan(x)), y, isNan(y))",
  atan2: "atan2(x, y)",
  eq: "select(0.0, 1.0, x == y)", ne: "select(0.0, 1.0, x != y || isNan(x) || isNan(y))",
  lt: "select(0.0, 1.0, x < y)", le: "select(0.0, 1.0, x <= y)", gt: "select(0.0, 1.0, x > y)",
  ge: "select(0.0, 1.0, x >= y)", logicalAnd: "select(0.0, 1.0, x != 0.0 && y != 0.0)",
  logicalOr: "select(0.0, 1.0, x != 0.0 || y != 0.0)", logicalXor: "select(0.0, 1.0, (x != 0.0) != (y != 0.0))",
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
 * The elementwise shader over one (x) or two (x, y) strided inputs: input k is read
 * through its strides in p.s[k] and its offset in p.info.z + k; the output is contiguous.
 */
function elementwiseSource(expr: string, inputs: 1 | 2): string {
  const names = ["x", "y"].slice(0, inputs);
  return `${HELPERS}${STRIDED_INDEX_WGSL}
struct P { info: vec4<u32>, shape: array<vec4<u32>, 2>, ${names.map((_, k) => `s${k}: array<vec4<u32>, 2>`).join(", ")} }
${names.map((_, k) => `@group(0) @binding(${k}) var<storage, read> In${k}: array<f32>;`).join("\n")}
@group(0) @binding(${inputs}) var<storage, read_write> O: array<f32>;
@group(0) @binding(${inputs + 1}) var<uniform> p: P;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = id.x + id.y * nw.x * 256u;
  if (i >= p.info.x) { return; }
${names.map((n, k) => `  let ${n} = In${k}[stridedIndex(i, p.info.y, p.shape, p.s${k}, p.info[${2 + k}])];`).join("\n")}
  O[i] = ${expr};
}`;
}

/** `op` applied to every element of `a`; returns a new contiguous buffer of a's shape. */
export function unaryGPU(op: UnaryOp, a: GPUView): GPUBufferLike {
  const expr = UNARY[op];
  if (!expr) throw new Error(`webgpu ${op}: no WGSL kernel for this unary op`);
  const n = numelOf(a.shape);
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(4 + 2 * MAX_DIMS);
  u.set([n, a.shape.length, a.offset, 0]);
  packDims(u, 4, a.shape);
  packDims(u, 4 + MAX_DIMS, a.strides);
  dispatch(op, elementwiseSource(expr, 1), [a.buffer, out], u, groups1d(n));
  return out;
}

/** `op(a, b)` broadcast to `outShape` (which the caller computed); returns a new contiguous buffer. */
export function binaryGPU(op: BinaryOp, a: GPUView, b: GPUView, outShape: number[]): GPUBufferLike {
  const expr = BINARY[op];
  if (!expr) throw new Error(`webgpu ${op}: no WGSL kernel for this binary op`);
  const n = numelOf(outShape);
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(4 + 3 * MAX_DIMS);
  u.set([n, outShape.length, a.offset, b.offset]);
  packDims(u, 4, outShape);
  packDims(u, 4 + MAX_DIMS, broadcastStrides(op, a, outShape));
  packDims(u, 4 + 2 * MAX_DIMS, broadcastStrides(op, b, outShape));
  dispatch(op, elementwiseSource(expr, 2), [a.buffer, b.buffer, out], u, groups1d(n));
  return out;
}
