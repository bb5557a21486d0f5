/**
 * conv2d on the GPU as implicit GEMMs (the column matrix is read on the fly, never
 * stored), grouped convolution included (one GEMM batch per image and group):
 * - forward:      y[img, o, pix]  = w[o, (c,ki,kj)] @ cols(x)[(c,ki,kj), pix] + bias
 * - input grad:   dx[img, c, ihw] = w^T[c, (o,ki,kj)] @ gy gathered through the window
 *                 arithmetic (the transposed convolution, no scatter or atomics);
 * - weight grad:  dw[o, (c,ki,kj)] = gy[o, (img,pix)] @ cols(x)^T, images summed in K.
 * Geometry follows the CPU backends' ConvGeom (x [n, C, H, W], w [O, C/groups*kH*kW]).
 */
import type { ConvGeom } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { gemmGroups, gemmSource } from "./gemm.js";

/** Uniform words: dims (M, N, K, batch), then the geometry, then groups/batch info. */
const GEOM_STRUCT = `
struct P {
  dims: vec4<u32>,
  chw: vec4<u32>,     // C, H, W, groups
  k: vec4<u32>,       // kH, kW, oH, oW
  pad: vec4<i32>,     // padT, padL, sH, sW
  dil: vec4<u32>,     // dH, dW, O, n
  flags: vec4<u32>,   // hasBias
}`;

const COL_VALUE = `
fn colValue(img: u32, cAbs: u32, r: u32, pix: u32) -> f32 {
  // The im2col entry: input channel cAbs, kernel offset r = ki*kW + kj, output pixel pix.
  let ki = i32(r / p.k.y); let kj = i32(r % p.k.y);
  let oh = i32(pix / p.k.w); let ow = i32(pix % p.k.w);
  let ih = oh * p.pad.z - p.pad.x + ki * i32(p.dil.x);
  let iw = ow * p.pad.w - p.pad.y + kj * i32(p.dil.y);
  if (ih < 0 || iw < 0 || ih >= i32(p.chw.y) || iw >= i32(p.chw.z)) { return 0.0; }
  return X[((img * p.chw.x + cAbs) * p.chw.y + u32(ih)) * p.chw.z + u32(iw)];
}`;

const FORWARD = gemmSource({
  decls: `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: P;${GEOM_STRUCT}${COL_VALUE}
fn og() -> u32 { return p.dil.z / p.chw.w; }`,
  // batch b = img * groups + g; rows m = output channel within the group; K = Cg*kH*kW
  loadA: "return Wt[((b % p.chw.w) * og() + m) * p.dims.z + k];",
  loadB: `let khw = p.k.x * p.k.y; let cg = p.chw.x / p.chw.w;
  return colValue(b / p.chw.w, (b % p.chw.w) * cg + k / khw, k % khw, n);`,
  store: `let o = (b % p.chw.w) * og() + m;
  Y[((b / p.chw.w) * p.dil.z + o) * p.dims.y + n] = v + select(0.0, Bias[o], p.flags.x == 1u);`,
});

const INPUT_GRAD = gemmSource({
  decls: `
@group(0) @binding(0) var<storage, read> Wt: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
@group(0) @binding(3) var<uniform> p: P;${GEOM_STRUCT}`,
  // batch b = img * groups + g; rows m = input channel within the group (Cg); N = H*W; K = Og*kH*kW
  loadA: `let khw = p.k.x * p.k.y; let cg = p.chw.x / p.chw.w; let o = (b % p.chw.w) * (p.dil.z / p.chw.w) + k / khw;
  return Wt[(o * cg + m) * khw + k % khw];`,
  loadB: `let khw = p.k.x * p.k.y; let r = k % khw;
  let o = (b % p.chw.w) * (p.dil.z / p.chw.w) + k / khw;
  let ki = i32(r / p.k.y); let kj = i32(r % p.k.y);
  let ih = i32(n / p.chw.z); let iw = i32(n % p.chw.z);
  let th = ih + p.pad.x - ki * i32(p.dil.x); let tw = iw + p.pad.y - kj * i32(p.dil.y);
  if (th < 0 || tw < 0 || th % p.pad.z != 0 || tw % p.pad.w != 0) { return 0.0; }
  let oh = th / p.pad.z; let ow = tw / p.pad.w;
  if (oh >= i32(p.k.z) || ow >= i32(p.k.w)) { return 0.0; }
  return GY[(((b / p.chw.w) * p.dil.z + o) * p.k.z + u32(oh)) * p.k.w + u32(ow)];`,
  store: `let cg = p.chw.x / p.chw.w;
  DX[((b / p.chw.w) * p.chw.x + (b % p.chw.w) * cg + m) * p.dims.y + n] = v;`,
});

const WEIGHT_GRAD = gemmSource({
  decls: `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DW: array<f32>;
@group(0) @binding(3) var<uniform> p: P;${GEOM_STRUCT}${COL_VALUE}`,
  // batch b = group; rows m = output channel within the group; N = Cg*kH*kW; K = n * oH*oW (images summed)
  loadA: `let ohw = p.k.z * p.k.w; let o = b * (p.dil.z / p.chw.w) + m;
  return GY[((k / ohw) * p.dil.z + o) * ohw + k % ohw];`,
  loadB: `let khw = p.k.x * p.k.y; let ohw = p.k.z * p.k.w; let cg = p.chw.x / p.chw.w;
  return colValue(k / ohw, b * cg + n / khw, n % khw, k % ohw);`,
  store: "DW[(b * (p.dil.z / p.chw.w) + m) * p.dims.y + n] = v;",
});

function uniforms(dims: [number, number, number, number], g: ConvGeom, groups: number, O: number, n: number, hasBias = false): Uint32Array {
  const u = new Uint32Array(24);
  const i = new Int32Array(u.buffer);
  u.set(dims, 0);
  u.set([g.C, g.H, g.W, groups], 4);
  u.set([g.kH, g.kW, g.oH, g.oW], 8);
  i.set([g.padT, g.padL, g.sH, g.sW], 12);
  u.set([g.dH, g.dW, O, n], 16);
  u[20] = hasBias ? 1 : 0;
  return u;
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
  // Without a bias, the flag is off and w stands in for the unread binding.
  dispatch("conv2d", FORWARD, [x, w, bias ?? w, y], uniforms([O / groups, pix, K, n * groups], g, groups, O, n, bias !== null), gemmGroups(O / groups, pix, n * groups));
  return y;
}

/** dx [n, C, H, W] from gy [n, O, oH, oW] and w. */
export function conv2dInputGradGPU(w: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, groups = 1): GPUBufferLike {
  check("conv2d backward", g, groups, O);
  const dev = gpuDevice("conv2d backward");
  const dx = allocBuffer(dev, 4 * Math.max(1, n * g.C * g.H * g.W));
  if (n * g.C * g.H * g.W === 0) return dx;
  const Cg = g.C / groups, K = (O / groups) * g.kH * g.kW, N = g.H * g.W;
  dispatch("conv2d backward", INPUT_GRAD, [w, gy, dx], uniforms([Cg, N, K, n * groups], g, groups, O, n), gemmGroups(Cg, N, n * groups));
  return dx;
}

/** dw [O, C/groups, kH, kW] from x and gy, summed over the batch. */
export function conv2dWeightGradGPU(x: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, groups = 1): GPUBufferLike {
  check("conv2d backward", g, groups, O);
  const dev = gpuDevice("conv2d backward");
  const Og = O / groups, N = (g.C / groups) * g.kH * g.kW, K = n * g.oH * g.oW;
  const dw = allocBuffer(dev, 4 * Math.max(1, O * N));
  dispatch("conv2d backward", WEIGHT_GRAD, [x, gy, dw], uniforms([Og, N, K, groups], g, groups, O, n), gemmGroups(Og, N, groups));
  return dw;
}
