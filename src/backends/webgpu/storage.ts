/**
 * The storage of a tensor on the "webgpu" device: one GPU buffer of 32-bit words
 * (float32 as f32, int32 as i32, bool as a u32 0/1 per element, since WGSL has no
 * byte-wide storage), allocated from the pool on first use and released to it when the
 * storage is garbage-collected. It has no synchronous `array`; `read` waits for the GPU.
 *
 * A kernel that returns a fresh buffer hands it to the output storage (`adopt`) instead
 * of copying it: most op outputs are new tensors whose storage has no buffer yet.
 */
import { Storage, type DeviceProvider } from "../../core/storage.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { allocBuffer, forgetOwner, releaseBuffer, releaseWhenCollected } from "./pool.js";
import { overwrite, readBuffer, upload } from "./commands.js";
import { fillGPU } from "./kernels/index-ops.js";
import { gpuDevice } from "./runtime.js";
import type { GPUBufferLike } from "./gpu-types.js";

/** Storage in a GPU buffer; see the file header. */
export class GpuStorage extends Storage {
  readonly device = "webgpu" as const;
  readonly array = null;
  private _buffer: GPUBufferLike | null = null;
  /** Unregisters the finaliser when the buffer is swapped. */
  private readonly token = {};

  constructor(readonly dtype: DType, readonly length: number, buffer: GPUBufferLike | null = null) {
    super();
    if (dtype === "float64") throw new Error(`webgpu: float64 has no GPU storage; convert with to("float32") first`);
    if (buffer) this.attach(buffer);
  }

  /** The buffer, allocated (and zeroed, as a CPU allocation is) on first use. */
  get buffer(): GPUBufferLike {
    if (this._buffer === null) {
      this.attach(allocBuffer(gpuDevice("webgpu alloc"), 4 * Math.max(1, this.length)));
      fillGPU(this._buffer!, 0, this.length);
    }
    return this._buffer!;
  }

  /** Whether a buffer exists yet (a fresh output has none until a kernel hands it one). */
  get hasBuffer(): boolean {
    return this._buffer !== null;
  }

  /** Takes `buf` (a kernel's fresh result holding all `length` elements) as this storage's buffer. */
  adopt(buf: GPUBufferLike): void {
    if (this._buffer !== null) {
      forgetOwner(this.token);
      releaseBuffer(this._buffer);
    }
    this.attach(buf);
  }

  private attach(buf: GPUBufferLike): void {
    this._buffer = buf;
    releaseWhenCollected(this, buf, this.token);
  }

  async read(start: number, n: number): Promise<TypedArray> {
    await runDeferredChecks();
    if (n === 0 || this._buffer === null) return fromWords(new Uint32Array(n), this.dtype);
    const bytes = await readBuffer("dataAsync", this._buffer, 4 * n, 4 * start);
    return fromWords(new Uint32Array(bytes), this.dtype);
  }
}

/** 32-bit words as a CPU array of `dtype` (bool words become bytes). */
function fromWords(w: Uint32Array, dtype: DType): TypedArray {
  if (dtype === "float32") return new Float32Array(w.buffer, w.byteOffset, w.length);
  if (dtype === "int32") return new Int32Array(w.buffer, w.byteOffset, w.length);
  if (dtype === "bool") return Uint8Array.from(w, (v) => (v !== 0 ? 1 : 0));
  throw new Error(`webgpu: no GPU layout for dtype ${dtype}`);
}

/** A CPU array as the 32-bit words the GPU storage holds. */
function toWords(a: TypedArray, dtype: DType): ArrayBufferView {
  if (dtype === "bool") return Uint32Array.from(a as Uint8Array, (v) => (v !== 0 ? 1 : 0));
  if (dtype === "float64") throw new Error(`webgpu: float64 has no GPU storage; convert with to("float32") first`);
  return a;
}

/** Checks waiting for the next read: a flag word (nonzero = failed) and the Error's message. */
let deferred: { flag: GpuStorage; offset: number; message: string }[] = [];

/** Reads every deferred check's flag and throws the first that failed (all are consumed). */
async function runDeferredChecks(): Promise<void> {
  if (deferred.length === 0) return;
  const checks = deferred;
  deferred = [];
  for (const c of checks) {
    const w = new Uint32Array(await readBuffer("check", c.flag.buffer, 4, 4 * c.offset));
    if (w[0] !== 0) throw new Error(c.message);
  }
}

/** What core needs from the device: memory, uploads, writes (registered by `my.webgpu.init()`). */
export const webgpuProvider: DeviceProvider = {
  alloc: (dtype, n) => new GpuStorage(dtype, n),
  fromCpu: (data, dtype) => new GpuStorage(dtype, data.length, upload("to(\"webgpu\")", toWords(data, dtype))),
  write: (dst, offset, data) => overwrite("in-place write", (dst as GpuStorage).buffer, toWords(data, dst.dtype), 4 * offset),
  deferCheck: (flag, offset, message) => { deferred.push({ flag: flag as GpuStorage, offset, message }); },
};
