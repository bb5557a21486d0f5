// Shared by the WebGPU tests: an adapter (SwiftShader from Debian's chromium where no
// GPU exists), the skip reason when there is none, seeded data and a tolerance check.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { webgpu } from "../../src/backends/webgpu/index.js";

const ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
const ok = await webgpu.init();
/** false when an adapter exists, else the reason (for `test(name, { skip }, fn)`). */
export const skip: false | string = ok ? false : `no WebGPU adapter: ${webgpu.lastError()}`;

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
}
/** n uniform values in [lo, hi) from a fixed-seed LCG. */
export const randn = (n: number, lo = -3, hi = 3) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());

/** |got - want| <= atol + rtol |want| elementwise; NaN and infinities must match exactly. */
export function close(got: Float32Array, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: got ${g}, want NaN`); continue; }
    if (!Number.isFinite(w)) { assert.equal(g, w, `${what}[${i}]`); continue; }
    assert.ok(Math.abs(g - w) <= atol + rtol * Math.abs(w), `${what}[${i}]: got ${g}, want ${w}`);
  }
}
