/**
 * Reductions in WGSL over the middle axis of a contiguous [outer, R, inner] layout
 * (any single dim or run of dims of a tensor maps to it). One workgroup per output:
 * 256 invocations stride over R and combine in workgroup memory, so a full reduction
 * of a large tensor still uses the whole workgroup. Sums accumulate pairwise in the
 * tree, which keeps float32 rounding error at O(log R) rather than O(R).
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_ROW_KERNEL_HEADER } from "./layout.js";

export type GPUReduceOp = "sum" | "mean" | "max" | "min" | "prod";

const INIT: Record<GPUReduceOp, string> = {
  sum: "0.0", mean: "0.0", prod: "1.0", max: "f32Bits(0xff800000u)", min: "f32Bits(0x7f800000u)",
};
/** NaN wins in max/min, as in PyTorch. */
const COMBINE: Record<GPUReduceOp, string> = {
  sum: "a + b", mean: "a + b", prod: "a * b",
  max: "select(select(max(a, b), a, isNan(a)), b, isNan(b))",
  min: "select(select(min(a, b), a, isNan(a)), b, isNan(b))",
};

const source = (op: GPUReduceOp) => `
${WGSL_ROW_KERNEL_HEADER}
fn combine(a: f32, b: f32) -> f32 { return ${COMBINE[op]}; }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let R = p.dims.x; let inner = p.dims.y; let total = p.dims.z;
  let o = wg.x + wg.y * nw.x;
  if (o >= total) { return; }
  let base = (o / inner) * R * inner + o % inner;
  var acc = ${INIT[op]};
  for (var r = lid.x; r < R; r += 256u) { acc = combine(acc, X[base + r * inner]); }
  part[lid.x] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] = combine(part[lid.x], part[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) { O[o] = ${op === "mean" ? "part[0] / f32(R)" : "part[0]"}; }
}`;

/** Reduces a contiguous [outer, R, inner] buffer over R; returns a new [outer, inner] buffer. */
export function reduceGPU(op: GPUReduceOp, x: GPUBufferLike, outer: number, R: number, inner: number): GPUBufferLike {
  const total = outer * inner;
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, total));
  if (total === 0) return out;
  const u = new Uint32Array([R, inner, total, 0]);
  const gx = Math.min(total, 65535);
  // Workgroups past `total` in the last row of the grid return at once.
  dispatch(op, source(op), [x, out], u, [gx, Math.ceil(total / gx)]);
  return out;
}
