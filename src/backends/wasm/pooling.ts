/**
 * Float32 max pooling on wasm (see Backend.maxPool2d): the input and the window
 * tables are copied in, values and argmax indices copied out. Plain 2x2/stride-2
 * windows (MaxPool2d(2)) take a SIMD path that needs no tables.
 */
import type { PoolWindows } from "../backend.js";
import { align64, dataRegion, type Runtime } from "./runtime.js";

/** Whether every window is the full 2x2 block at (2i, 2j) (MaxPool2d(2) without padding). */
function isPlain2x2(win: PoolWindows, oH: number, oW: number): boolean {
  if (win.dH !== 1 || win.dW !== 1) return false;
  for (let i = 0; i < oH; i++) if (win.hs[i] !== 2 * i || win.he[i] !== 2 * i + 2) return false;
  for (let j = 0; j < oW; j++) if (win.ws[j] !== 2 * j || win.we[j] !== 2 * j + 2) return false;
  return true;
}

/** See Backend.maxPool2d. */
export function wasmMaxPool2d(rt: Runtime, x: Float32Array, planes: number, H: number, W: number, oH: number, oW: number,
  win: PoolWindows, out: Float32Array, idx: Int32Array): void {
  const nx = planes * H * W, no = planes * oH * oW;
  if (isPlain2x2(win, oH, oW)) {
    const px = dataRegion(rt, align64(nx * 4) + 2 * align64(no * 4));
    const po = px + align64(nx * 4), pi = po + align64(no * 4);
    const f32 = rt.f32;
    f32.set(x.length === nx ? x : x.subarray(0, nx), px >>> 2);
    rt.k.maxPool2x2F32(px, planes, H, W, oH, oW, po, pi);
    out.set(f32.subarray(po >>> 2, (po >>> 2) + no));
    idx.set(new Int32Array(f32.buffer, pi, no));
    return;
  }
  const sizes = [nx, oH, oH, oW, oW, no, no];
  let total = 0;
  for (const s of sizes) total += align64(s * 4);
  let p = dataRegion(rt, total);
  const ptr = sizes.map((s) => { const q = p; p += align64(s * 4); return q; });
  const f32 = rt.f32, i32 = new Int32Array(f32.buffer, f32.byteOffset, f32.length);
  f32.set(x.length === nx ? x : x.subarray(0, nx), ptr[0] >>> 2);
  i32.set(win.hs.subarray(0, oH), ptr[1] >>> 2);
  i32.set(win.he.subarray(0, oH), ptr[2] >>> 2);
  i32.set(win.ws.subarray(0, oW), ptr[3] >>> 2);
  i32.set(win.we.subarray(0, oW), ptr[4] >>> 2);
  rt.k.maxPool2dF32(ptr[0], planes, H, W, oH, oW, ptr[1], ptr[2], ptr[3], ptr[4], win.dH, win.dW, ptr[5], ptr[6]);
  out.set(f32.subarray(ptr[5] >>> 2, (ptr[5] >>> 2) + no));
  idx.set(i32.subarray(ptr[6] >>> 2, (ptr[6] >>> 2) + no));
}
