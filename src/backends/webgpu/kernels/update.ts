/**
 * In-place kernels on the GPU: the fused Adam/AdamW step (one pass over p, g, m, v
 * and vmax, as Backend.adamStep, so optimizer state never leaves the GPU), the fused
 * SGD step (momentum, dampening, Nesterov, weight decay, maximize), and the
 * small elementwise kernels autograd's backward passes need (relu's gradient,
 * clamp, where with a condition stored as one 32-bit word per element).
 */
import type { AdamHyper } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { groups1d, ONE_D, ONE_D_INDEX } from "./layout.js";

const INDEX = ONE_D_INDEX;

const ADAM = (amsgrad: boolean) => `
struct P { n: vec4<u32>, h0: vec4<f32>, h1: vec4<f32>, h2: vec4<f32> }
@group(0) @binding(0) var<storage, read_write> Pm: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
${amsgrad ? "@group(0) @binding(4) var<storage, read_write> VMax: array<f32>;\n@group(0) @binding(5) var<uniform> p: P;" : "@group(0) @binding(4) var<uniform> p: P;"}
${ONE_D} {
  ${INDEX}
  if (i >= p.n.x) { return; }
  let b1 = p.h0.x; let b2 = p.h0.y; let stepSize = p.h0.z; let bc2Sqrt = p.h0.w;
  let eps = p.h1.x; let sgn = p.h1.y; let l2 = p.h1.z; let decay = p.h1.w;
  let pi = Pm[i] * decay;
  let gi = sgn * G[i] + l2 * pi;
  // 1 - beta comes from the host, formed in float64 then rounded, as PyTorch's value=1-beta is.
  let mi = b1 * M[i] + p.h2.x * gi;
  let vi = b2 * V[i] + p.h2.y * (gi * gi);
  M[i] = mi; V[i] = vi;
  var vv = vi;
  ${amsgrad ? "vv = max(VMax[i], vi); VMax[i] = vv;" : ""}
  Pm[i] = pi - stepSize * (mi / (sqrt(vv) / bc2Sqrt + eps));
}`;

/** Backend.adamStep on GPU buffers of n float32 elements, in place. */
export function adamStepGPU(p: GPUBufferLike, g: GPUBufferLike, m: GPUBufferLike, v: GPUBufferLike, vmax: GPUBufferLike | null, h: AdamHyper, n: number): void {
  if (n === 0) return;
  const u = new Uint32Array(16);
  u[0] = n;
  new Float32Array(u.buffer).set([h.b1, h.b2, h.stepSize, h.bc2Sqrt, h.eps, h.sign, h.l2, h.decay, 1 - h.b1, 1 - h.b2], 4);
  const bufs = vmax ? [p, g, m, v, vmax] : [p, g, m, v];
  dispatch("adam", ADAM(vmax !== null), bufs, u, groups1d(n));
}

const SGD = (momentum: boolean) => `
struct P { n: vec4<u32>, h: vec4<f32>, k: vec4<f32> }
@group(0) @binding(0) var<storage, read_write> Pm: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
${momentum ? "@group(0) @binding(2) var<storage, read_write> Buf: array<f32>;\n@group(0) @binding(3) var<uniform> p: P;" : "@group(0) @binding(2) var<uniform> p: P;"}
${ONE_D} {
  ${INDEX}
  if (i >= p.n.x) { return; }
  let lr = p.h.x; let mom = p.h.y; let keep = p.h.z; let wd = p.h.w; let sgn = p.k.x;
  let pi = Pm[i];
  let d = sgn * G[i] + wd * pi;
  ${momentum ? `let b = select(mom * Buf[i] + keep * d, d, p.n.y == 1u);
  Buf[i] = b;
  Pm[i] = pi - lr * select(b, d + mom * b, p.n.z == 1u);` : "Pm[i] = pi - lr * d;"}
}`;

/** torch.optim.SGD's update of one parameter, as src/optim/sgd.ts. `first`: the momentum buffer is new (set to d, not blended). */
export interface SGDHyper { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean; first: boolean }

/**
 * In place: d = ±g + wd p; with momentum buf = first ? d : momentum buf + (1 - dampening) d
 * and p -= lr (nesterov ? d + momentum buf : buf); without, p -= lr d. `buf` is null
 * exactly when momentum is 0.
 */
export function sgdStepGPU(p: GPUBufferLike, g: GPUBufferLike, buf: GPUBufferLike | null, h: SGDHyper, n: number): void {
  if ((buf === null) !== (h.momentum === 0)) throw new Error(`sgdStep: a momentum buffer is needed exactly when momentum != 0 (momentum ${h.momentum})`);
  if (n === 0) return;
  const u = new Uint32Array(12);
  u.set([n, h.first ? 1 : 0, h.nesterov ? 1 : 0]);
  new Float32Array(u.buffer).set([h.lr, h.momentum, 1 - h.dampening, h.weightDecay, h.maximize ? -1 : 1], 4);
  dispatch("sgd", SGD(buf !== null), buf ? [p, g, buf] : [p, g], u, groups1d(n));
}

const TERNARY = (expr: string) => `
struct P { n: vec4<u32>, f: vec4<f32> }
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read> C: array<u32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@group(0) @binding(4) var<uniform> p: P;
${ONE_D} {
  ${INDEX}
  if (i >= p.n.x) { return; }
  let a = A[i]; let b = B[i]; let c = C[i];
  O[i] = ${expr};
}`;

function run3(op: string, expr: string, a: GPUBufferLike, b: GPUBufferLike, c: GPUBufferLike, n: number, f: number[] = []): GPUBufferLike {
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(8);
  u[0] = n;
  new Float32Array(u.buffer).set(f, 4);
  dispatch(op, TERNARY(expr), [a, b, c, out], u, groups1d(n));
  return out;
}

/** out = cond ? a : b, the condition as one u32 per element (0 = false); all of n elements. */
export function whereGPU(cond: GPUBufferLike, a: GPUBufferLike, b: GPUBufferLike, n: number): GPUBufferLike {
  return run3("where", "select(b, a, c != 0u)", a, b, cond, n);
}

/** Backend.reluBackward: g where x > 0, else g * 0 (so NaN/inf in g still give NaN, as the CPU kernels). */
export function reluBackwardGPU(x: GPUBufferLike, g: GPUBufferLike, n: number): GPUBufferLike {
  return run3("relu backward", "b * select(0.0, 1.0, a > 0.0)", x, g, x, n);
}

/** Backend.hardtanhBackward: g where lo < x < hi, else 0 (PyTorch's select; a NaN x gives 0). */
export function hardtanhBackwardGPU(x: GPUBufferLike, g: GPUBufferLike, lo: number, hi: number, n: number): GPUBufferLike {
  return run3("hardtanh backward", "select(0.0, b, a > p.f.x && a < p.f.y)", x, g, x, n, [lo, hi]);
}

/** Backend.clamp: min(max(x, lo), hi); NaN stays NaN (lo = -inf / hi = inf leave a side open). */
export function clampGPU(x: GPUBufferLike, lo: number, hi: number, n: number): GPUBufferLike {
  return run3("clamp", "select(min(max(a, p.f.x), p.f.y), a, (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u)", x, x, x, n, [lo, hi]);
}
