/**
 * Pooling on the GPU over precomputed windows (Backend's PoolWindows: per output row
 * and column the clipped input range, so max, average and adaptive pooling share one
 * kernel each way). One invocation per output; the backward passes add into a zeroed
 * input gradient with float atomics, since windows may overlap.
 */
import type { PoolWindows } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch, upload } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_FLOAT_BITS, atomicFloatWGSL, groups1d } from "./layout.js";
import { zerosGPU } from "./index-ops.js";

const ONE_D = "@compute @workgroup_size(256)\nfn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)";
const INDEX = "let i = id.x + id.y * nw.x * 256u;";

/** Uniforms: planes, H, W, oH | oW, dH, dW, n. Windows: hs, he (oH each), ws, we (oW each) in one i32 buffer. */
const COMMON = `${WGSL_FLOAT_BITS}
struct P { a: vec4<u32>, b: vec4<u32> }
@group(0) @binding(0) var<storage, read> Win: array<i32>;
fn hs(i: u32) -> u32 { return u32(Win[i]); }
fn he(i: u32) -> u32 { return u32(Win[p.a.w + i]); }
fn ws(j: u32) -> u32 { return u32(Win[2u * p.a.w + j]); }
fn we(j: u32) -> u32 { return u32(Win[2u * p.a.w + p.b.x + j]); }`;

/** Output i's plane and window; every pooling kernel starts so. */
const WINDOW_PROLOGUE = `${INDEX}
  let H = p.a.y; let W = p.a.z; let oH = p.a.w; let oW = p.b.x;
  if (i >= p.b.w) { return; }
  let pl = i / (oH * oW); let oi = (i / oW) % oH; let oj = i % oW;`;
/** WGSL looping over window (oi, oj)'s pixels, h and w, running \`body\`. */
const forWindow = (body: string) => `for (var h = hs(oi); h < he(oi); h += p.b.y) {
    for (var w = ws(oj); w < we(oj); w += p.b.z) { ${body} }
  }`;

const MAX_FWD = `${COMMON}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;
@group(0) @binding(3) var<storage, read_write> Idx: array<i32>;
@group(0) @binding(4) var<uniform> p: P;
${ONE_D} {
  ${WINDOW_PROLOGUE}
  var best = f32Bits(0xff800000u);
  var bi = hs(oi) * W + ws(oj);
  // PyTorch's rule: strictly greater wins (first max on ties), NaN always wins.
  ${forWindow("let v = X[pl * H * W + h * W + w]; if (v > best || isNan(v)) { best = v; bi = h * W + w; }")}
  O[i] = best;
  Idx[i] = i32(bi);
}`;

const AVG_FWD = `${COMMON}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;
@group(0) @binding(3) var<storage, read> Scale: array<f32>;
@group(0) @binding(4) var<uniform> p: P;
${ONE_D} {
  ${WINDOW_PROLOGUE}
  var s = 0.0;
  ${forWindow("s += X[pl * H * W + h * W + w];")}
  O[i] = s * Scale[oi] * Scale[oH + oj];
}`;

const AVG_BWD = `${COMMON}${atomicFloatWGSL("GX", "addAt", "a + v")}
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> GX: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> Scale: array<f32>;
@group(0) @binding(4) var<uniform> p: P;
${ONE_D} {
  ${WINDOW_PROLOGUE}
  let v = G[i] * Scale[oi] * Scale[oH + oj];
  ${forWindow("addAt(pl * H * W + h * W + w, v);")}
}`;

const MAX_BWD = `${atomicFloatWGSL("GX", "addAt", "a + v")}
struct P { a: vec4<u32> }
@group(0) @binding(0) var<storage, read> G: array<f32>;
@group(0) @binding(1) var<storage, read> Idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> GX: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  let inSize = p.a.x; let outSize = p.a.y;
  if (i >= p.a.z) { return; }
  addAt((i / outSize) * inSize + u32(Idx[i]), G[i]);
}`;

function windows(win: PoolWindows): GPUBufferLike {
  const w = new Int32Array(win.hs.length * 2 + win.ws.length * 2);
  w.set(win.hs, 0);
  w.set(win.he, win.hs.length);
  w.set(win.ws, 2 * win.hs.length);
  w.set(win.we, 2 * win.hs.length + win.ws.length);
  return upload("pool", w);
}

function words(planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows): Uint32Array {
  return new Uint32Array([planes, H, W, oH, oW, win.dH, win.dW, planes * oH * oW]);
}

function scales(rowScale: Float64Array, colScale: Float64Array): GPUBufferLike {
  const s = new Float32Array(rowScale.length + colScale.length);
  s.set(rowScale);
  s.set(colScale, rowScale.length);
  return upload("avgPool2d", s);
}

/** Backend.maxPool2d: out and idx (flat h*W + w per plane, int32) of planes x [planes, H, W]. */
export function maxPool2dGPU(x: GPUBufferLike, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows):
  { out: GPUBufferLike; idx: GPUBufferLike } {
  const dev = gpuDevice("maxPool2d");
  const n = planes * oH * oW;
  const out = allocBuffer(dev, 4 * Math.max(1, n)), idx = allocBuffer(dev, 4 * Math.max(1, n));
  if (n > 0) dispatch("maxPool2d", MAX_FWD, [windows(win), x, out, idx], words(planes, H, W, oH, oW, win), groups1d(n));
  return { out, idx };
}

/** Backend.maxPool2dBackward: gx [planes, inSize] from g [planes, outSize] scattered to idx. */
export function maxPool2dBackwardGPU(g: GPUBufferLike, idx: GPUBufferLike, planes: number, inSize: number, outSize: number): GPUBufferLike {
  const gx = zerosGPU("maxPool2d backward", planes * inSize);
  const n = planes * outSize;
  if (n > 0) dispatch("maxPool2d backward", MAX_BWD, [g, idx, gx], new Uint32Array([inSize, outSize, n, 0]), groups1d(n));
  return gx;
}

/** Backend.avgPool2d: window sums times rowScale[i] * colScale[j]. */
export function avgPool2dGPU(x: GPUBufferLike, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  rowScale: Float64Array, colScale: Float64Array): GPUBufferLike {
  const n = planes * oH * oW;
  const out = allocBuffer(gpuDevice("avgPool2d"), 4 * Math.max(1, n));
  if (n > 0) dispatch("avgPool2d", AVG_FWD, [windows(win), x, out, scales(rowScale, colScale)], words(planes, H, W, oH, oW, win), groups1d(n));
  return out;
}

/** Backend.avgPool2dBackward: the adjoint of avgPool2d, into a new zeroed gradient. */
export function avgPool2dBackwardGPU(g: GPUBufferLike, planes: number, H: number, W: number, oH: number, oW: number, win: PoolWindows,
  rowScale: Float64Array, colScale: Float64Array): GPUBufferLike {
  const gx = zerosGPU("avgPool2d backward", planes * H * W);
  const n = planes * oH * oW;
  if (n > 0) dispatch("avgPool2d backward", AVG_BWD, [windows(win), g, gx, scales(rowScale, colScale)], words(planes, H, W, oH, oW, win), groups1d(n));
  return gx;
}
