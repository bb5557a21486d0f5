/**
 * One GEMM shader generator, with pluggable operand loads and output store, so matmul
 * and the three convolution passes (implicit GEMM: the im2col matrix is read on the
 * fly, never written) share the tiling. C (M x N) = A (M x K) @ B (K x N) per batch
 * (workgroup z). Two forms of the same arithmetic:
 * - "tiled" (GPUs): each 16x16 workgroup computes a 64x64 tile, each invocation a 4x4
 *   block, stepping through K in slices of 16 staged in workgroup memory;
 * - "direct" (CPU emulations such as SwiftShader): each invocation computes an 8x8 block
 *   straight from the operands, with no workgroup memory and no barriers. A CPU driver
 *   runs a barrier as a coroutine switch per SIMD group, and its caches already do what
 *   workgroup memory does on a GPU; measured on SwiftShader this form is several times faster.
 * Both accumulate each output over k in the same order.
 */
import { isCpuAdapter } from "../runtime.js";

/** "narrow" is the direct form blocked for outputs at most NARROW columns wide (no 128-column tiles to waste). */
export type GemmStyle = "tiled" | "direct" | "narrow";
let forced: "tiled" | "direct" | null = null;
const NARROW = 32;

/** @internal Forces a GEMM form (tests run both on one adapter); null = by adapter. */
export function setGemmStyle(style: "tiled" | "direct" | null): void {
  forced = style;
}

/** The form for the current adapter ("narrow" is picked per call by sourceCache). */
export function gemmStyle(): "tiled" | "direct" {
  return forced ?? (isCpuAdapter() ? "direct" : "tiled");
}

/** WGSL snippets: `loadA(b, m, k)`, `loadB(b, k, n)` (both only called in range) and `store(b, m, n, v)`. */
export interface GemmParts {
  /** Declarations: bindings, the uniform struct `p` (must have `dims: vec4<u32>` = M, N, K, batch), helpers. */
  decls: string;
  loadA: string;
  loadB: string;
  store: string;
  /**
   * loadB is long (a convolution's window arithmetic): the direct form then loads in
   * loops instead of unrolled, because a CPU driver inlines every call and its compile
   * time grows with the code (seconds per unrolled convolution shader on SwiftShader).
   */
  longLoads?: boolean;
}


/** The shader of `parts` in form `style` (entry point main; the uniform p.dims = M, N, K, batch). */
export function gemmSource(parts: GemmParts, style: GemmStyle): string {
  return style === "tiled" ? tiledSource(parts) : directSource(parts, BLOCK[style]);
}

function tiledSource(parts: GemmParts): string {
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

/** The direct forms' blocking: an (lx, ly) workgroup, each invocation tm rows x tn columns. */
interface Block { lx: number; ly: number; tm: number; tn: number }
const BLOCK: Record<"direct" | "narrow", Block> = { direct: { lx: 16, ly: 2, tm: 8, tn: 8 }, narrow: { lx: 16, ly: 4, tm: 8, tn: 1 } };
/** Output rows and columns per workgroup of each form. */
const TILE: Record<GemmStyle, [number, number]> = {
  tiled: [64, 64],
  direct: [BLOCK.direct.ly * BLOCK.direct.tm, BLOCK.direct.lx * BLOCK.direct.tn],
  narrow: [BLOCK.narrow.ly * BLOCK.narrow.tm, BLOCK.narrow.lx * BLOCK.narrow.tn],
};

/**
 * The direct form: invocation (x, y) computes rows y*TM.. (TM consecutive) and columns
 * x, x+LX, x+2LX, .. (TN interleaved), so neighbouring invocations, which a CPU driver
 * runs as the lanes of one SIMD group, read neighbouring elements of B and the same
 * element of A. Rows and columns past the edge are clamped to the last valid one for
 * loading (no branches in the k loop) and not stored. 8x8 per invocation measured about
 * twice as fast as 4x4 on SwiftShader (fewer loads per multiply-add).
 */
function directSource(parts: GemmParts, blk: Block): string {
  const { lx: LX, ly: LY, tm: TM, tn: TN } = blk;
  const I = [...Array(TM).keys()], J = [...Array(TN).keys()];
  // Unrolled loads keep the operands in registers (about 2.5x faster on SwiftShader than
  // loads into arrays in loops); long loads go through arrays so each is inlined once.
  const loads = parts.longLoads
    ? `for (var j = 0u; j < ${TN}u; j++) { bv[j] = loadB(b, k, min(nb + j * ${LX}u, N - 1u)); }
    for (var i = 0u; i < ${TM}u; i++) { av[i] = loadA(b, min(mb + i, M - 1u), k); }`
    : `${J.map((j) => `let b${j} = loadB(b, k, n${j});`).join(" ")}
    ${I.map((i) => `let a${i} = loadA(b, m${i}, k);`).join(" ")}`;
  const a = (i: number) => (parts.longLoads ? `av[${i}]` : `a${i}`);
  const bb = (j: number) => (parts.longLoads ? `bv[${j}]` : `b${j}`);
  return `${parts.decls}
fn loadA(b: u32, m: u32, k: u32) -> f32 { ${parts.loadA} }
fn loadB(b: u32, k: u32, n: u32) -> f32 { ${parts.loadB} }
fn store(b: u32, m: u32, n: u32, v: f32) { ${parts.store} }
@compute @workgroup_size(${LX}, ${LY})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p.dims.x; let N = p.dims.y; let K = p.dims.z;
  let b = wg.z;
  let mb = (wg.y * ${LY}u + lid.y) * ${TM}u; let nb = wg.x * ${LX * TN}u + lid.x;
  if (mb >= M || nb >= N) { return; }
  var av: array<f32, ${TM}>; var bv: array<f32, ${TN}>;
  ${I.map((i) => `let m${i} = min(mb + ${i}u, M - 1u);`).join(" ")}
  ${J.map((j) => `let n${j} = min(nb + ${LX * j}u, N - 1u);`).join(" ")}
  ${I.map((i) => J.map((j) => `var c${i}_${j} = 0.0;`).join(" ")).join("\n  ")}
  for (var k = 0u; k < K; k++) {
    ${loads}
    ${I.map((i) => J.map((j) => `c${i}_${j} += ${a(i)} * ${bb(j)};`).join(" ")).join("\n    ")}
  }
  var acc: array<f32, ${TM * TN}>;
  ${I.map((i) => J.map((j) => `acc[${i * TN + j}] = c${i}_${j};`).join(" ")).join("\n  ")}
  for (var i = 0u; i < ${TM}u; i++) {
    for (var j = 0u; j < ${TN}u; j++) {
      let m = mb + i; let n = nb + j * ${LX}u;
      if (m < M && n < N) { store(b, m, n, acc[i * ${TN}u + j]); }
    }
  }
}`;
}

/** Workgroups for an M x N output over `batch` batches in form `style`. */
export function gemmGroups(M: number, N: number, batch: number, style: GemmStyle): [number, number, number] {
  if (batch > 65535) throw new Error(`webgpu GEMM: at most 65535 batches per dispatch, got ${batch}`);
  const [rows, cols] = TILE[style];
  return [Math.ceil(N / cols), Math.ceil(M / rows), batch];
}

/**
 * A cache of generated shader sources by key (the form is part of every key). The
 * returned function takes the key and the output's width N, which picks "narrow" over
 * "direct" for outputs at most 32 columns wide.
 */
export function sourceCache(make: (style: GemmStyle, key: string) => string): (key: string, N: number) => { code: string; style: GemmStyle } {
  const cache = new Map<string, string>();
  return (key, N) => {
    const base = gemmStyle();
    const style: GemmStyle = base === "direct" && N <= NARROW ? "narrow" : base;
    const k = `${style}|${key}`;
    let code = cache.get(k);
    if (code === undefined) { code = make(style, key); cache.set(k, code); }
    return { code, style };
  };
}
