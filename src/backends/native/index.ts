/**
 * The optional native backend (Node only): loads the N-API addon built from
 * native/*.cc at install time, if any, and overrides the float32 GEMM with its
 * packed AVX2/FMA kernel. Everything else falls through to the base backend.
 */
import type { Backend } from "../backend.js";

/** The addon's surface (see native/addon.cc). */
export interface NativeAddon {
  sgemm(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, aStride: number, bStride: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cpuFeatures(): string;
}

let addon: NativeAddon | null | undefined;
let loadError = "";

/** Loads the addon once; null when it was not built or cannot load here. */
export async function loadNativeAddon(): Promise<NativeAddon | null> {
  if (addon !== undefined) return addon;
  addon = null;
  const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;
  if (!proc?.versions?.node || proc.env?.MYELIN_NO_NATIVE) return addon;
  try {
    const { createRequire } = await import("node:module");
    const { fileURLToPath } = await import("node:url");
    const { join, dirname } = await import("node:path");
    const { existsSync } = await import("node:fs");
    const here = dirname(fileURLToPath(import.meta.url));
    // src/backends/native or dist/backends/native → package root.
    const file = join(here, "..", "..", "..", "native", "build", "Release", "myelin_native.node");
    if (!existsSync(file)) {
      loadError = "not built";
      return addon;
    }
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    loadError = (e as Error).message;
    addon = null;
  }
  return addon;
}

/** Why the addon is unavailable ("" when it loaded or was not tried). */
export function nativeLoadError(): string {
  return loadError;
}

// Below this many multiply-adds the N-API call (~130 ns) costs more than it saves.
const MIN_MACS = 4096;

/** Wraps `base`, routing float32 GEMMs to the addon. */
export function makeNativeBackend(base: Backend, native: NativeAddon): Backend {
  return {
    ...base,
    name: "native",
    matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride) {
      if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array && batch * m * n * k >= MIN_MACS) {
        native.sgemm(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
      } else {
        base.matmul(a, b, out, batch, m, n, k, transA, transB, aStride, bStride);
      }
    },
  };
}
