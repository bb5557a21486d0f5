/**
 * Layout and indexing kernels on the GPU: fill, strided gather into a contiguous
 * buffer (`contiguous()`, transposes, expands), the strided write back (optionally
 * accumulating, for the backward of broadcasts), and gather/scatter along the middle
 * axis of [outer, r, inner] as Backend.gather/scatter. Scatters that combine (sum,
 * prod, amax, amin) use compare-exchange float atomics, so indices may repeat; the
 * order of a repeated index's float additions is not fixed (as on CUDA).
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { MAX_DIMS, STRIDED_INDEX_WGSL, atomicFloatWGSL, groups1d, numelOf, packDims } from "./layout.js";

const ONE_D = "@compute @workgroup_size(256)\nfn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)";
const INDEX = "let i = id.x + id.y * nw.x * 256u;";

const FILL = `
struct P { n: vec4<u32>, f: vec4<f32> }
@group(0) @binding(0) var<storage, read_write> O: array<f32>;
@group(0) @binding(1) var<uniform> p: P;
${ONE_D} { ${INDEX} if (i < p.n.x) { O[i] = p.f.x; } }`;

/** Sets the first n elements of buf to value, in place. */
export function fillGPU(buf: GPUBufferLike, value: number, n: number): void {
  if (n === 0) return;
  const u = new Uint32Array(8);
  u[0] = n;
  new Float32Array(u.buffer)[4] = value;
  dispatch("fill", FILL, [buf], u, groups1d(n));
}

/** A new zero-filled buffer of n float32 elements. */
export function zerosGPU(op: string, n: number): GPUBufferLike {
  const buf = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  fillGPU(buf, 0, n);
  return buf;
}

// Copies move u32 words: bit-exact for every dtype (an int32 with a NaN's bit pattern survives).
const STRIDED = `${STRIDED_INDEX_WGSL}
struct P { info: vec4<u32>, shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> X: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@group(0) @binding(2) var<uniform> p: P;
${ONE_D} { ${INDEX} if (i < p.info.x) { O[i] = X[stridedIndex(i, p.info.y, p.shape, p.st, p.info.z)]; } }`;

const STRIDED_ASSIGN = (accumulate: boolean) => `${STRIDED_INDEX_WGSL}${atomicFloatWGSL("O", "addAt", "a + v")}
struct P { info: vec4<u32>, shape: array<vec4<u32>, 2>, st: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> S: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  if (i >= p.info.x) { return; }
  let at = stridedIndex(i, p.info.y, p.shape, p.st, p.info.z);
  ${accumulate ? "addAt(at, S[i]);" : "atomicStore(&O[at], bitcast<u32>(S[i]));"}
}`;

function stridedWords(shape: readonly number[], strides: readonly number[], offset: number): Uint32Array {
  const u = new Uint32Array(4 + 2 * MAX_DIMS);
  u.set([numelOf(shape), shape.length, offset, 0]);
  packDims(u, 4, shape);
  packDims(u, 4 + MAX_DIMS, strides);
  return u;
}

/** Backend.strided: the view (shape, strides, offset) of x gathered into a new contiguous buffer. */
export function stridedGPU(x: GPUBufferLike, offset: number, shape: readonly number[], strides: readonly number[]): GPUBufferLike {
  const n = numelOf(shape);
  const out = allocBuffer(gpuDevice("contiguous"), 4 * Math.max(1, n));
  if (n > 0) dispatch("contiguous", STRIDED, [x, out], stridedWords(shape, strides, offset), groups1d(n));
  return out;
}

/** Backend.stridedAssign: writes (or adds, where elements of the view overlap too) src into the view of out, in place. */
export function stridedAssignGPU(src: GPUBufferLike, out: GPUBufferLike, offset: number, shape: readonly number[], strides: readonly number[], accumulate: boolean): void {
  const n = numelOf(shape);
  if (n > 0) dispatch("stridedAssign", STRIDED_ASSIGN(accumulate), [src, out], stridedWords(shape, strides, offset), groups1d(n));
}

/** Element i of the [outer, idxR, inner] index: its outer block o and inner position k. */
const AXIS_PROLOGUE = `${INDEX}
  let r = p.dims.x; let idxR = p.dims.y; let inner = p.dims.z; let total = p.dims.w;
  if (i >= total) { return; }
  let o = i / (idxR * inner); let k = i % inner;`;

const GATHER = `
struct P { dims: vec4<u32> }
@group(0) @binding(0) var<storage, read> X: array<u32>;
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> O: array<u32>;
@group(0) @binding(3) var<uniform> p: P;
${ONE_D} {
  ${AXIS_PROLOGUE}
  O[i] = X[(o * r + u32(I[i])) * inner + k];
}`;

/** Backend.gather: out[o, j, i] = x[o, index[o, j, i], i] (index as int32 words, already checked in range). */
export function gatherGPU(x: GPUBufferLike, index: GPUBufferLike, outer: number, r: number, idxR: number, inner: number): GPUBufferLike {
  const n = outer * idxR * inner;
  const out = allocBuffer(gpuDevice("gather"), 4 * Math.max(1, n));
  if (n > 0) dispatch("gather", GATHER, [x, index, out], new Uint32Array([r, idxR, inner, n]), groups1d(n));
  return out;
}

export type ScatterMode = "set" | "sum" | "prod" | "amax" | "amin";
const SCATTER_COMBINE: Record<Exclude<ScatterMode, "set">, string> = {
  sum: "a + v", prod: "a * v",
  amax: "select(a, v, v > a || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u)",
  amin: "select(a, v, v < a || (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u)",
};

const SCATTER = (mode: ScatterMode) => `${mode === "set" ? "" : atomicFloatWGSL("O", "combineAt", SCATTER_COMBINE[mode])}
struct P { dims: vec4<u32> }
@group(0) @binding(0) var<storage, read> S: array<f32>;
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> O: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: P;
${ONE_D} {
  ${AXIS_PROLOGUE}
  let at = (o * r + u32(I[i])) * inner + k;
  ${mode === "set" ? "atomicStore(&O[at], bitcast<u32>(S[i]));" : "combineAt(at, S[i]);"}
}`;

/** Backend.scatter in place on out: src [outer, idxR, inner] combined into out [outer, r, inner] at index. */
export function scatterGPU(out: GPUBufferLike, index: GPUBufferLike, src: GPUBufferLike, outer: number, r: number, idxR: number, inner: number, mode: ScatterMode): void {
  const n = outer * idxR * inner;
  if (n > 0) dispatch(`scatter ${mode}`, SCATTER(mode), [src, index, out], new Uint32Array([r, idxR, inner, n]), groups1d(n));
}
