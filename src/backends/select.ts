/**
 * Backend selection: which kernel set runs now (`my.backend()`, `my.setBackend`) and
 * how many threads big kernels may use (`my.setNumThreads`). At load the native addon's
 * backend is installed when it was built and loads (Node), else the wasm backend when
 * the runtime validates the SIMD kernels (relaxed-SIMD FMA build preferred), else the
 * JS reference stays. MYELIN_BACKEND=wasm skips native, MYELIN_BACKEND=js forces JS.
 */
import { currentBackend, installBackend } from "./backend.js";
import { jsBackend } from "./js/index.js";
import { getWasmThreads, setWasmThreads, wasmBackend, wasmBackendReady } from "./wasm/index.js";
import { nativeAddon, nativeBackend } from "./native/index.js";

/** Backend names `setBackend` accepts. */
export type BackendName = "js" | "wasm" | "native";

/**
 * Name of the backend kernels run on ("native", "wasm" or "js").
 * @example my.backend() // "native"
 */
export function backend(): string {
  return currentBackend().name;
}

/**
 * Switches the kernel set for all later ops. "wasm" throws when this runtime cannot
 * run WebAssembly SIMD with shared memory, "native" when the addon is not available.
 * @example my.setBackend("js")
 */
export function setBackend(name: BackendName): void {
  chosen = true;
  if (name === "js") return installBackend(jsBackend);
  if (name === "wasm") {
    const w = wasmBackend();
    if (!w) throw new Error('setBackend: the "wasm" backend is unavailable here (needs WebAssembly SIMD and SharedArrayBuffer); use "js"');
    return installBackend(w);
  }
  if (name === "native") {
    const n = nativeBackend(wasmBackend() ?? jsBackend);
    if (!n) throw new Error('setBackend: the "native" backend is unavailable (the optional addon was not built: no C++ compiler at install, or not Node); use "wasm" or "js"');
    return installBackend(n);
  }
  throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; expected "js", "wasm" or "native"`);
}

/** The most threads `setNumThreads` accepts (per JavaScript thread). */
export const MAX_THREADS = 64;

/**
 * Sets how many threads big kernels (large matmuls) started by the calling JavaScript
 * thread may use, that thread included (each worker_threads worker sets its own; see
 * docs/threads.md). Default: the machine's core count. Results do not depend on it.
 * Like PyTorch's `torch.set_num_threads`, a count that cannot be honoured (not a
 * positive integer, or above MAX_THREADS) is an error rather than silently changed.
 * @example my.setNumThreads(1)
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  if (n > MAX_THREADS) throw new RangeError(`setNumThreads: at most ${MAX_THREADS} threads per JavaScript thread, got ${n}`);
  setWasmThreads(n);
  nativeAddon()?.setNumThreads(n);
}

/** Threads big kernels may use (see setNumThreads). */
export function getNumThreads(): number {
  return getWasmThreads();
}

/** Set once the user picks a backend, so a late asynchronous wasm load does not override it. */
let chosen = false;
/** Settles when the default backend is final (at once unless wasm compiles asynchronously). */
let settled: Promise<unknown> = Promise.resolve();

/**
 * Resolves with the backend's name once the default backend is final. Node and web
 * workers load everything synchronously at import, so this is only needed on a browser
 * main thread, where WebAssembly may compile in the background: until then ops run on
 * the JS backend (correct, slower). No top-level await, so `require("myelin")` and IIFE
 * bundles work.
 * @example await my.ready() // "wasm"
 */
export async function ready(): Promise<string> {
  await settled;
  return backend();
}

function defaultBackend(): void {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const forced = p?.env?.MYELIN_BACKEND;
  if (forced === "js") return;
  const w = wasmBackend();
  // The native addon (Node, built at install) is fastest where it exists.
  const n = forced === "wasm" ? null : nativeBackend(w ?? jsBackend);
  if (n) return installBackend(n);
  if (w) return installBackend(w);
  // Browsers may refuse synchronous compilation: switch to wasm when the async load lands.
  settled = wasmBackendReady().then((b) => { if (b && !chosen) installBackend(b); });
}
defaultBackend();
