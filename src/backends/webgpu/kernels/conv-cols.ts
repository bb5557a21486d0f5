/**
 * conv2d through an explicit column matrix, for CPU adapters (the "direct" GEMM form) and
 * ungrouped layers: im2col writes cols [n, C*kH*kW, oH*oW] once, and the three passes are
 * plain GEMMs over it whose loads are one index each, so they take the fast unrolled
 * direct form; the input gradient's columns are folded back by a gather (col2im, each
 * input pixel sums the column entries that read it: no atomics). On a CPU emulation the
 * implicit GEMM recomputes the window arithmetic for every multiply-add and ran about
 * 3x slower; on a GPU the implicit form (conv.ts) saves the columns' memory and is used.
 */
import type { ConvGeom } from "../../backend.js";
import { allocBuffer, releaseBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { gemmGroups, gemmSource, sourceCache, type GemmStyle } from "./gemm.js";
import { COL_VALUE, constants, key, type Layer } from "./conv-geom.js";
import { ONE_D, ONE_D_INDEX, groups1d } from "./layout.js";

const UNIFORMS = "struct P { dims: vec4<u32>, flags: vec4<u32> }  // dims: M, N, K, batch (or total); flags.x: has bias";

const IM2COL = sourceCache((_style: GemmStyle, k: string) => `${constants(JSON.parse(k) as Layer).decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Cols: array<f32>;
@group(0) @binding(2) var<uniform> p: P;${COL_VALUE}
${ONE_D} {
  ${ONE_D_INDEX}
  if (i >= p.dims.x) { return; }
  let row = (i / OHW) % (C * KHW);
  Cols[i] = colValue(i / (OHW * C * KHW), row / KHW, row % KHW, i % OHW);
}`);

const COL2IM = sourceCache((_style: GemmStyle, k: string) => `${constants(JSON.parse(k) as Layer).decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> DC: array<f32>;
@group(0) @binding(1) var<storage, read_write> DX: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
${ONE_D} {
  ${ONE_D_INDEX}
  if (i >= p.dims.x) { return; }
  let iw = i32(i % W); let ih = i32((i / W) % H); let c = (i / HW) % C; let img = i / (C * HW);
  var acc = 0.0;
  for (var ki = 0u; ki < KH; ki++) {
    let th = ih + PT - i32(ki) * DH;
    if (th < 0 || th % SH != 0 || u32(th / SH) >= OH) { continue; }
    for (var kj = 0u; kj < KW; kj++) {
      let tw = iw + PL - i32(kj) * DW;
      if (tw < 0 || tw % SW != 0 || u32(tw / SW) >= OW) { continue; }
      acc += DC[((img * C + c) * KHW + ki * KW + kj) * OHW + u32(th / SH) * OW + u32(tw / SW)];
    }
  }
  DX[i] = acc;
}`);

/** y[img] = W [O, CK] @ cols[img] [CK, P] + bias. */
const FORWARD = sourceCache((style: GemmStyle, k: string) => gemmSource({
  decls: `${constants(JSON.parse(k) as Layer).decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> Cols: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: P;`,
  loadA: "return Wt[m * (C * KHW) + k];",
  loadB: "return Cols[(b * (C * KHW) + k) * OHW + n];",
  store: "Y[(b * O + m) * OHW + n] = v + select(0.0, Bias[m], p.flags.x == 1u);",
}, style));

/** dcols[img] = W^T [CK, O] @ gy[img] [O, P]. */
const DCOLS = sourceCache((style: GemmStyle, k: string) => gemmSource({
  decls: `${constants(JSON.parse(k) as Layer).decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> Wt: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DC: array<f32>;
@group(0) @binding(3) var<uniform> p: P;`,
  loadA: "return Wt[k * (C * KHW) + m];",
  loadB: "return GY[(b * O + k) * OHW + n];",
  store: "DC[(b * (C * KHW) + m) * OHW + n] = v;",
}, style));

/** Partial dw over a chunk of images (batch b = chunk): gy [O, (img, P)] @ cols^T [(img, P), CK]. */
const DW = sourceCache((style: GemmStyle, k: string) => gemmSource({
  decls: `${constants(JSON.parse(k) as Layer).decls}
${UNIFORMS}
@group(0) @binding(0) var<storage, read> Cols: array<f32>;
@group(0) @binding(1) var<storage, read> GY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DW_: array<f32>;
@group(0) @binding(3) var<uniform> p: P;`,
  loadA: "let kk = b * p.dims.z + k; return GY[((kk / OHW) * O + m) * OHW + kk % OHW];",
  loadB: "let kk = b * p.dims.z + k; return Cols[((kk / OHW) * (C * KHW) + n) * OHW + kk % OHW];",
  store: "DW_[(b * O + m) * (C * KHW) + n] = v;",
}, style));

function words(a: number, b = 0, c = 0, d = 0, flag = 0): Uint32Array {
  return new Uint32Array([a, b, c, d, flag, 0, 0, 0]);
}

/** cols [n, C*kH*kW, oH*oW] of x (a new buffer: release it when its readers are encoded). */
function im2col(x: GPUBufferLike, n: number, l: Layer): GPUBufferLike {
  const total = n * l.g.C * l.g.kH * l.g.kW * l.g.oH * l.g.oW;
  const cols = allocBuffer(gpuDevice("conv2d"), 4 * Math.max(1, total));
  if (total > 0) dispatch("conv2d im2col", IM2COL(key(l), 0).code, [x, cols], words(total), groups1d(total));
  return cols;
}

/** conv2dForwardGPU for groups = 1 through explicit columns. */
export function conv2dForwardCols(x: GPUBufferLike, w: GPUBufferLike, bias: GPUBufferLike | null, n: number, O: number, g: ConvGeom, y: GPUBufferLike): void {
  const l: Layer = { g, groups: 1, O };
  const P = g.oH * g.oW, CK = g.C * g.kH * g.kW;
  const cols = im2col(x, n, l);
  const { code, style } = FORWARD(key(l), P);
  dispatch("conv2d", code, [cols, w, bias ?? w, y], words(O, P, CK, n, bias ? 1 : 0), gemmGroups(O, P, n, style));
  releaseBuffer(cols);
}

/** conv2dInputGradGPU for groups = 1: the columns' gradient, folded back. */
export function conv2dInputGradCols(w: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, dx: GPUBufferLike): void {
  const l: Layer = { g, groups: 1, O };
  const P = g.oH * g.oW, CK = g.C * g.kH * g.kW;
  const dcols = allocBuffer(gpuDevice("conv2d backward"), 4 * Math.max(1, n * CK * P));
  const { code, style } = DCOLS(key(l), P);
  dispatch("conv2d backward", code, [w, gy, dcols], words(CK, P, O, n), gemmGroups(CK, P, n, style));
  const total = n * g.C * g.H * g.W;
  dispatch("conv2d backward col2im", COL2IM(key(l), 0).code, [dcols, dx], words(total), groups1d(total));
  releaseBuffer(dcols);
}

/** conv2dWeightGradGPU for groups = 1: S partial sums over image chunks, written to parts [S, O, CK]. */
export function conv2dWeightGradCols(x: GPUBufferLike, gy: GPUBufferLike, n: number, O: number, g: ConvGeom, S: number, parts: GPUBufferLike): void {
  const l: Layer = { g, groups: 1, O };
  const P = g.oH * g.oW, CK = g.C * g.kH * g.kW;
  const cols = im2col(x, n, l);
  const { code, style } = DW(key(l), CK);
  dispatch("conv2d backward", code, [cols, gy, parts], words(O, CK, (n / S) * P, S), gemmGroups(O, CK, S, style));
  releaseBuffer(cols);
}
