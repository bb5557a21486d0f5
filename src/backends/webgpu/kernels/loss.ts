/**
 * Negative log-likelihood on the GPU (cross-entropy is log-softmax, rows.ts, then this),
 * for log-probabilities [N, C, S] (S = product of the trailing dims; [N, C] is S = 1)
 * and int32 class targets [N, S], as F.nllLoss: per element loss = -w[t] logp[n, t, s]
 * and its weight w[t] (both 0 where t == ignoreIndex); the reductions are sums of those
 * (mean = sum of losses / sum of weights). Targets are checked on the GPU: one out of
 * [0, C) makes its loss NaN and is counted in a one-word buffer the caller reads with
 * the loss, so a bad target is never a silent result. The backward writes every element
 * of d logp (zero off the target), so it needs no separate fill.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { WGSL_FLOAT_BITS, groups1d, ONE_D, ONE_D_INDEX } from "./layout.js";
import { fillGPU } from "./index-ops.js";

const INDEX = ONE_D_INDEX;

const FORWARD = `${WGSL_FLOAT_BITS}
struct P { dims: vec4<u32>, ign: vec4<i32> }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> T: array<i32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> L: array<f32>;
@group(0) @binding(4) var<storage, read_write> LW: array<f32>;
@group(0) @binding(5) var<storage, read_write> Bad: array<atomic<u32>>;
@group(0) @binding(6) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  let C = p.dims.x; let S = p.dims.y; let total = p.dims.z; let hasW = p.dims.w == 1u;
  if (i >= total) { return; }
  let t = T[i];
  if (t == p.ign.x) { L[i] = 0.0; LW[i] = 0.0; return; }
  if (t < 0 || t >= i32(C)) { atomicAdd(&Bad[0], 1u); L[i] = f32Bits(0x7fc00000u); LW[i] = 0.0; return; }
  var w = 1.0;
  if (hasW) { w = Wt[t]; }
  L[i] = -w * X[((i / S) * C + u32(t)) * S + i % S];
  LW[i] = w;
}`;

/** flags: 1 = has class weights, 2 = the upstream gradient is one scalar, 4 = divide by the scalar D[0]. */
const BACKWARD = `
struct P { dims: vec4<u32>, ign: vec4<i32> }
@group(0) @binding(0) var<storage, read> T: array<i32>;
@group(0) @binding(1) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> D: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;
@group(0) @binding(5) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  let C = p.dims.x; let S = p.dims.y; let total = p.dims.z; let flags = p.dims.w;
  if (i >= total) { return; }
  let n = i / (C * S); let c = (i / S) % C; let s = i % S;
  let e = n * S + s;
  let t = T[e];
  if (t != i32(c) || t == p.ign.x) { DX[i] = 0.0; return; }
  var g = G[select(e, 0u, (flags & 2u) != 0u)];
  if ((flags & 4u) != 0u) { g = g / D[0]; }
  var w = 1.0;
  if ((flags & 1u) != 0u) { w = Wt[t]; }
  DX[i] = -w * g;
}`;

function words(C: number, S: number, total: number, flags: number, ignoreIndex: number): Uint32Array {
  const u = new Uint32Array(8);
  u.set([C, S, total, flags]);
  new Int32Array(u.buffer)[4] = ignoreIndex;
  return u;
}

/**
 * Per-element NLL of logp [N, C, S] at target [N, S]: loss and weight [N*S], and `bad`,
 * one u32 word counting targets outside [0, C) other than ignoreIndex (their loss is NaN).
 */
export function nllLossGPU(logp: GPUBufferLike, target: GPUBufferLike, weight: GPUBufferLike | null, N: number, C: number, S: number,
  ignoreIndex = -100): { loss: GPUBufferLike; weight: GPUBufferLike; bad: GPUBufferLike } {
  const dev = gpuDevice("nllLoss");
  const total = N * S;
  const loss = allocBuffer(dev, 4 * Math.max(1, total)), lw = allocBuffer(dev, 4 * Math.max(1, total)), bad = allocBuffer(dev, 4);
  fillGPU(bad, 0, 1);
  if (total > 0) dispatch("nllLoss", FORWARD, [logp, target, weight ?? logp, loss, lw, bad], words(C, S, total, weight ? 1 : 0, ignoreIndex), groups1d(total));
  return { loss, weight: lw, bad };
}

/**
 * d logp [N, C, S] from the gradient of the per-element losses: `g` is [N*S], or one
 * scalar (gScalar, for "sum"/"mean"); `divisor` (one scalar on the GPU, the weight sum
 * for "mean") divides it when given.
 */
export function nllLossBackwardGPU(target: GPUBufferLike, weight: GPUBufferLike | null, g: GPUBufferLike, gScalar: boolean,
  divisor: GPUBufferLike | null, N: number, C: number, S: number, ignoreIndex = -100): GPUBufferLike {
  const total = N * C * S;
  const dx = allocBuffer(gpuDevice("nllLoss backward"), 4 * Math.max(1, total));
  const flags = (weight ? 1 : 0) | (gScalar ? 2 : 0) | (divisor ? 4 : 0);
  if (total > 0) dispatch("nllLoss backward", BACKWARD, [target, weight ?? g, g, divisor ?? g, dx], words(C, S, total, flags, ignoreIndex), groups1d(total));
  return dx;
}
