/**
 * Batched matmul in WGSL: C[b] = A[b] (M x K) @ B[b] (K x N), with A and B read through
 * strides (batch, row, column, offset), so transposed and batch-broadcast operands
 * (stride 0) need no copy. Each 16x16 workgroup computes a 64x64 tile of C, each
 * invocation a 4x4 block, stepping through K in slices of 16 staged in workgroup memory.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";

const TILE = 64;

const SOURCE = `
struct P { dims: vec4<u32>, sa: vec4<u32>, sb: vec4<u32> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p.dims.x; let N = p.dims.y; let K = p.dims.z;
  let b = wg.z;
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  let tid = lid.y * 16u + lid.x;
  let aBase = p.sa.w + b * p.sa.x;
  let bBase = p.sb.w + b * p.sb.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let m = e / 16u; let ka = e % 16u;
      let gm = row0 + m; let gka = k0 + ka;
      var va = 0.0;
      if (gm < M && gka < K) { va = A[aBase + gm * p.sa.y + gka * p.sa.z]; }
      As[ka * 64u + m] = va;
      let kb = e / 64u; let n = e % 64u;
      let gkb = k0 + kb; let gn = col0 + n;
      var vb = 0.0;
      if (gkb < K && gn < N) { vb = B[bBase + gkb * p.sb.y + gn * p.sb.z]; }
      Bs[kb * 64u + n] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a0 = As[kk * 64u + lid.y * 4u]; let a1 = As[kk * 64u + lid.y * 4u + 1u];
      let a2 = As[kk * 64u + lid.y * 4u + 2u]; let a3 = As[kk * 64u + lid.y * 4u + 3u];
      for (var j = 0u; j < 4u; j++) {
        let bv = Bs[kk * 64u + lid.x * 4u + j];
        acc[j] += a0 * bv; acc[4u + j] += a1 * bv; acc[8u + j] += a2 * bv; acc[12u + j] += a3 * bv;
      }
    }
    workgroupBarrier();
  }
  let cBase = b * M * N;
  for (var i = 0u; i < 4u; i++) {
    let gm = row0 + lid.y * 4u + i;
    if (gm >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gn = col0 + lid.x * 4u + j;
      if (gn < N) { C[cBase + gm * N + gn] = acc[i * 4u + j]; }
    }
  }
}`;

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
  if (batch > 65535) throw new Error(`webgpu matmul: at most 65535 batches per call, got ${batch}`);
  const u = new Uint32Array(12);
  u.set([M, N, K, batch, a.batchStride, a.rowStride, a.colStride, a.offset, b.batchStride, b.rowStride, b.colStride, b.offset]);
  dispatch("matmul", SOURCE, [a.buffer, b.buffer, out], u, [Math.ceil(N / TILE), Math.ceil(M / TILE), batch]);
  return out;
}
