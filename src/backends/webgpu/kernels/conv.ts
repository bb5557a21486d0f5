/**
 * conv2d on the GPU as implicit GEMMs (the column matrix is read on the fly, never
 * stored), grouped convolution included (one GEMM batch per image and group):
 * - forward:      y[img, o, pix]  = w[o, (c,ki,kj)] @ cols(x)[(c,ki,kj), pix] + bias
 * - input grad:   dx[img, c, ihw] = w^T[c, (o,ki,kj)] @ gy gathered through the window
 *                 arithmetic (the transposed convolution, no scatter or atomics);
 * - weight grad:  dw[o, (c,ki,kj)] = gy[o, (img,pix)] @ cols(x)^T, images summed in K.
 * Geometry follows the CPU backends' ConvGeom (x [n, C, H, W], w [O, C/groups*kH*kW]).
 * The geometry is compiled into each shader as constants (one pipeline per layer shape;
 * only the batch size stays a uniform): the index arithmetic is divisions and remainders
 * by kernel and image sizes, far cheaper by constants, on a CPU emulation above all.
 */
import type { ConvGeom } from "../../backend.js";
import { allocBuffer, releaseBuffer } from "../pool.js";
import { reduceGPU } from "./reduce.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { gemmGroups, gemmSource, gemmStyle, sourceCache, type GemmStyle } from "./gemm.js";
import { COL_VALUE, constants, key, type Layer } from "./conv-geom.js";
import { conv2dForwardCols, conv2dInputGradCols, conv2dWeightGradCols } from "./conv-cols.js";

const UNIFORMS = "struct P { dims: vec4<u32>, flags: vec4<u32> }  // dims: M, N, K, batch; flags.x: has bias";

const FORWARD = sourceCache((style: GemmStyle, k: string) => {
  const c = constants(JSON.parse(k) as Layer);
  return gemmSource({
    decls: `${c.decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: P;${COL_VALUE}`,
    // batch b = img * groups + g; rows m = output channel within the group; K = CG*KHW
    loadA: `return Wt[(${c.grp} * OG + m) * (CG * KHW) + k];`,
    loadB: `return colValue(${c.img}, ${c.grp} * CG + k / KHW, k % KHW, n);`,
    store: `let o = ${c.grp} * OG + m;
  Y[(${c.img} * O + o) * OHW + n] = v + select(0.0, Bias[o], p.flags.x == 1u);`,
    longLoads: true,
  }, style);
});

const INPUT_GRAD = sourceCache((style: GemmStyle, k: string) => {
  const c = constants(JSON.parse(k) as Layer);
  return gemmSource({
    decls: `${c.decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> Wt: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: P;`,
    // batch b = img * groups + g; rows m = input channel within the group; N = H*W; K = OG*KHW
    loadA: `let o = ${c.grp} * OG + k / KHW;
  return Wt[(o * CG + m) * KHW + k % KHW];`,
    loadB: `let r = k % KHW; let o = ${c.grp} * OG + k / KHW;
  let ki = i32(r / KW); let kj = i32(r % KW);
  let th = i32(n / W) + PT - ki * DH; let tw = i32(n % W) + PL - kj * DW;
  if (th < 0 || tw < 0 || th % SH != 0 || tw % SW != 0) { return 0.0; }
  let oh = u32(th / SH); let ow = u32(tw / SW);
  if (oh >= OH || ow >= OW) { return 0.0; }
  return GY[((${c.img} * O + o) * OH + oh) * OW + ow];`,
    store: `DX[(${c.img} * C + ${c.grp} * CG + m) * HW + n] = v;`,
    longLoads: true,
  }, style);
});

const WEIGHT_GRAD = sourceCache((style: GemmStyle, k: string) => {
  const c = constants(JSON.parse(k) as Layer);
  return gemmSource({
    decls: `${c.decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DW_: array<f32>;
@group(0) @binding(3) var<uniform> p: P;${COL_VALUE}`,
    // batch b = group * S + s (S = flags.y image chunks, summed afterwards); rows m = output
    // channel within the group; N = CG*KHW; K = the chunk's images * OHW, starting at flags.z
    loadA: "let kk = (b % p.flags.y) * p.flags.z + k; return GY[((kk / OHW) * O + (b / p.flags.y) * OG + m) * OHW + kk % OHW];",
    loadB: "let kk = (b % p.flags.y) * p.flags.z + k; return colValue(kk / OHW, (b / p.flags.y) * CG + n / KHW, n % KHW, kk % OHW);",
    store: "DW_[(b * OG + m) * (CG * KHW) + n] = v;",
    longLoads: true,
  }, style);
});

function uniforms(dims: [number, number, number, number], hasBias = false, chunks = 1, chunkK = 0): Uint32Array {
  const u = new Uint32Array(8);
  u.set(dims, 0);
  u.set([hasBias ? 1 : 0, chunks, chunkK], 4);
  return u;
}

/**
 * Image chunks for the weight gradient: its output (O x C*kH*kW) is small and its K
 * (all images' pixels) long, so one GEMM would keep few invocations busy for long.
 * Chunks of images run as separate GEMM batches, summed after: the largest divisor of
 * n up to 16, when the output has fewer than 8 workgroup tiles.
 */
function imageChunks(n: number, tiles: number): number {
  if (tiles >= 8) return 1;
  for (let s = Math.min(16, n); s > 1; s--) if (n % s === 0) return s;
  return 1;
}

/** Whether to go through explicit columns (conv-cols.ts): the direct (CPU) GEMM form, ungrouped. */
function explicitColumns(groups: number): boolean {
  return groups === 1 && gemmStyle() === "direct";
}

function check(op: string, g: ConvGeom, groups: number, O: number): void {
  if (!Number.isInteger(groups) || groups < 1 || g.C % groups !== 0 || O % groups !== 0) {
    throw new Error(`${op}: groups must be a positive integer dividing in channels (${g.C}) and out channels (${O}), got ${groups}`);
  }
}

/** y [n, O, oH, oW] = conv2d(x [n, C, H, W], w [O, C/groups, kH, kW]) + bias ([O], or null). */
export function conv2dForwardGPU(x: GPUBufferLike, w: GPUBufferLike, bias: GPUBufferLike | null, n: number, O: number, g: ConvGeom, groups = 1): GPUBufferLike {
  check("conv2d", g, groups, O);
  const dev = gpuDevice("conv2d");
  const pix = g.oH * g.oW, K = (g.C / groups) * g.kH * g.kW;
  const y = allocBuffer(dev, 4 * Math.max(1, n * O * pix));
  if (n * O * pix === 0) return y;
  if (explicitColumns(groups)) { conv2dForwardCols(x, w, bias, n, O, g, y); return y; }
  const { code, style } = FORWARD(key({ g, groups, O }), pix);
  // Without a bias, the flag is off and w stands in for the unread binding.
  dispatch("conv2d", code, [x, w, bias ?? w, y], uniforms([O / groups, pix, K, n * groups], bias !== null), gemmGroups(O / groups, pix, n * groups, style));
  return y;
}

/** dx [n, C, H, W] from gy [n, O, oH, oW] and w. */
export function conv2dInputGradGPU(w: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, groups = 1): GPUBufferLike {
  check("conv2d backward", g, groups, O);
  const dev = gpuDevice("conv2d backward");
  const dx = allocBuffer(dev, 4 * Math.max(1, n * g.C * g.H * g.W));
  if (n * g.C * g.H * g.W === 0) return dx;
  if (explicitColumns(groups)) { conv2dInputGradCols(w, gy, n, O, g, dx); return dx; }
  const Cg = g.C / groups, K = (O / groups) * g.kH * g.kW, N = g.H * g.W;
  const { code, style } = INPUT_GRAD(key({ g, groups, O }), N);
  dispatch("conv2d backward", code, [w, gy, dx], uniforms([Cg, N, K, n * groups]), gemmGroups(Cg, N, n * groups, style));
  return dx;
}

/** dw [O, C/groups, kH, kW] from x and gy, summed over the batch. */
export function conv2dWeightGradGPU(x: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, groups = 1): GPUBufferLike {
  check("conv2d backward", g, groups, O);
  const dev = gpuDevice("conv2d backward");
  const Og = O / groups, N = (g.C / groups) * g.kH * g.kW, K = n * g.oH * g.oW;
  const { code, style } = WEIGHT_GRAD(key({ g, groups, O }), N);
  const [tx, ty] = gemmGroups(Og, N, groups, style);
  const S = imageChunks(n, tx * ty * groups);
  // With S > 1: partial sums [groups, S, Og * N], then the sum over S into dw [groups, Og * N].
  const parts = allocBuffer(dev, 4 * Math.max(1, S * O * N));
  if (explicitColumns(groups)) conv2dWeightGradCols(x, gy, n, O, g, S, parts);
  else dispatch("conv2d backward", code, [x, gy, parts], uniforms([Og, N, K / S, groups * S], false, S, K / S), gemmGroups(Og, N, groups * S, style));
  if (S === 1) return parts;
  const out = reduceGPU("sum", parts, groups, S, Og * N);
  releaseBuffer(parts);
  return out;
}
