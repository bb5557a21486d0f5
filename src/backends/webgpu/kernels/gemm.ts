/**
 * One tiled GEMM shader, generated with pluggable operand loads and output store, so
 * matmul and the three convolution passes (implicit GEMM: the im2col matrix is read
 * on the fly, never written) share the tiling. C (M x N) = A (M x K) @ B (K x N) per
 * batch (workgroup z): each 16x16 workgroup computes a 64x64 tile, each invocation a
 * 4x4 block, stepping through K in slices of 16 staged in workgroup memory.
 */

/** WGSL snippets: `loadA(b, m, k)`, `loadB(b, k, n)` (both only called in range) and `store(b, m, n, v)`. */
export interface GemmParts {
  /** Declarations: bindings, the uniform struct `p` (must have `dims: vec4<u32>` = M, N, K, batch), helpers. */
  decls: string;
  loadA: string;
  loadB: string;
  store: string;
}

export const GEMM_TILE = 64;

export function gemmSource(parts: GemmParts): string {
  return `${parts.decls}
fn loadA(b: u32, m: u32, k: u32) -> f32 { ${parts.loadA} }
fn loadB(b: u32, k: u32, n: u32) -> f32 { ${parts.loadB} }
fn store(b: u32, m: u32, n: u32, v: f32) { ${parts.store} }
var<workgroup> As: array<f32, 1024>;
var<workgroup> Bs: array<f32, 1024>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p.dims.x; let N = p.dims.y; let K = p.dims.z;
  let b = wg.z;
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  let tid = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let m = e / 16u; let ka = e % 16u;
      var va = 0.0;
      if (row0 + m < M && k0 + ka < K) { va = loadA(b, row0 + m, k0 + ka); }
      As[ka * 64u + m] = va;
      let kb = e / 64u; let n = e % 64u;
      var vb = 0.0;
      if (k0 + kb < K && col0 + n < N) { vb = loadB(b, k0 + kb, col0 + n); }
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
  for (var i = 0u; i < 4u; i++) {
    let gm = row0 + lid.y * 4u + i;
    if (gm >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gn = col0 + lid.x * 4u + j;
      if (gn < N) { store(b, gm, gn, acc[i * 4u + j]); }
    }
  }
}`;
}

/** Workgroups for an M x N output over `batch` batches. */
export function gemmGroups(M: number, N: number, batch: number): [number, number, number] {
  if (batch > 65535) throw new Error(`webgpu GEMM: at most 65535 batches per dispatch, got ${batch}`);
  return [Math.ceil(N / GEMM_TILE), Math.ceil(M / GEMM_TILE), batch];
}
