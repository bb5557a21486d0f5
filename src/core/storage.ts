/**
 * Device-aware storage: the memory a tensor's elements live in, shared by every view
 * of it (PyTorch's `UntypedStorage`). A tensor is storage + offset + shape + strides.
 * On "cpu" it is a TypedArray; a GPU storage (WebGPU, src/backends/webgpu/storage.ts)
 * implements the same class with `array === null` and an asynchronous `read`, so code
 * that needs bytes on the CPU either takes the synchronous `array` (and names the async
 * form when there is none) or awaits `read`. Kernels receive a device storage as a
 * {@link DeviceArray}, which only that device's backend unwraps.
 */
import type { DType, TypedArray } from "./dtype.js";

/** Devices a tensor can live on. */
export type Device = "cpu" | "webgpu";

/** Devices `to(...)` and creation options accept now ("webgpu" joins once `my.webgpu.init()` found an adapter). */
export const AVAILABLE_DEVICES: Device[] = ["cpu"];
const KNOWN_DEVICES: readonly string[] = ["cpu", "webgpu"];

/** The memory a tensor's elements live in, shared by all its views (PyTorch's `UntypedStorage`); {@link CpuStorage} on the CPU. */
export abstract class Storage {
  abstract readonly device: Device;
  abstract readonly dtype: DType;
  /** Number of elements. */
  abstract readonly length: number;
  /** The elements as a CPU TypedArray, or null where reading needs to wait (GPU). */
  abstract readonly array: TypedArray | null;
  /** Copies elements [start, start + n) to a new CPU array, waiting for the device if needed. */
  abstract read(start: number, n: number): Promise<TypedArray>;
  /** Size in bytes (PyTorch's `nbytes()`). */
  nbytes(): number {
    return this.length * BYTES[this.dtype];
  }
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** Storage in a CPU TypedArray (the array may be a window of a larger buffer). */
export class CpuStorage extends Storage {
  readonly device = "cpu" as const;
  constructor(readonly array: TypedArray, readonly dtype: DType) {
    super();
  }
  get length(): number {
    return this.array.length;
  }
  read(start: number, n: number): Promise<TypedArray> {
    return Promise.resolve(this.array.slice(start, start + n));
  }
}

/**
 * A window of a device storage standing where a kernel expects a TypedArray: the
 * backend of that device unwraps it (the device router sends every call holding one
 * there). It has a `length` but no elements: CPU code never reads it.
 */
export class DeviceArray {
  constructor(readonly storage: Storage, readonly offset: number, readonly length: number, readonly dtype: DType) {}
}

/** What a device other than the CPU provides to core: memory, and uploads from the CPU. */
export interface DeviceProvider {
  /** Storage for `n` elements of `dtype` (contents unspecified until a kernel writes them). */
  alloc(dtype: DType, n: number): Storage;
  /** A storage holding a copy of `data`. */
  fromCpu(data: TypedArray, dtype: DType): Storage;
  /** Writes CPU `data` into `dst` from element `offset` on (ordered after the work already queued). */
  write(dst: Storage, offset: number, data: TypedArray): void;
  /**
   * A check that cannot run synchronously on the device (an index out of range): the
   * next read of device memory throws `message` if element `offset` of `flag` is nonzero
   * (as CUDA's device-side asserts surface at the next synchronisation).
   */
  deferCheck(flag: Storage, offset: number, message: string): void;
}

const providers = new Map<Device, DeviceProvider>();

/** @internal Makes `device` available (called by `my.webgpu.init()` once it has an adapter). */
export function registerDevice(device: Device, p: DeviceProvider): void {
  providers.set(device, p);
  if (!AVAILABLE_DEVICES.includes(device)) AVAILABLE_DEVICES.push(device);
}

/** The provider of a non-CPU device; throws naming `op` when the device is not initialised. */
export function deviceProvider(device: Device, op: string): DeviceProvider {
  const p = providers.get(device);
  if (!p) throw new Error(`${op}: device "${device}" is not initialised; call await my.webgpu.init() first (it returns false where no adapter exists)`);
  return p;
}

/** Whether `s` names a device (known to myelin, available or not). */
export function isDeviceName(s: unknown): s is Device {
  return typeof s === "string" && KNOWN_DEVICES.includes(s);
}

/**
 * Checks a device argument of `op`: unknown strings and devices this build cannot
 * allocate on throw, naming the op, the argument and the allowed devices.
 */
export function checkDevice(d: unknown, op: string): Device {
  if (typeof d === "string" && (AVAILABLE_DEVICES as readonly string[]).includes(d)) return d as Device;
  const allowed = AVAILABLE_DEVICES.map((x) => JSON.stringify(x)).join(", ");
  if (d === "webgpu") {
    throw new Error(`${op}: device "webgpu" is not initialised (call await my.webgpu.init() first); allowed devices: ${allowed}`);
  }
  const hint = d === "cuda" || d === "mps" ? ` (myelin's GPU device is "webgpu")` : "";
  throw new Error(`${op}: unknown device ${JSON.stringify(d)}${hint}; allowed devices: ${allowed}`);
}
