/**
 * Softmax and log-softmax over the last dim of a contiguous [rows, n] buffer in WGSL:
 * one workgroup per row finds the max, sums exp(x - max) in workgroup memory, then
 * writes each element; subtracting the max keeps exp from overflowing, as on the CPU.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_ROW_KERNEL_HEADER } from "./layout.js";

const source = (log: boolean) => `
${WGSL_ROW_KERNEL_HEADER}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let n = p.dims.x; let rows = p.dims.y;
  let row = wg.x + wg.y * nw.x;
  if (row >= rows) { return; }
  let base = row * n;
  var m = f32Bits(0xff800000u);
  for (var i = lid.x; i < n; i += 256u) { m = max(m, X[base + i]); }
  part[lid.x] = m;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] = max(part[lid.x], part[lid.x + s]); }
    workgroupBarrier();
  }
  let mx = part[0];
  workgroupBarrier();
  var acc = 0.0;
  for (var i = lid.x; i < n; i += 256u) { acc += exp(X[base + i] - mx); }
  part[lid.x] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] = part[lid.x] + part[lid.x + s]; }
    workgroupBarrier();
  }
  let total = part[0];
  for (var i = lid.x; i < n; i += 256u) {
    ${log ? "O[base + i] = X[base + i] - mx - log(total);" : "O[base + i] = exp(X[base + i] - mx) / total;"}
  }
}`;

/** Softmax (or log-softmax) of each row of a contiguous [rows, n] buffer, into a new buffer. */
export function softmaxGPU(x: GPUBufferLike, rows: number, n: number, log = false): GPUBufferLike {
  const op = log ? "logSoftmax" : "softmax";
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, rows * n));
  if (rows * n === 0) return out;
  const gx = Math.min(rows, 65535);
  dispatch(op, source(log), [x, out], new Uint32Array([n, rows, 0, 0]), [gx, Math.ceil(rows / gx)]);
  return out;
}
