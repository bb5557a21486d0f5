/**
 * The WebAssembly runtime behind the wasm backend: picks the kernel build the engine
 * validates (relaxed-SIMD FMA, else plain SIMD), instantiates it on one shared
 * `WebAssembly.Memory`, and manages that memory as a reusable arena. Tensors keep
 * their own JS TypedArrays; kernels copy operands in and results out, so the arena
 * only ever grows to the largest single call and memory stays flat across steps.
 */
import * as binaries from "./generated/binaries.js";
import { OP_TABLE_HASH } from "../ops.generated.js";

/** The kernel exports of assembly/index.ts (pointers are byte offsets into the shared memory). */
export interface Kernels {
  sgemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number,
    aStride: number, bStride: number, b0: number, b1: number, m0: number, m1: number, n0: number, n1: number, scratch: number): void;
  gemmScratchBytes(): number;
  unaryF32(op: number, x: number, out: number, n: number): void;
  binaryF32(op: number, a: number, sa0: number, sa1: number, b: number, sb0: number, sb1: number, out: number, n0: number, n1: number): void;
  reduceF32(op: number, x: number, outer: number, r: number, inner: number, out: number): void;
  lstmCellF32(gates: number, cPrev: number, n: number, H: number, hOut: number, cOut: number, xAdd: number): void;
  lstmCellBackwardF32(act: number, cPrev: number, c: number, gh: number, gc: number, n: number, H: number, dGates: number, dcPrev: number, gh2: number): void;
  im2colF32(x: number, n: number, C: number, H: number, W: number, kH: number, kW: number, padT: number, padL: number,
    sH: number, sW: number, dH: number, dW: number, oH: number, oW: number, out: number): void;
  col2imF32(cols: number, n: number, C: number, H: number, W: number, kH: number, kW: number, padT: number, padL: number,
    sH: number, sW: number, dH: number, dW: number, oH: number, oW: number, out: number): void;
  maxPool2dF32(x: number, planes: number, H: number, W: number, oH: number, oW: number,
    hs: number, he: number, ws: number, we: number, dH: number, dW: number, out: number, idx: number): void;
  maxPool2x2F32(x: number, planes: number, H: number, W: number, oH: number, oW: number, out: number, idx: number): void;
  adamF32(p: number, g: number, m: number, v: number, vmax: number, n: number,
    b1: number, b2: number, c1: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number, sign: number, l2: number, decay: number): void;
  softmaxF32(x: number, rows: number, cols: number, scale: number, causalL: number, log: number, out: number): void;
  softmaxBackwardF32(y: number, g: number, rows: number, cols: number, scale: number, log: number, out: number): void;
  bernoulliMaskF32(state: number, threshold: number, keep: number, out: number, n: number): void;
  layerNormF32(x: number, w: number, b: number, rows: number, D: number, eps: number, out: number, mean: number, rstd: number): void;
  layerNormBackwardF32(x: number, w: number, mean: number, rstd: number, g: number, rows: number, D: number, dx: number, dw: number, db: number): void;
  reluBackwardF32(x: number, g: number, out: number, n: number): void;
  depthwiseF32(mode: number, x: number, w: number, bias: number, gy: number, out: number, n: number, geom: number, acc: number): void;
  clampF32(x: number, lo: number, hi: number, out: number, n: number): void;
  hardtanhBackwardF32(x: number, g: number, lo: number, hi: number, out: number, n: number): void;
  gruCellF32(gx: number, gh: number, hPrev: number, n: number, H: number, hOut: number, act: number): void;
}

/** Which kernel build is running: "relaxed" (FMA) or "simd" (mul+add). */
export type WasmVariant = "relaxed" | "simd";

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Bytes kept free at address 0 so a null pointer never aliases data. */
const RESERVED = 1024;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return Uint8Array.from(B.from(s, "base64"));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function envPreference(): string {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return (p?.env?.MYELIN_WASM ?? "").toLowerCase();
}

/**
 * Node 20 ships relaxed SIMD (standardised in Wasm 3.0, on by default from Node 22)
 * behind --experimental-wasm-relaxed-simd. Turning that V8 flag on at run time, before
 * the first compile, gives the FMA kernels (~20% faster GEMM) without asking users for a
 * command-line flag. Returns whether the flag could be set (false in browsers).
 */
function enableRelaxedSimdFlag(): boolean {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const v8 = p?.getBuiltinModule?.("node:v8") as { setFlagsFromString?(flags: string): void } | undefined;
  if (!v8?.setFlagsFromString) return false;
  try { v8.setFlagsFromString("--experimental-wasm-relaxed-simd"); return true; } catch { return false; }
}

/** A loaded runtime: the module (to share with workers), its memory, kernels and arena. */
export interface Runtime {
  variant: WasmVariant;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Whether the memory is shared (required for the worker pool). */
  shared: boolean;
  k: Kernels;
  /** Float32 view of the whole memory; refreshed by `ensure` after growth. */
  f32: Float32Array;
  /** Bytes of gemm packing scratch each thread owns. */
  scratchBytes: number;
  /** Number of thread scratch regions laid out before the data region. */
  scratchSlots: number;
}

let rt: Runtime | null | undefined;
let pending: Promise<Runtime | null> | null = null;

function readLeb(b: Uint8Array, p: number): [number, number] {
  let v = 0, shift = 0, byte: number;
  do { byte = b[p++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [v, p];
}

/**
 * Copy of a module whose memory import is declared unshared (limits flag 0x03 -> 0x01),
 * for pages without cross-origin isolation where shared memory is unavailable; the
 * kernels use no atomics, so they run unchanged (without the worker pool).
 */
export function unshareMemoryImport(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> | null {
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const [size, start] = readLeb(bytes, p + 1);
    if (id === 2) {
      let [count, q] = readLeb(bytes, start);
      for (; count > 0; count--) {
        let len: number;
        [len, q] = readLeb(bytes, q); q += len;
        [len, q] = readLeb(bytes, q); q += len;
        const kind = bytes[q++];
        if (kind === 0) [, q] = readLeb(bytes, q);
        else if (kind === 1 || kind === 2) {
          if (kind === 1) q++;
          const flag = bytes[q];
          if (kind === 2) {
            if (!(flag & 2)) return bytes;
            const copy = bytes.slice();
            copy[q] = flag & ~2;
            return copy;
          }
          [, q] = readLeb(bytes, q + 1);
          if (flag & 1) [, q] = readLeb(bytes, q);
        } else if (kind === 3) q += 2;
        else return null;
      }
      return null;
    }
    p = start + size;
  }
  return null;
}

function makeRuntime(variant: WasmVariant, module: WebAssembly.Module, memory: WebAssembly.Memory, inst: WebAssembly.Instance, shared: boolean): Runtime {
  const k = inst.exports as unknown as Kernels;
  return { variant, module, memory, shared, k, f32: new Float32Array(memory.buffer), scratchBytes: align64(k.gemmScratchBytes()), scratchSlots: 0 };
}

/**
 * Loads the kernels once. Compiles synchronously where the engine allows it (Node,
 * workers); where it refuses (a browser main thread may cap synchronous compiles) it
 * compiles asynchronously and returns null until `runtimeReady()` resolves. Returns
 * null when WebAssembly SIMD is unavailable or MYELIN_WASM=off. Shared memory (and so
 * the worker pool) is used when the page/runtime allows it, else unshared memory.
 */
export function loadRuntime(): Runtime | null {
  if (rt !== undefined) return rt;
  if (pending) return null;
  rt = null;
  // Kernels from another op table would run other ops under these codes: refuse them loudly.
  const built = (binaries as { opTableHash?: string }).opTableHash;
  if (built !== OP_TABLE_HASH) {
    throw new Error(`myelin: the wasm kernels were built from another op table (${built ?? "none"}, the sources say ${OP_TABLE_HASH}); run npm run build:wasm`);
  }
  const { relaxedWasm, simdWasm } = binaries;
  const pref = envPreference();
  if (pref === "off" || typeof WebAssembly === "undefined") return rt;
  let variant: WasmVariant | null = null;
  let bytes: Uint8Array<ArrayBuffer> | null = null;
  let memory: WebAssembly.Memory;
  let shared = true;
  try {
    const relaxed = decodeBase64(relaxedWasm);
    const simd = decodeBase64(simdWasm);
    if (pref !== "simd" && (WebAssembly.validate(relaxed) || (enableRelaxedSimdFlag() && WebAssembly.validate(relaxed)))) { variant = "relaxed"; bytes = relaxed; }
    else if (WebAssembly.validate(simd)) { variant = "simd"; bytes = simd; }
    if (!variant || !bytes) return rt;
    const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
    try {
      if (p?.env?.MYELIN_WASM_THREADS === "off") throw new Error("shared memory disabled");
      memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    } catch {
      shared = false;
      bytes = unshareMemoryImport(bytes);
      if (!bytes) return rt;
      memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    }
  } catch {
    return rt;
  }
  const imports = { env: { memory } };
  try {
    const module = new WebAssembly.Module(bytes);
    rt = makeRuntime(variant, module, memory, new WebAssembly.Instance(module, imports), shared);
  } catch {
    // Synchronous compilation refused: compile in the background.
    rt = undefined;
    const v = variant;
    pending = WebAssembly.compile(bytes)
      .then(async (module) => { rt = makeRuntime(v, module, memory, await WebAssembly.instantiate(module, imports), shared); return rt; })
      .catch(() => (rt = null));
  }
  return rt ?? null;
}

/** Resolves with the runtime once loaded (immediately when synchronous loading worked). */
export function runtimeReady(): Promise<Runtime | null> {
  const r = loadRuntime();
  return r || !pending ? Promise.resolve(r) : pending;
}

/** Byte offset of thread `t`'s gemm scratch (slots are laid out lazily, see `dataBase`). */
export function scratchPtr(r: Runtime, t: number): number {
  return RESERVED + t * r.scratchBytes;
}

/** Makes room for `slots` thread scratch regions (the data region moves up on the next call). */
export function reserveScratch(r: Runtime, slots: number): void {
  if (slots > r.scratchSlots) r.scratchSlots = slots;
}

/**
 * Returns the byte offset of a data region of `bytes` bytes (after the scratch
 * regions), growing the memory when needed. The region is reused by every call,
 * so its contents are only valid until the next kernel call.
 */
export function dataRegion(r: Runtime, bytes: number): number {
  const base = RESERVED + Math.max(1, r.scratchSlots) * r.scratchBytes;
  const need = base + bytes;
  const have = r.f32.byteLength;
  if (need > have) {
    const pages = Math.ceil((need - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`wasm backend: a kernel needs ${need} bytes, more than the 4 GiB wasm memory`);
    r.memory.grow(pages);
    r.f32 = new Float32Array(r.memory.buffer);
  }
  return base;
}

/** Rounds a byte count up to 64 (cache line / v128 alignment). */
export function align64(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
