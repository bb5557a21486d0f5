/**
 * Fused recurrent cells on the GPU, as the Backend's lstmCell/gruCell and their
 * backward (src/backends/js/rnn.ts has the reference and the gate algebra): one
 * invocation per (row, hidden unit) computes all four (three) gates, so a time step
 * is one dispatch besides its GEMMs. Optional operands are switched by flags, with
 * another buffer bound in their place.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { groups1d } from "./layout.js";

const COMMON = `
struct P { a: vec4<u32> }   // n, H, flags (bit 0, 1, 2: first, second, third optional operand present)
fn sigm(x: f32) -> f32 { let e = exp(-abs(x)); return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0); }
fn tanh_(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return select(-1.0, 1.0, x >= 0.0) * (1.0 - e) / (1.0 + e); }
fn has(bit: u32) -> bool { return (p.a.z & (1u << bit)) != 0u; }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let t = id.x + id.y * nw.x * 256u;
  let n = p.a.x; let H = p.a.y;
  if (t >= n * H) { return; }
  let b = t / H; let j = t % H;
  body(b, j, H);
}`;

const LSTM = `${COMMON}
@group(0) @binding(0) var<storage, read_write> Gates: array<f32>;
@group(0) @binding(1) var<storage, read> CPrev: array<f32>;
@group(0) @binding(2) var<storage, read> XAdd: array<f32>;
@group(0) @binding(3) var<storage, read_write> HOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> COut: array<f32>;
@group(0) @binding(5) var<uniform> p: P;
fn pre(k: u32) -> f32 { return Gates[k] + select(0.0, XAdd[k], has(0u)); }
fn body(b: u32, j: u32, H: u32) {
  let gb = b * 4u * H; let sb = b * H;
  let i = sigm(pre(gb + j)); let f = sigm(pre(gb + H + j));
  let g = tanh_(pre(gb + 2u * H + j)); let o = sigm(pre(gb + 3u * H + j));
  Gates[gb + j] = i; Gates[gb + H + j] = f; Gates[gb + 2u * H + j] = g; Gates[gb + 3u * H + j] = o;
  let c = f * CPrev[sb + j] + i * g;
  COut[sb + j] = c;
  HOut[sb + j] = o * tanh_(c);
}`;

const LSTM_BACKWARD = `${COMMON}
@group(0) @binding(0) var<storage, read> Act: array<f32>;
@group(0) @binding(1) var<storage, read> CPrev: array<f32>;
@group(0) @binding(2) var<storage, read> C: array<f32>;
@group(0) @binding(3) var<storage, read> GH: array<f32>;
@group(0) @binding(4) var<storage, read> GC: array<f32>;
@group(0) @binding(5) var<storage, read> GH2: array<f32>;
@group(0) @binding(6) var<storage, read_write> DGates: array<f32>;
@group(0) @binding(7) var<storage, read_write> DCPrev: array<f32>;
@group(0) @binding(8) var<uniform> p: P;
fn body(b: u32, j: u32, H: u32) {
  let gb = b * 4u * H; let sb = b * H;
  let i = Act[gb + j]; let f = Act[gb + H + j]; let g = Act[gb + 2u * H + j]; let o = Act[gb + 3u * H + j];
  let tc = tanh_(C[sb + j]);
  let dh = select(0.0, GH[sb + j], has(0u)) + select(0.0, GH2[sb + j], has(2u));
  let dc = select(0.0, GC[sb + j], has(1u)) + dh * o * (1.0 - tc * tc);
  DGates[gb + j] = dc * g * i * (1.0 - i);
  DGates[gb + H + j] = dc * CPrev[sb + j] * f * (1.0 - f);
  DGates[gb + 2u * H + j] = dc * i * (1.0 - g * g);
  DGates[gb + 3u * H + j] = dh * tc * o * (1.0 - o);
  DCPrev[sb + j] = dc * f;
}`;

const GRU = `${COMMON}
@group(0) @binding(0) var<storage, read> GX: array<f32>;
@group(0) @binding(1) var<storage, read> GHh: array<f32>;
@group(0) @binding(2) var<storage, read> HPrev: array<f32>;
@group(0) @binding(3) var<storage, read_write> HOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> Act: array<f32>;
@group(0) @binding(5) var<uniform> p: P;
fn body(b: u32, j: u32, H: u32) {
  let gb = b * 3u * H; let ab = b * 4u * H; let sb = b * H;
  let r = sigm(GX[gb + j] + GHh[gb + j]);
  let z = sigm(GX[gb + H + j] + GHh[gb + H + j]);
  let hn = GHh[gb + 2u * H + j];
  let m = tanh_(GX[gb + 2u * H + j] + r * hn);
  Act[ab + j] = r; Act[ab + H + j] = z; Act[ab + 2u * H + j] = m; Act[ab + 3u * H + j] = hn;
  HOut[sb + j] = (1.0 - z) * m + z * HPrev[sb + j];
}`;

const GRU_BACKWARD = `${COMMON}
@group(0) @binding(0) var<storage, read> Act: array<f32>;
@group(0) @binding(1) var<storage, read> HPrev: array<f32>;
@group(0) @binding(2) var<storage, read> GOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> DGx: array<f32>;
@group(0) @binding(4) var<storage, read_write> DGh: array<f32>;
@group(0) @binding(5) var<storage, read_write> DHPrev: array<f32>;
@group(0) @binding(6) var<uniform> p: P;
fn body(b: u32, j: u32, H: u32) {
  let gb = b * 3u * H; let ab = b * 4u * H; let sb = b * H;
  let r = Act[ab + j]; let z = Act[ab + H + j]; let m = Act[ab + 2u * H + j]; let hn = Act[ab + 3u * H + j];
  let d = GOut[sb + j];
  let dm = d * (1.0 - z) * (1.0 - m * m);
  let dz = d * (HPrev[sb + j] - m) * z * (1.0 - z);
  let dr = dm * hn * r * (1.0 - r);
  DGx[gb + j] = dr; DGh[gb + j] = dr;
  DGx[gb + H + j] = dz; DGh[gb + H + j] = dz;
  DGx[gb + 2u * H + j] = dm; DGh[gb + 2u * H + j] = dm * r;
  DHPrev[sb + j] = d * z;
}`;

const words = (n: number, H: number, flags: number) => new Uint32Array([n, H, flags, 0]);
const alloc = (op: string, count: number) => allocBuffer(gpuDevice(op), 4 * Math.max(1, count));

/** Backend.lstmCell: gates [n, 4H] (overwritten with the activations), cPrev [n, H], optional xAdd [n, 4H]. */
export function lstmCellGPU(gates: GPUBufferLike, cPrev: GPUBufferLike, n: number, H: number, xAdd: GPUBufferLike | null = null): { h: GPUBufferLike; c: GPUBufferLike } {
  const h = alloc("lstmCell", n * H), c = alloc("lstmCell", n * H);
  if (n * H > 0) dispatch("lstmCell", LSTM, [gates, cPrev, xAdd ?? cPrev, h, c], words(n, H, xAdd ? 1 : 0), groups1d(n * H));
  return { h, c };
}

/** Backend.lstmCellBackward: dGates [n, 4H] and dcPrev [n, H]; gh, gc, gh2 may be null (zero). */
export function lstmCellBackwardGPU(act: GPUBufferLike, cPrev: GPUBufferLike, c: GPUBufferLike, gh: GPUBufferLike | null, gc: GPUBufferLike | null,
  n: number, H: number, gh2: GPUBufferLike | null = null): { dGates: GPUBufferLike; dcPrev: GPUBufferLike } {
  const dGates = alloc("lstmCell backward", 4 * n * H), dcPrev = alloc("lstmCell backward", n * H);
  const flags = (gh ? 1 : 0) | (gc ? 2 : 0) | (gh2 ? 4 : 0);
  if (n * H > 0) dispatch("lstmCell backward", LSTM_BACKWARD, [act, cPrev, c, gh ?? c, gc ?? c, gh2 ?? c, dGates, dcPrev], words(n, H, flags), groups1d(n * H));
  return { dGates, dcPrev };
}

/** Backend.gruCell: hOut [n, H] and the saved activations act [n, 4H] (r, z, m, gh_n). */
export function gruCellGPU(gx: GPUBufferLike, gh: GPUBufferLike, hPrev: GPUBufferLike, n: number, H: number): { h: GPUBufferLike; act: GPUBufferLike } {
  const h = alloc("gruCell", n * H), act = alloc("gruCell", 4 * n * H);
  if (n * H > 0) dispatch("gruCell", GRU, [gx, gh, hPrev, h, act], words(n, H, 0), groups1d(n * H));
  return { h, act };
}

/** Backend.gruCellBackward: dGx, dGh [n, 3H] and the direct part of dhPrev [n, H]. */
export function gruCellBackwardGPU(act: GPUBufferLike, hPrev: GPUBufferLike, gOut: GPUBufferLike, n: number, H: number):
  { dGx: GPUBufferLike; dGh: GPUBufferLike; dhPrev: GPUBufferLike } {
  const dGx = alloc("gruCell backward", 3 * n * H), dGh = alloc("gruCell backward", 3 * n * H), dhPrev = alloc("gruCell backward", n * H);
  if (n * H > 0) dispatch("gruCell backward", GRU_BACKWARD, [act, hPrev, gOut, dGx, dGh, dhPrev], words(n, H, 0), groups1d(n * H));
  return { dGx, dGh, dhPrev };
}
