/**
 * Strided tensor layout shared by the WGSL kernels: a view is a buffer plus shape,
 * strides and offset in elements (PyTorch's model), so kernels can read transposed,
 * sliced and broadcast (stride 0) inputs without a copy. Up to MAX_DIMS dims; the
 * uniform block packs them into vec4<u32> words, as WGSL's uniform layout requires.
 */
import type { GPUBufferLike } from "../gpu-types.js";

export const MAX_DIMS = 8;

/** A float32 array on the GPU seen through shape / strides / offset (elements). */
export interface GPUView {
  buffer: GPUBufferLike;
  shape: number[];
  strides: number[];
  offset: number;
}

/** Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A contiguous view of a whole buffer. */
export function viewOf(buffer: GPUBufferLike, shape: number[]): GPUView {
  return { buffer, shape, strides: contiguousStrides(shape), offset: 0 };
}

/**
 * Strides that read `v` broadcast to `outShape` (numpy rules, aligned at the right):
 * size-1 and missing dims get stride 0.
 */
export function broadcastStrides(op: string, v: GPUView, outShape: readonly number[]): number[] {
  const r = outShape.length - v.shape.length;
  if (r < 0) throw new Error(`${op}: cannot broadcast shape [${v.shape}] to [${outShape}]`);
  return outShape.map((d, i) => {
    if (i < r) return 0;
    const s = v.shape[i - r];
    if (s === d) return v.strides[i - r];
    if (s === 1) return 0;
    throw new Error(`${op}: cannot broadcast shape [${v.shape}] to [${outShape}]`);
  });
}

/** Packs up to MAX_DIMS numbers into two vec4<u32> words' worth of a Uint32Array at `at`. */
export function packDims(words: Uint32Array, at: number, values: readonly number[]): void {
  if (values.length > MAX_DIMS) throw new Error(`webgpu: tensors of more than ${MAX_DIMS} dims are not supported, got ${values.length}`);
  for (let i = 0; i < MAX_DIMS; i++) words[at + i] = values[i] ?? 0;
}

/** WGSL that maps the flat output index `i` to the element offset of a strided input. */
export const STRIDED_INDEX_WGSL = `
fn stridedIndex(i: u32, ndim: u32, shape: array<vec4<u32>, 2>, strides: array<vec4<u32>, 2>, offset: u32) -> u32 {
  var rem = i;
  var at = offset;
  for (var d = i32(ndim) - 1; d >= 0; d--) {
    let ud = u32(d);
    let size = shape[ud / 4u][ud % 4u];
    let c = rem % size;
    rem = rem / size;
    at += c * strides[ud / 4u][ud % 4u];
  }
  return at;
}`;

/** WGSL entry point of a 1-D kernel of 256 invocations per workgroup, and its flat index `i` (grid of groups1d). */
export const ONE_D = "@compute @workgroup_size(256)\nfn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)";
export const ONE_D_INDEX = "let i = id.x + id.y * nw.x * 256u;";

/** Workgroups for `n` invocations of a 1-D kernel of `size`, spread over x and y (x <= 65535). */
export function groups1d(n: number, size = 256): [number, number] {
  const total = Math.max(1, Math.ceil(n / size));
  const x = Math.min(total, 65535);
  return [x, Math.ceil(total / x)];
}

/**
 * WGSL helpers every kernel may use. Non-finite constants go through a runtime
 * bitcast because a constant inf/NaN is a WGSL compile error; NaN is tested on the
 * bits because compilers may assume floats are never NaN.
 */
export const WGSL_FLOAT_BITS = `
fn f32Bits(u: u32) -> f32 { var b = u; return bitcast<f32>(b); }
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }`;

/** WGSL header of a one-input kernel: X (read), O (written), the uniform words p.dims, 256 floats of workgroup memory. */
export const WGSL_ROW_KERNEL_HEADER = `${WGSL_FLOAT_BITS}
struct P { dims: vec4<u32> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> part: array<f32, 256>;`;

/**
 * WGSL for a read-modify-write of a float element of the `atomic<u32>` array `arr`
 * (a compare-exchange loop: WGSL has no float atomics): `fnName(i, v)` replaces
 * element i by `combine(old, v)`, where the expression names the old value `a`, the new `v`.
 */
export function atomicFloatWGSL(arr: string, fnName: string, combine: string): string {
  return `
fn ${fnName}(i: u32, v: f32) {
  var old = atomicLoad(&${arr}[i]);
  loop {
    let a = bitcast<f32>(old);
    let r = atomicCompareExchangeWeak(&${arr}[i], old, bitcast<u32>(${combine}));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`;
}
