/**
 * Index-valued reductions and scans along the middle axis of a contiguous
 * [outer, R, inner] float32 buffer, one workgroup per (outer, inner) line:
 * - argmax / argmin (int32 out, as Backend.argReduce): the first extreme wins ties and
 *   the first NaN wins outright, as PyTorch;
 * - cumulative sum / product (as Backend.cumulative): each of the 256 invocations scans
 *   a contiguous chunk of the line, the chunk totals are scanned in workgroup memory,
 *   and each chunk is rescanned from its prefix, so a long line is not one serial loop.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_FLOAT_BITS } from "./layout.js";

const ENTRY = "@compute @workgroup_size(256)\nfn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>)";
const LINE = `let R = p.dims.x; let inner = p.dims.y; let total = p.dims.z;
  let line = wg.x + wg.y * nw.x;
  if (line >= total) { return; }
  let base = (line / inner) * R * inner + line % inner;
  let t = lid.x;`;

const ARG = (max: boolean) => `${WGSL_FLOAT_BITS}
struct P { dims: vec4<u32> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<i32>;
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> pv: array<f32, 256>;
var<workgroup> pi: array<u32, 256>;
// Whether candidate (vb, ib) beats (va, ia): NaN first, then the extreme, then the lower index.
fn beats(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
  let na = isNan(va); let nb = isNan(vb);
  if (na || nb) { return nb && (!na || ib < ia); }
  if (vb == va) { return ib < ia; }
  return vb ${max ? ">" : "<"} va;
}
${ENTRY} {
  ${LINE}
  var bv = X[base]; var bi = 0u;
  for (var r = t; r < R; r += 256u) {
    let v = X[base + r * inner];
    if (beats(bv, bi, v, r)) { bv = v; bi = r; }
  }
  pv[t] = bv; pi[t] = bi;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s && beats(pv[t], pi[t], pv[t + s], pi[t + s])) { pv[t] = pv[t + s]; pi[t] = pi[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { O[line] = i32(pi[0]); }
}`;

const CUMULATIVE = (prod: boolean) => `
struct P { dims: vec4<u32> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> part: array<f32, 256>;
fn comb(a: f32, b: f32) -> f32 { return ${prod ? "a * b" : "a + b"}; }
${ENTRY} {
  ${LINE}
  let chunk = (R + 255u) / 256u;
  let lo = min(t * chunk, R); let hi = min(lo + chunk, R);
  var acc = ${prod ? "1.0" : "0.0"};
  for (var r = lo; r < hi; r++) { acc = comb(acc, X[base + r * inner]); }
  part[t] = acc;
  workgroupBarrier();
  // Inclusive Hillis-Steele scan of the 256 chunk totals.
  for (var s = 1u; s < 256u; s <<= 1u) {
    var v = part[t];
    if (t >= s) { v = comb(part[t - s], v); }
    workgroupBarrier();
    part[t] = v;
    workgroupBarrier();
  }
  acc = ${prod ? "1.0" : "0.0"};
  if (t > 0u) { acc = part[t - 1u]; }
  for (var r = lo; r < hi; r++) { let i = base + r * inner; acc = comb(acc, X[i]); O[i] = acc; }
}`;

function lineGroups(total: number): [number, number] {
  const x = Math.min(total, 65535);
  return [x, Math.ceil(total / x)];
}

/** Backend.argReduce: int32 [outer, inner] indices of the first max/min along R (R >= 1). */
export function argReduceGPU(op: "argmax" | "argmin", x: GPUBufferLike, outer: number, R: number, inner: number): GPUBufferLike {
  if (R < 1 && outer * inner > 0) throw new Error(`${op}: cannot reduce an empty dim (size 0) to an index`);
  const total = outer * inner;
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, total));
  if (total > 0) dispatch(op, ARG(op === "argmax"), [x, out], new Uint32Array([R, inner, total, 0]), lineGroups(total));
  return out;
}

/** Backend.cumulative: the inclusive prefix sum or product along R, in a new [outer, R, inner] buffer. */
export function cumulativeGPU(op: "sum" | "prod", x: GPUBufferLike, outer: number, R: number, inner: number): GPUBufferLike {
  const name = op === "sum" ? "cumsum" : "cumprod";
  const total = outer * inner;
  const out = allocBuffer(gpuDevice(name), 4 * Math.max(1, total * R));
  if (total * R > 0) dispatch(name, CUMULATIVE(op === "prod"), [x, out], new Uint32Array([R, inner, total, 0]), lineGroups(total));
  return out;
}
