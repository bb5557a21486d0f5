/**
 * Row kernels on the GPU, one workgroup per row of a contiguous [rows, cols] buffer
 * with 256-wide tree reductions in workgroup memory: softmax / log-softmax (scaled,
 * optionally causal, as attention uses them) and their backward, and layer norm with
 * its backward. Semantics are the Backend contract's (src/backends/backend.ts).
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_FLOAT_BITS } from "./layout.js";

/** Bindings are declared by each kernel; this adds the uniforms, workgroup memory and a row-sum helper. */
export const ROW_COMMON = `${WGSL_FLOAT_BITS}
struct P { dims: vec4<u32>, f: vec4<f32> }
var<workgroup> part: array<f32, 256>;
fn rowSum(v: f32, t: u32) -> f32 {
  workgroupBarrier();
  part[t] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = part[t] + part[t + s]; }
    workgroupBarrier();
  }
  return part[0];
}
fn rowMax(v: f32, t: u32) -> f32 {
  workgroupBarrier();
  part[t] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { let a = part[t]; let b = part[t + s]; part[t] = select(select(max(a, b), a, isNan(a)), b, isNan(b)); }
    workgroupBarrier();
  }
  return part[0];
}
fn rowIndex(wg: vec3<u32>, nw: vec3<u32>) -> u32 { return wg.x + wg.y * nw.x; }`;

const ENTRY = "@compute @workgroup_size(256)\nfn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)";

const softmaxSource = (log: boolean) => `${ROW_COMMON}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
${ENTRY} {
  let cols = p.dims.x; let rows = p.dims.y; let causal = p.dims.z; let scale = p.f.x;
  let r = rowIndex(wg, nw);
  if (r >= rows) { return; }
  let t = lid.x; let o = r * cols;
  var n = cols;
  if (causal > 0u) { n = min(r % causal + 1u, cols); }
  var m = f32Bits(0xff800000u);
  for (var j = t; j < n; j += 256u) { let z = X[o + j] * scale; m = select(max(m, z), z, isNan(z)); }
  m = rowMax(m, t);
  if (isInf(m) && m < 0.0) { m = 0.0; }
  var s = 0.0;
  for (var j = t; j < n; j += 256u) { s += exp(X[o + j] * scale - m); }
  s = rowSum(s, t);
  for (var j = t; j < cols; j += 256u) {
    if (j >= n) { O[o + j] = 0.0; continue; }
    ${log ? "O[o + j] = X[o + j] * scale - (log(s) + m);" : "O[o + j] = exp(X[o + j] * scale - m) / s;"}
  }
}`;

const softmaxBackwardSource = (log: boolean) => `${ROW_COMMON}
@group(0) @binding(0) var<storage, read> Y: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
${ENTRY} {
  let cols = p.dims.x; let rows = p.dims.y; let scale = p.f.x;
  let r = rowIndex(wg, nw);
  if (r >= rows) { return; }
  let t = lid.x; let o = r * cols;
  var d = 0.0;
  for (var j = t; j < cols; j += 256u) { d += ${log ? "G[o + j]" : "G[o + j] * Y[o + j]"}; }
  d = rowSum(d, t);
  for (var j = t; j < cols; j += 256u) {
    ${log ? "O[o + j] = scale * (G[o + j] - exp(Y[o + j]) * d);" : "O[o + j] = scale * (Y[o + j] * (G[o + j] - d));"}
  }
}`;

const LAYER_NORM = `${ROW_COMMON}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@group(0) @binding(4) var<storage, read_write> Stats: array<f32>;
@group(0) @binding(5) var<uniform> p: P;
${ENTRY} {
  let D = p.dims.x; let rows = p.dims.y; let hasW = p.dims.z == 1u; let hasB = p.dims.w == 1u; let eps = p.f.x;
  let r = rowIndex(wg, nw);
  if (r >= rows) { return; }
  let t = lid.x; let o = r * D;
  var s = 0.0;
  for (var j = t; j < D; j += 256u) { s += X[o + j]; }
  let mu = rowSum(s, t) / f32(D);
  var v = 0.0;
  for (var j = t; j < D; j += 256u) { let d = X[o + j] - mu; v += d * d; }
  let rs = inverseSqrt(rowSum(v, t) / f32(D) + eps);
  if (t == 0u) { Stats[2u * r] = mu; Stats[2u * r + 1u] = rs; }
  for (var j = t; j < D; j += 256u) {
    var y = (X[o + j] - mu) * rs;
    if (hasW) { y *= Wt[j]; }
    if (hasB) { y += B[j]; }
    O[o + j] = y;
  }
}`;

const LAYER_NORM_DX = `${ROW_COMMON}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Stats: array<f32>;
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
@group(0) @binding(5) var<uniform> p: P;
${ENTRY} {
  let D = p.dims.x; let rows = p.dims.y; let hasW = p.dims.z == 1u;
  let r = rowIndex(wg, nw);
  if (r >= rows) { return; }
  let t = lid.x; let o = r * D; let m = Stats[2u * r]; let q = Stats[2u * r + 1u];
  var sg = 0.0; var sgx = 0.0;
  for (var j = t; j < D; j += 256u) {
    let xh = (X[o + j] - m) * q;
    let gw = select(G[o + j], G[o + j] * Wt[j], hasW);
    sg += gw; sgx += gw * xh;
  }
  let a = rowSum(sg, t) / f32(D);
  let c = rowSum(sgx, t) / f32(D);
  for (var j = t; j < D; j += 256u) {
    let xh = (X[o + j] - m) * q;
    let gw = select(G[o + j], G[o + j] * Wt[j], hasW);
    DX[o + j] = q * (gw - a - xh * c);
  }
}`;

/** dw[j] = sum_r g * xhat and db[j] = sum_r g: one invocation per column, looping over rows. */
const LAYER_NORM_DWB = `
struct P { dims: vec4<u32>, f: vec4<f32> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Stats: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> DWB: array<f32>;
@group(0) @binding(4) var<uniform> p: P;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let D = p.dims.x; let rows = p.dims.y; let j = id.x;
  if (j >= D) { return; }
  var dw = 0.0; var db = 0.0;
  for (var r = 0u; r < rows; r++) {
    let g = G[r * D + j];
    dw += g * (X[r * D + j] - Stats[2u * r]) * Stats[2u * r + 1u];
    db += g;
  }
  DWB[j] = dw; DWB[D + j] = db;
}`;

function words(dims: number[], floats: number[] = []): Uint32Array {
  const u = new Uint32Array(8);
  u.set(dims);
  new Float32Array(u.buffer).set(floats, 4);
  return u;
}

function rowGroups(rows: number): [number, number] {
  const x = Math.min(Math.max(rows, 1), 65535);
  return [x, Math.ceil(Math.max(rows, 1) / x)];
}

/** Backend.softmax on the GPU: rows of x [rows, cols] scaled, causal when causalL > 0, into a new buffer. */
export function softmaxGPU(x: GPUBufferLike, rows: number, cols: number, log = false, scale = 1, causalL = 0): GPUBufferLike {
  const op = log ? "logSoftmax" : "softmax";
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, rows * cols));
  if (rows * cols > 0) dispatch(op, softmaxSource(log), [x, out], words([cols, rows, causalL], [scale]), rowGroups(rows));
  return out;
}

/** Backend.softmaxBackward on the GPU: the gradient of x from the output y and its gradient g. */
export function softmaxBackwardGPU(y: GPUBufferLike, g: GPUBufferLike, rows: number, cols: number, log = false, scale = 1): GPUBufferLike {
  const op = log ? "logSoftmax backward" : "softmax backward";
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, rows * cols));
  if (rows * cols > 0) dispatch(op, softmaxBackwardSource(log), [y, g, out], words([cols, rows], [scale]), rowGroups(rows));
  return out;
}

/** Backend.layerNorm on the GPU: returns the output and the saved statistics ([rows, 2]: mean, rstd). */
export function layerNormGPU(x: GPUBufferLike, w: GPUBufferLike | null, b: GPUBufferLike | null, rows: number, D: number, eps: number):
  { out: GPUBufferLike; stats: GPUBufferLike } {
  const dev = gpuDevice("layerNorm");
  const out = allocBuffer(dev, 4 * Math.max(1, rows * D));
  const stats = allocBuffer(dev, 8 * Math.max(1, rows));
  if (rows * D > 0) {
    dispatch("layerNorm", LAYER_NORM, [x, w ?? x, b ?? x, out, stats], words([D, rows, w ? 1 : 0, b ? 1 : 0], [eps]), rowGroups(rows));
  }
  return { out, stats };
}

/** Backend.layerNormBackward on the GPU: dx [rows, D], and dw, db [D] (as one [2, D] buffer) when wanted. */
export function layerNormBackwardGPU(x: GPUBufferLike, w: GPUBufferLike | null, stats: GPUBufferLike, g: GPUBufferLike, rows: number, D: number,
  wantWeightGrads: boolean): { dx: GPUBufferLike; dwb: GPUBufferLike | null } {
  const dev = gpuDevice("layerNorm backward");
  const dx = allocBuffer(dev, 4 * Math.max(1, rows * D));
  if (rows * D > 0) dispatch("layerNorm backward", LAYER_NORM_DX, [x, w ?? x, stats, g, dx], words([D, rows, w ? 1 : 0]), rowGroups(rows));
  if (!wantWeightGrads) return { dx, dwb: null };
  const dwb = allocBuffer(dev, 8 * Math.max(1, D));
  if (D > 0) dispatch("layerNorm backward", LAYER_NORM_DWB, [x, stats, g, dwb], words([D, rows]), [Math.ceil(D / 256)]);
  return { dx, dwb };
}
