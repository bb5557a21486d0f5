/**
 * Batch norm on the GPU over a contiguous [N, C, S] buffer (S = the product of the
 * spatial dims; [N, C] is S = 1), one workgroup per channel, as F.batchNorm computes it:
 * - training: batch mean and biased variance per channel (two passes, so no
 *   cancellation), the normalised output, and the running statistics blended in place
 *   (running var with the unbiased variance, as PyTorch);
 * - evaluation: the running statistics normalise;
 * both save stats [C, 2] = (mean, rstd) for the backward, which in one pass per channel
 * gives dx, and dw, db ([2, C]). In evaluation dx = g w rstd (the statistics are constants).
 */
import { allocBuffer, releaseBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { ROW_COMMON } from "./rows.js";

const COMMON = `${ROW_COMMON}
// Element j (of N*S) of channel c in [N, C, S].
fn at(c: u32, j: u32) -> u32 { let S = p.dims.z; return (j / S) * p.dims.y * S + c * S + j % S; }`;

const ENTRY = "@compute @workgroup_size(256)\nfn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>)";

/** flags (p.dims.w): 1 = training, 2 = has weight, 4 = has bias, 8 = update running stats. */
const FORWARD = `${COMMON}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> RM: array<f32>;
@group(0) @binding(4) var<storage, read_write> RV: array<f32>;
@group(0) @binding(5) var<storage, read_write> O: array<f32>;
@group(0) @binding(6) var<storage, read_write> Stats: array<f32>;
@group(0) @binding(7) var<uniform> p: P;
${ENTRY} {
  let count = p.dims.x; let c = wg.x; let t = lid.x; let flags = p.dims.w;
  let eps = p.f.x; let momentum = p.f.y;
  var mu: f32; var rs: f32;
  if ((flags & 1u) != 0u) {
    var s = 0.0;
    for (var j = t; j < count; j += 256u) { s += X[at(c, j)]; }
    mu = rowSum(s, t) / f32(count);
    var v = 0.0;
    for (var j = t; j < count; j += 256u) { let d = X[at(c, j)] - mu; v += d * d; }
    let var_ = rowSum(v, t) / f32(count);
    rs = inverseSqrt(var_ + eps);
    if (t == 0u && (flags & 8u) != 0u) {
      RM[c] = RM[c] * (1.0 - momentum) + mu * momentum;
      RV[c] = RV[c] * (1.0 - momentum) + var_ * (f32(count) / f32(count - 1u)) * momentum;
    }
  } else {
    mu = RM[c];
    rs = 1.0 / sqrt(RV[c] + eps);
  }
  if (t == 0u) { Stats[2u * c] = mu; Stats[2u * c + 1u] = rs; }
  var scale = rs; var shift = 0.0;
  if ((flags & 2u) != 0u) { scale *= Wt[c]; }
  if ((flags & 4u) != 0u) { shift = B[c]; }
  for (var j = t; j < count; j += 256u) { let i = at(c, j); O[i] = (X[i] - mu) * scale + shift; }
}`;

const BACKWARD = `${COMMON}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Stats: array<f32>;
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
@group(0) @binding(5) var<storage, read_write> DWB: array<f32>;
@group(0) @binding(6) var<uniform> p: P;
${ENTRY} {
  let count = p.dims.x; let C = p.dims.y; let c = wg.x; let t = lid.x; let flags = p.dims.w;
  let mu = Stats[2u * c]; let rs = Stats[2u * c + 1u];
  var w = 1.0;
  if ((flags & 2u) != 0u) { w = Wt[c]; }
  var sg = 0.0; var sgx = 0.0;
  for (var j = t; j < count; j += 256u) { let i = at(c, j); let g = G[i]; sg += g; sgx += g * (X[i] - mu) * rs; }
  sg = rowSum(sg, t);
  sgx = rowSum(sgx, t);
  if (t == 0u) { DWB[c] = sgx; DWB[C + c] = sg; }
  let a = sg / f32(count); let b = sgx / f32(count);
  for (var j = t; j < count; j += 256u) {
    let i = at(c, j);
    if ((flags & 1u) != 0u) { DX[i] = w * rs * (G[i] - a - (X[i] - mu) * rs * b); }
    else { DX[i] = w * rs * G[i]; }
  }
}`;

/** Options of batchNormGPU: the F.batchNorm ones. */
export interface BatchNormGPUOptions { training: boolean; momentum?: number; eps?: number }

/**
 * F.batchNorm on x [N, C, S]: returns the output and stats [C, 2] (mean, rstd) used.
 * Training updates runningMean/runningVar [C] in place when given (both or neither);
 * evaluation requires them.
 */
export function batchNormGPU(x: GPUBufferLike, runningMean: GPUBufferLike | null, runningVar: GPUBufferLike | null,
  weight: GPUBufferLike | null, bias: GPUBufferLike | null, N: number, C: number, S: number, opts: BatchNormGPUOptions):
  { out: GPUBufferLike; stats: GPUBufferLike } {
  const op = "batchNorm";
  const count = N * S;
  if ((runningMean === null) !== (runningVar === null)) throw new Error(`${op}: runningMean and runningVar must both be given or both be null`);
  if (!opts.training && !runningMean) throw new Error(`${op}: runningMean and runningVar are required in evaluation mode (training: false)`);
  if (opts.training && count <= 1) throw new Error(`${op}: expected more than 1 value per channel when training, got N=${N}, S=${S}`);
  const dev = gpuDevice(op);
  const out = allocBuffer(dev, 4 * Math.max(1, N * C * S));
  const stats = allocBuffer(dev, 8 * Math.max(1, C));
  if (C === 0 || count === 0) return { out, stats };
  if (C > 65535) throw new Error(`${op}: at most 65535 channels per dispatch, got ${C}`);
  const flags = (opts.training ? 1 : 0) | (weight ? 2 : 0) | (bias ? 4 : 0) | (runningMean ? 8 : 0);
  const u = new Uint32Array(8);
  u.set([count, C, S, flags]);
  new Float32Array(u.buffer).set([opts.eps ?? 1e-5, opts.momentum ?? 0.1], 4);
  // Absent running stats get scratch stand-ins: a written binding may not alias another one.
  const rm = runningMean ?? allocBuffer(dev, 4), rv = runningVar ?? allocBuffer(dev, 4);
  dispatch(op, FORWARD, [x, weight ?? x, bias ?? x, rm, rv, out, stats], u, [C]);
  if (!runningMean) { releaseBuffer(rm); releaseBuffer(rv); }
  return { out, stats };
}

/** Backward of batchNormGPU from g [N, C, S]: dx, and dwb [2, C] (dw then db). */
export function batchNormBackwardGPU(x: GPUBufferLike, weight: GPUBufferLike | null, stats: GPUBufferLike, g: GPUBufferLike,
  N: number, C: number, S: number, training: boolean): { dx: GPUBufferLike; dwb: GPUBufferLike } {
  const op = "batchNorm backward";
  const dev = gpuDevice(op);
  const dx = allocBuffer(dev, 4 * Math.max(1, N * C * S));
  const dwb = allocBuffer(dev, 8 * Math.max(1, C));
  if (C === 0 || N * S === 0) return { dx, dwb };
  if (C > 65535) throw new Error(`${op}: at most 65535 channels per dispatch, got ${C}`);
  const u = new Uint32Array(8);
  u.set([N * S, C, S, (training ? 1 : 0) | (weight ? 2 : 0)]);
  dispatch(op, BACKWARD, [x, weight ?? x, stats, g, dx, dwb], u, [C]);
  return { dx, dwb };
}
