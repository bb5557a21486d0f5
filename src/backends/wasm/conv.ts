/**
 * Float32 im2col / col2im on wasm (see Backend.im2col/col2im): the input is copied in
 * once, the window unfold (or the overlapping fold-back sums) runs on bulk memory
 * copies and SIMD adds, and the result is copied out. And conv2d itself, fused with
 * its im2col image by image (Backend.conv2dForward and its gradients).
 */
import type { ConvGeom } from "../backend.js";
import { align64, dataRegion, reserveScratch, scratchPtr, type Runtime } from "./runtime.js";
import type { Pool } from "./pool.js";
import { FN_CONV_RUN } from "./worker-source.js";
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD } from "../ops.generated.js";

/** See Backend.im2col. */
export function wasmIm2col(rt: Runtime, x: Float32Array, n: number, g: ConvGeom, out: Float32Array): void {
  const nx = n * g.C * g.H * g.W, no = n * g.C * g.kH * g.kW * g.oH * g.oW;
  const px = dataRegion(rt, align64(nx * 4) + no * 4), po = px + align64(nx * 4);
  rt.f32.set(x.length === nx ? x : x.subarray(0, nx), px >>> 2);
  rt.k.im2colF32(px, n, g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW, po);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + no));
}

/** See Backend.col2im. */
export function wasmCol2im(rt: Runtime, cols: Float32Array, n: number, g: ConvGeom, out: Float32Array): void {
  const nc = n * g.C * g.kH * g.kW * g.oH * g.oW, no = n * g.C * g.H * g.W;
  const pc = dataRegion(rt, align64(nc * 4) + no * 4), po = pc + align64(nc * 4);
  rt.f32.set(cols.length === nc ? cols : cols.subarray(0, nc), pc >>> 2);
  rt.k.col2imF32(pc, n, g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW, po);
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + no));
}

/**
 * Lays operands out one after another from byte `start` (64-byte aligned), copying in
 * those given: place(len, src) returns an operand's byte address (0 for len 0: absent);
 * place.next() is where the next one would go.
 */
export function placer(rt: Runtime, start: number): ((len: number, src?: Float32Array | null) => number) & { next(): number } {
  let p = start;
  const place = (len: number, src?: Float32Array | null) => {
    if (len === 0) return 0;
    const at = p;
    if (src) rt.f32.set(src.length === len ? src : src.subarray(0, len), at >>> 2);
    p += align64(len * 4);
    return at;
  };
  return Object.assign(place, { next: () => p });
}

/** Plan fields of assembly/conv-gemm.ts (CP_*), as i32 offsets (its modes: the op table's CONV_*). */
const CP_MODE = 1, CP_X = 2, CP_W = 3, CP_BIAS = 4, CP_G = 5, CP_OUT = 6, CP_N = 7, CP_O = 8, CP_GEOM = 9,
  CP_PER_TASK = 22, CP_COLS = 23, CP_COLS_BYTES = 24, PLAN_BYTES = 128;
/** Tasks per thread to aim for, so a late thread's share moves to the others (as the threaded GEMM). */
const TASKS_PER_THREAD = 4;

/** Counter for tests: fused conv calls run on the pool. */
export const convStats = { parallel: 0 };

/** Operands of one fused conv call (float32; which ones depend on the mode, see Backend.conv2dForward). */
export interface ConvOperands { x?: Float32Array; w?: Float32Array; bias?: Float32Array | null; g?: Float32Array }

/**
 * conv2d (groups 1) forward, input gradient or weight gradient on the wasm kernels
 * (assembly/conv-gemm.ts): copies in x / w / bias / output gradient, runs one plan on
 * up to `threads` threads, copies the result into `out`.
 */
export function wasmConv2d(rt: Runtime, pool: Pool | null, threads: number, mode: number, ops: ConvOperands, n: number, O: number,
  g: ConvGeom, out: Float32Array, threadMinFlops: number): void {
  const K = g.C * g.kH * g.kW, L = g.oH * g.oW, image = g.C * g.H * g.W;
  let T = 1;
  if (pool && threads > 1 && 2 * n * O * K * L >= threadMinFlops) T = Math.min(threads, pool.readyCount() + 1);
  const weight = mode === CONV_WEIGHT_GRAD;
  const per = weight ? (T === 1 ? K : Math.ceil(Math.ceil(K / (TASKS_PER_THREAD * T)) / 8) * 8)
    : (T === 1 ? n : Math.max(1, Math.floor(n / (TASKS_PER_THREAD * T))));
  const colsBytes = align64((weight ? Math.min(per, K) : K) * L * 4);
  const sizes = {
    x: mode === CONV_INPUT_GRAD ? 0 : n * image, w: weight ? 0 : O * K, bias: ops.bias ? O : 0,
    g: mode === CONV_FORWARD ? 0 : n * O * L, out: weight ? O * K : mode === CONV_FORWARD ? n * O * L : n * image,
  };
  reserveScratch(rt, T);
  const base = dataRegion(rt, PLAN_BYTES + align64(sizes.x * 4) + align64(sizes.w * 4) + align64(sizes.bias * 4) +
    align64(sizes.g * 4) + align64(sizes.out * 4) + T * colsBytes);
  const place = placer(rt, base + PLAN_BYTES);
  const px = place(sizes.x, ops.x), pw = place(sizes.w, ops.w), pb = place(sizes.bias, ops.bias), pg = place(sizes.g, ops.g);
  const po = place(sizes.out), p = place.next();
  const plan = new Int32Array(rt.f32.buffer, base, PLAN_BYTES / 4);
  plan.fill(0);
  plan[CP_MODE] = mode; plan[CP_X] = px; plan[CP_W] = pw; plan[CP_BIAS] = pb; plan[CP_G] = pg; plan[CP_OUT] = po;
  plan[CP_N] = n; plan[CP_O] = O;
  plan.set([g.C, g.H, g.W, g.kH, g.kW, g.padT, g.padL, g.sH, g.sW, g.dH, g.dW, g.oH, g.oW], CP_GEOM);
  plan[CP_PER_TASK] = per; plan[CP_COLS] = p; plan[CP_COLS_BYTES] = colsBytes;
  const k = rt.k as Runtime["k"] & { convRun(plan: number, thread: number, scratch: number): void };
  if (T === 1) k.convRun(base, 0, scratchPtr(rt, 0));
  else {
    convStats.parallel++;
    const jobs: number[][] = [];
    for (let t = 0; t < T; t++) jobs.push([base, t, scratchPtr(rt, t)]);
    pool!.parallel(FN_CONV_RUN, jobs, (j) => k.convRun(j[0], j[1], j[2]), true);
  }
  out.set(rt.f32.subarray(po >>> 2, (po >>> 2) + sizes.out));
}
