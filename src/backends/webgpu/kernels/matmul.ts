/**
 * Batched matmul on the GPU: C[b] = A[b] (M x K) @ B[b] (K x N), with A and B read
 * through strides (batch, row, column, offset), so transposed and batch-broadcast
 * operands (stride 0) need no copy. The tiling is the shared GEMM of gemm.ts.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { gemmGroups, gemmSource, sourceCache } from "./gemm.js";

const SOURCE = sourceCache((style) => gemmSource({
  decls: `
struct P { dims: vec4<u32>, sa: vec4<u32>, sb: vec4<u32> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: P;`,
  loadA: "return A[p.sa.w + b * p.sa.x + m * p.sa.y + k * p.sa.z];",
  loadB: "return B[p.sb.w + b * p.sb.x + k * p.sb.y + n * p.sb.z];",
  store: "C[(b * p.dims.x + m) * p.dims.y + n] = v;",
}, style));

/** Strides of one matmul operand in elements: per batch, per row, per column, and the start offset. */
export interface MatmulOperand { buffer: GPUBufferLike; batchStride: number; rowStride: number; colStride: number; offset: number }

/** A row-major [batch?, rows, cols] operand, optionally read transposed (as its [cols, rows] transpose). */
export function operand(buffer: GPUBufferLike, rows: number, cols: number, transposed = false, batched = true): MatmulOperand {
  return transposed
    ? { buffer, batchStride: batched ? rows * cols : 0, rowStride: 1, colStride: cols, offset: 0 }
    : { buffer, batchStride: batched ? rows * cols : 0, rowStride: cols, colStride: 1, offset: 0 };
}

/** C [batch, M, N] (new contiguous buffer) = A @ B for each of `batch` pairs. */
export function matmulGPU(a: MatmulOperand, b: MatmulOperand, batch: number, M: number, N: number, K: number): GPUBufferLike {
  const out = allocBuffer(gpuDevice("matmul"), 4 * Math.max(1, batch * M * N));
  if (batch * M * N === 0) return out;
  const u = new Uint32Array(12);
  u.set([M, N, K, batch, a.batchStride, a.rowStride, a.colStride, a.offset, b.batchStride, b.rowStride, b.colStride, b.offset]);
  const { code, style } = SOURCE("", N);
  dispatch("matmul", code, [a.buffer, b.buffer, out], u, gemmGroups(M, N, batch, style));
  return out;
}
