/**
 * Device-aware storage: the memory a tensor's elements live in, shared by every view
 * of it (PyTorch's `UntypedStorage`). A tensor is storage + offset + shape + strides.
 * Today the only device is "cpu" (a TypedArray). A GPU storage (WebGPU) implements the
 * same class with `array === null` and an asynchronous `read`, so code that needs
 * bytes on the CPU either takes the synchronous `array` (and names the async form when
 * there is none) or awaits `read`.
 */
import type { DType, TypedArray } from "./dtype.js";

/** Devices a tensor can live on. Only "cpu" has a storage today. */
export type Device = "cpu" | "webgpu";

/** Devices `to(...)` and creation options accept in this build. */
export const AVAILABLE_DEVICES: readonly Device[] = ["cpu"];
const KNOWN_DEVICES: readonly string[] = ["cpu", "webgpu"];

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
    throw new Error(`${op}: device "webgpu" has no storage in this build yet; allowed devices: ${allowed}`);
  }
  const hint = d === "cuda" || d === "mps" ? ` (myelin's GPU device is "webgpu")` : "";
  throw new Error(`${op}: unknown device ${JSON.stringify(d)}${hint}; allowed devices: ${allowed}`);
}
