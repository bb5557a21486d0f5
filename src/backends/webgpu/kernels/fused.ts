/**
 * Fused elementwise chains: several unary/binary ops of the op table in one dispatch,
 * so a chain such as bias-add, GELU, scale (or an optimizer's or a loss's elementwise
 * tail) reads its inputs once and writes one buffer instead of one per op. The chain is
 * a list of steps over numbered values: 0..k-1 are the (strided, broadcast) inputs, step
 * s produces value k+s; the last step is the output. Each step's WGSL is the same
 * expression as its single-op kernel (elementwise.ts), wrapped in a function, so results
 * match the unfused ops exactly.
 */
import type { BinaryOp, UnaryOp } from "../../backend.js";
import { allocBuffer } from "../pool.js";
import { dispatch } from "../commands.js";
import { gpuDevice } from "../runtime.js";
import type { GPUBufferLike } from "../gpu-types.js";
import { BINARY, HELPERS, UNARY } from "./elementwise.js";
import { MAX_DIMS, ONE_D, ONE_D_INDEX, STRIDED_INDEX_WGSL, broadcastStrides, groups1d, numelOf, packDims, type GPUView } from "./layout.js";

/** One op of a chain: its name and the numbers of the values it reads. */
export type ChainStep = { op: UnaryOp; args: [number] } | { op: BinaryOp; args: [number, number] };

/** Inputs per fused dispatch (each takes two uniform words of strides). */
export const MAX_CHAIN_INPUTS = 4;

function chainSource(steps: readonly ChainStep[], k: number): string {
  const ins = [...Array(k).keys()];
  const fns = steps.map((st, s) => st.args.length === 1
    ? `fn f${s}(x: f32) -> f32 { return ${UNARY[st.op as UnaryOp]}; }`
    : `fn f${s}(x: f32, y: f32) -> f32 { return ${BINARY[st.op as BinaryOp]}; }`);
  return `${HELPERS}${STRIDED_INDEX_WGSL}
${fns.join("\n")}
struct P { info: vec4<u32>, off: vec4<u32>, shape: array<vec4<u32>, 2>, ${ins.map((j) => `s${j}: array<vec4<u32>, 2>`).join(", ")} }
${ins.map((j) => `@group(0) @binding(${j}) var<storage, read> In${j}: array<f32>;`).join("\n")}
@group(0) @binding(${k}) var<storage, read_write> O: array<f32>;
@group(0) @binding(${k + 1}) var<uniform> p: P;
${ONE_D} {
  ${ONE_D_INDEX}
  if (i >= p.info.x) { return; }
${ins.map((j) => `  let v${j} = In${j}[stridedIndex(i, p.info.y, p.shape, p.s${j}, p.off[${j}])];`).join("\n")}
${steps.map((st, s) => `  let v${k + s} = f${s}(${st.args.map((a) => `v${a}`).join(", ")});`).join("\n")}
  O[i] = v${k + steps.length - 1};
}`;
}

/** The chain applied elementwise to `inputs` broadcast to `outShape`: a new contiguous buffer. */
export function elementwiseChainGPU(steps: readonly ChainStep[], inputs: readonly GPUView[], outShape: number[]): GPUBufferLike {
  const op = "fused elementwise";
  const k = inputs.length;
  if (k < 1 || k > MAX_CHAIN_INPUTS) throw new Error(`${op}: 1 to ${MAX_CHAIN_INPUTS} inputs per chain, got ${k}`);
  if (steps.length === 0) throw new Error(`${op}: the chain has no steps`);
  steps.forEach((st, s) => {
    const table: Record<string, string> = st.args.length === 1 ? UNARY : BINARY;
    if (!(st.op in table) || (st.args.length !== 1 && st.args.length !== 2)) {
      throw new Error(`${op}: step ${s} "${st.op}" with ${st.args.length} argument(s) is not a ${st.args.length === 1 ? "unary" : "binary"} op of the table`);
    }
    for (const a of st.args) {
      if (!Number.isInteger(a) || a < 0 || a >= k + s) throw new Error(`${op}: step ${s} reads value ${a}, but only values 0..${k + s - 1} exist before it`);
    }
  });
  const n = numelOf(outShape);
  const out = allocBuffer(gpuDevice(op), 4 * Math.max(1, n));
  if (n === 0) return out;
  const u = new Uint32Array(8 + (1 + k) * MAX_DIMS);
  u.set([n, outShape.length]);
  inputs.forEach((v, j) => { u[4 + j] = v.offset; });
  packDims(u, 8, outShape);
  inputs.forEach((v, j) => packDims(u, 8 + (1 + j) * MAX_DIMS, broadcastStrides(op, v, outShape)));
  dispatch(op, chainSource(steps, k), [...inputs.map((v) => v.buffer), out], u, groups1d(n));
  return out;
}
