/**
 * Dtype conversion on the GPU between the three GPU dtypes, with the CPU's semantics
 * (Backend.cast): float32, int32, and bool stored as one u32 word per element (0 or 1;
 * WGSL has no byte-addressed storage, and a word per element keeps every kernel's
 * indexing the same). float -> int truncates and wraps modulo 2^32 as a JS Int32Array
 * store does (NaN and ±inf give 0); anything -> bool is "nonzero" (NaN is true).
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { ONE_D, ONE_D_INDEX, WGSL_FLOAT_BITS, groups1d } from "./layout.js";

/** The dtypes a GPU buffer holds, and the WGSL type of each element. */
export type GPUDType = "float32" | "int32" | "bool";
const WGSL_TYPE: Record<GPUDType, string> = { float32: "f32", int32: "i32", bool: "u32" };

/** x (already of WGSL type `from`) converted to `to`. */
function convert(from: GPUDType, to: GPUDType): string {
  if (to === "bool") return from === "float32" ? "select(0u, 1u, x != 0.0 || isNan(x))" : "select(0u, 1u, x != 0)";
  if (to === "float32") return from === "float32" ? "x" : "f32(x)";
  if (from === "bool") return "i32(x)";
  if (from === "int32") return "x";
  return "toInt32(x)";
}

const SOURCE = (from: GPUDType, to: GPUDType) => `${WGSL_FLOAT_BITS}
fn toInt32(x: f32) -> i32 {
  if (isNan(x) || isInf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  // |t| >= 2^31 is a multiple of 256, so t mod 2^32 is exact in float32 and below 2^32.
  let r = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(r));
}
struct P { n: vec4<u32> }
@group(0) @binding(0) var<storage, read> X: array<${WGSL_TYPE[from]}>;
@group(0) @binding(1) var<storage, read_write> O: array<${WGSL_TYPE[to]}>;
@group(0) @binding(2) var<uniform> p: P;
${ONE_D} {
  ${ONE_D_INDEX}
  if (i >= p.n.x) { return; }
  let x = X[i];
  O[i] = ${convert(from, to)};
}`;

/** Backend.cast: the n elements of x (dtype `from`) in a new buffer of dtype `to`. */
export function castGPU(x: GPUBufferLike, from: GPUDType, to: GPUDType, n: number): GPUBufferLike {
  for (const d of [from, to]) {
    if (!(d in WGSL_TYPE)) throw new Error(`webgpu cast: dtype must be float32, int32 or bool on the GPU, got ${d}`);
  }
  const out = allocBuffer(gpuDevice("cast"), 4 * Math.max(1, n));
  if (n > 0) dispatch("cast", SOURCE(from, to), [x, out], new Uint32Array([n, 0, 0, 0]), groups1d(n));
  return out;
}
