/**
 * Backend selection: which kernel set runs now (`my.backend()`, `my.setBackend`) and
 * how many threads big kernels may use (`my.setNumThreads`). At load the wasm backend
 * is installed when the runtime validates the SIMD kernels (relaxed-SIMD FMA build
 * preferred), else the JS reference stays. MYELIN_BACKEND=js forces JS in Node.
 */
import { B, installBackend } from "./backend.js";
import { jsBackend } from "./js/index.js";
import { getWasmThreads, setWasmThreads, wasmBackend } from "./wasm/index.js";

/** Backend names `setBackend` accepts. */
export type BackendName = "js" | "wasm";

/**
 * Name of the backend kernels run on ("wasm" or "js").
 * @example my.backend() // "wasm"
 */
export function backend(): string {
  return B().name;
}

/**
 * Switches the kernel set for all later ops. "wasm" throws when this runtime cannot
 * run WebAssembly SIMD with shared memory.
 * @example my.setBackend("js")
 */
export function setBackend(name: BackendName): void {
  if (name === "js") return installBackend(jsBackend);
  if (name === "wasm") {
    const w = wasmBackend();
    if (!w) throw new Error('setBackend: the "wasm" backend is unavailable here (needs WebAssembly SIMD and SharedArrayBuffer); use "js"');
    return installBackend(w);
  }
  throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; expected "js" or "wasm"`);
}

/**
 * Sets how many threads big kernels (large matmuls) may use, the calling thread
 * included. Default: the machine's core count. Results do not depend on it.
 * @example my.setNumThreads(1)
 */
export function setNumThreads(n: number): void {
  setWasmThreads(n);
}

/** Threads big kernels may use (see setNumThreads). */
export function getNumThreads(): number {
  return getWasmThreads();
}

function defaultBackend(): void {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (p?.env?.MYELIN_BACKEND === "js") return;
  const w = wasmBackend();
  if (w) installBackend(w);
}
defaultBackend();
