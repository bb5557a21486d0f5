/**
 * Page entry for the Chromium training test: the four workloads (workloads.ts) for 20
 * Adam steps on the CPU backend and on navigator.gpu's adapter, returning both loss
 * sequences. Bundled and run by test/webgpu/chromium.ts.
 */
import * as my from "../../../src/index.js";
import { WORKLOADS, losses } from "../workloads.js";

export default async function run(): Promise<unknown> {
  const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
  if (!(await my.webgpu.init())) return { gpu, adapter: null, reason: my.webgpu.lastError() };
  const out: Record<string, { cpu: number[]; webgpu: number[] }> = {};
  for (const name of Object.keys(WORKLOADS)) out[name] = { cpu: await losses(name, "cpu"), webgpu: await losses(name, "webgpu") };
  return { gpu, adapter: my.webgpu.adapterInfo(), backend: my.backend(), losses: out };
}
