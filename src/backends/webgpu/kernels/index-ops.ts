/**
 * Layout and indexing kernels on the GPU: fill, strided gather into a contiguous
 * buffer (`contiguous()`, transposes, expands), the strided write back (optionally
 * accumulating, for the backward of broadcasts), a view-to-view copy and `cat` built
 * on it, gather/scatter along the middle axis of [outer, r, inner] as
 * Backend.gather/scatter, and index-add (embedding's backward). Scatters that combine (sum,
 * prod, amax, amin) use compare-exchange float atomics, so indices may repeat; the
 * order of a repeated index's float additions is not fixed (as on CUDA).
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { MAX_DIMS, STRIDED_INDEX_WGSL, atomicFloatWGSL, contiguousStrides, groups1d, numelOf, packDims, type GPUView, ONE_D, ONE_D_INDEX } from "./layout.js";

const INDEX = ONE_D_INDEX;

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

const COPY = `${STRIDED_INDEX_WGSL}
struct P { info: vec4<u32>, shape: array<vec4<u32>, 2>, si: array<vec4<u32>, 2>, so: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  if (i >= p.info.x) { return; }
  O[stridedIndex(i, p.info.y, p.shape, p.so, p.info.w)] = X[stridedIndex(i, p.info.y, p.shape, p.si, p.info.z)];
}`;

/**
 * Copies the view src into the view dst of the same shape, in place (a general strided
 * copy: permute into a slice, cat). dst's elements must not overlap each other, and
 * dst must be in a different buffer from src.
 */
export function copyViewGPU(src: GPUView, dst: GPUView): void {
  if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
    throw new Error(`copy: source shape [${src.shape}] and destination shape [${dst.shape}] differ`);
  }
  if (src.buffer === dst.buffer) throw new Error("copy: source and destination must be different buffers (a binding written may not alias another)");
  const n = numelOf(src.shape);
  if (n === 0) return;
  const u = new Uint32Array(4 + 3 * MAX_DIMS);
  u.set([n, src.shape.length, src.offset, dst.offset]);
  packDims(u, 4, src.shape);
  packDims(u, 4 + MAX_DIMS, src.strides);
  packDims(u, 4 + 2 * MAX_DIMS, dst.strides);
  dispatch("copy", COPY, [src.buffer, dst.buffer], u, groups1d(n));
}

/** torch.cat of views (equal shapes but along dim) along dim: a new contiguous buffer; returns it and its shape. */
export function catGPU(views: readonly GPUView[], dim: number): { buffer: GPUBufferLike; shape: number[] } {
  if (views.length === 0) throw new Error("cat: expected a non-empty list of tensors");
  const nd = views[0].shape.length;
  if (!Number.isInteger(dim) || dim < 0 || dim >= nd) throw new Error(`cat: dim must be in [0, ${nd - 1}] (normalised), got ${dim}`);
  const shape = views[0].shape.slice();
  shape[dim] = 0;
  for (const [k, v] of views.entries()) {
    if (v.shape.length !== nd || v.shape.some((d, i) => i !== dim && d !== views[0].shape[i])) {
      throw new Error(`cat: tensor ${k} has shape [${v.shape}], expected [${views[0].shape}] except along dim ${dim}`);
    }
    shape[dim] += v.shape[dim];
  }
  const buffer = allocBuffer(gpuDevice("cat"), 4 * Math.max(1, numelOf(shape)));
  const strides = contiguousStrides(shape);
  let at = 0;
  for (const v of views) {
    copyViewGPU(v, { buffer, shape: v.shape, strides, offset: at * strides[dim] });
    at += v.shape[dim];
  }
  return { buffer, shape };
}

const INDEX_ADD = `${atomicFloatWGSL("O", "addAt", "a + v")}
struct P { dims: vec4<u32>, skip: vec4<i32> }
@group(0) @binding(0) var<storage, read> S: array<f32>;
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> O: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  let r = p.dims.x; let idxR = p.dims.y; let inner = p.dims.z;
  if (i >= p.dims.w) { return; }
  let o = i / (idxR * inner); let j = (i / inner) % idxR; let k = i % inner;
  let t = I[j];
  if (p.skip.y == 1 && t == p.skip.x) { return; }
  addAt((o * r + u32(t)) * inner + k, S[i]);
}`;

/**
 * index_add_ along the middle axis, in place: out[o, index[j], k] += src[o, j, k] for
 * out [outer, r, inner], src [outer, idxR, inner], index [idxR] (int32, already checked
 * in [0, r)). Repeated indices accumulate (float atomics). Rows whose index equals
 * `skipIndex` are left out (embedding's padding_idx gets no gradient).
 */
export function indexAddGPU(out: GPUBufferLike, index: GPUBufferLike, src: GPUBufferLike, outer: number, r: number, idxR: number, inner: number,
  skipIndex: number | null = null): void {
  const n = outer * idxR * inner;
  if (n === 0) return;
  const u = new Uint32Array(8);
  u.set([r, idxR, inner, n]);
  new Int32Array(u.buffer).set([skipIndex ?? 0, skipIndex === null ? 0 : 1], 4);
  dispatch("indexAdd", INDEX_ADD, [src, index, out], u, groups1d(n));
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
