/**
 * Finding a WebGPU device, once: `navigator.gpu` in browsers, the optional `webgpu`
 * npm package (Dawn's Node bindings) in Node. Failure is not an exception but a
 * `false` with the reason kept for `lastError()`, because "no GPU here" is an
 * ordinary outcome the caller branches on (fall back to the CPU).
 */
import type { GPUAdapterLike, GPUDeviceLike, GPULike } from "./gpu-types.js";

export interface WebGPUInitOptions {
  /** Passed to `requestAdapter`. */
  powerPreference?: "low-power" | "high-performance";
  /** A GPU object to use instead of `navigator.gpu` / the `webgpu` package (tests, custom Dawn builds). */
  gpu?: GPULike;
  /** Dawn flags for the Node bindings' `create()` (e.g. `"enable-dawn-features=allow_unsafe_apis"`). */
  dawnFlags?: string[];
}

export interface AdapterInfo { vendor: string; architecture: string; device: string; description: string }

/** `gpu` is kept reachable: Dawn's Node bindings free the instance (and crash the device's callbacks) when it is collected. */
interface Runtime { gpu: GPULike; device: GPUDeviceLike; adapter: GPUAdapterLike; info: AdapterInfo }

let runtime: Runtime | null = null;
let pending: Promise<boolean> | null = null;
let lastErr: string | null = null;
const gpuErrors: string[] = [];

/** @internal Throws (once) the WebGPU errors reported since the last call, naming `op`. */
export function throwPendingGPUErrors(op: string): void {
  if (!gpuErrors.length) return;
  const msgs = gpuErrors.splice(0);
  throw new Error(`${op}: the GPU reported ${msgs.length} error(s) in earlier commands; first: ${msgs[0]}`);
}

/** Debian's chromium ships SwiftShader's Vulkan driver here; Dawn finds it through VK_ICD_FILENAMES. */
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

async function nodeGPU(flags: string[]): Promise<GPULike | null> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return null;
  // A computed specifier keeps bundlers from trying to bundle the Node-only package.
  const name = "webgpu";
  let mod: { create(flags: string[]): GPULike; globals?: object };
  try {
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    throw new Error(`the optional "webgpu" package is not installed (npm install webgpu): ${(e as Error).message.split("\n")[0]}`);
  }
  return mod.create(flags);
}

async function initOnce(options: WebGPUInitOptions): Promise<boolean> {
  try {
    const nav = (globalThis as { navigator?: { gpu?: GPULike } }).navigator;
    const gpu = options.gpu ?? nav?.gpu ?? (await nodeGPU(options.dawnFlags ?? []));
    if (!gpu) throw new Error("this runtime has no WebGPU (no navigator.gpu)");
    const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) {
      const hint = typeof process !== "undefined" && !process.env?.VK_ICD_FILENAMES
        ? `; without a GPU, set VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (Debian's chromium package) to run on SwiftShader`
        : "";
      throw new Error(`requestAdapter() found no adapter${hint}`);
    }
    const lim = adapter.limits ?? {};
    // Ask for the adapter's own storage limits: the defaults (128 MiB bindings) are too small for big layers.
    const requiredLimits: Record<string, number> = {};
    for (const k of ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize", "maxStorageBuffersPerShaderStage"]) {
      if (typeof lim[k] === "number") requiredLimits[k] = lim[k];
    }
    const device = await adapter.requestDevice({ requiredLimits });
    const i = adapter.info ?? {};
    const info: AdapterInfo = {
      vendor: i.vendor ?? "", architecture: i.architecture ?? "", device: i.device ?? "", description: i.description ?? "",
    };
    runtime = { gpu, device, adapter, info };
    // Validation errors (a bad shader, a bad binding) are reported asynchronously;
    // keep them so the next read throws instead of returning garbage.
    (device as { addEventListener?(t: string, f: (e: { error?: { message?: string } }) => void): void })
      .addEventListener?.("uncapturederror", (e) => { gpuErrors.push(e.error?.message ?? "unknown WebGPU error"); });
    void device.lost?.then((l) => {
      lastErr = `device lost: ${l.message}`;
      runtime = null;
      pending = null;
    });
    lastErr = null;
    return true;
  } catch (e) {
    lastErr = (e as Error).message;
    pending = null;
    return false;
  }
}

/**
 * Finds an adapter and a device, once; resolves `true`, or `false` with the reason in `lastError()`.
 * @example if (await my.webgpu.init()) x = x.to("webgpu");
 */
export function init(options: WebGPUInitOptions = {}): Promise<boolean> {
  if (runtime) return Promise.resolve(true);
  return (pending ??= initOnce(options));
}

/** Whether `init()` succeeded (and the device has not been lost since). */
export function isAvailable(): boolean {
  return runtime !== null;
}

/** Why the last `init()` failed, or null. */
export function lastError(): string | null {
  return lastErr;
}

/** The adapter's vendor, architecture, device and description strings (empty where the browser hides them). */
export function adapterInfo(): AdapterInfo | null {
  return runtime ? { ...runtime.info } : null;
}

/**
 * Whether the adapter is a CPU emulation (SwiftShader, llvmpipe/lavapipe): kernels that
 * have a form for CPUs (no workgroup memory or barriers, which such drivers run as
 * costly coroutine switches) pick it. False with no device.
 */
export function isCpuAdapter(): boolean {
  if (!runtime) return false;
  const i = runtime.info;
  return /swiftshader|llvmpipe|lavapipe/i.test(`${i.vendor} ${i.architecture} ${i.device} ${i.description}`);
}

/** @internal The device, or an Error naming `op` and `init()` when there is none. */
export function gpuDevice(op: string): GPUDeviceLike {
  if (!runtime) throw new Error(`${op}: no WebGPU device; call and await my.webgpu.init() first${lastErr ? ` (last attempt: ${lastErr})` : ""}`);
  return runtime.device;
}
