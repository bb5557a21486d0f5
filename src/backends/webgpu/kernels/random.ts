/**
 * Dropout masks on the GPU from a counter-based generator: element i's draw is a hash
 * of (key, counter + i), so every invocation draws independently and a mask needs no
 * state on the GPU. The host advances the counter by n per mask. The stream differs
 * from the CPU's xoshiro128** (as CUDA's masks differ from the CPU's in PyTorch);
 * within the GPU it is fixed by manualSeed.
 */
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { groups1d } from "./layout.js";

const SOURCE = `
struct P { a: vec4<u32>, b: vec4<u32>, f: vec4<f32> }
@group(0) @binding(0) var<storage, read_write> O: array<f32>;
@group(0) @binding(1) var<uniform> p: P;
// PCG's output permutation as a 32-bit hash (Jarzynski & Olano 2020), chained over the key words.
fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = id.x + id.y * nw.x * 256u;
  if (i >= p.a.x) { return; }
  let draw = pcg(pcg(pcg(p.a.y) ^ (p.a.z + i)) ^ p.a.w);
  O[i] = select(0.0, p.f.x, draw >= p.b.x);
}`;

/**
 * out[i] = draw_i >= threshold ? keepValue : 0 for n elements, threshold in [0, 2^32]
 * (p * 2^32 drops with probability p); key and counter select the stream.
 */
export function bernoulliMaskGPU(key: [number, number], counter: number, threshold: number, keepValue: number, n: number): GPUBufferLike {
  const out = allocBuffer(gpuDevice("dropout"), 4 * Math.max(1, n));
  if (n === 0) return out;
  if (!(threshold >= 0 && threshold <= 2 ** 32)) throw new Error(`dropout: threshold must be in [0, 2^32], got ${threshold}`);
  const u = new Uint32Array(12);
  u.set([n, key[0] >>> 0, counter >>> 0, key[1] >>> 0, Math.min(Math.ceil(threshold), 2 ** 32 - 1)]);
  // A threshold of 2^32 (drop everything) does not fit a u32: keepValue 0 gives the same mask.
  new Float32Array(u.buffer)[8] = threshold >= 2 ** 32 ? 0 : keepValue;
  dispatch("dropout", SOURCE, [out], u, groups1d(n));
  return out;
}
