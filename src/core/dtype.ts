/**
 * Data types, their storage arrays, and PyTorch's type-promotion rules.
 */
export type DType = "float32" | "float64" | "int32" | "bool";
/** The storage array of each dtype: float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, bool → Uint8Array (0/1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * The largest single tensor allocation allowed while `withAllocationLimit` runs (the
 * ONNX importer's byte budget), and what to throw past it. Infinity outside it.
 */
let limitBytes = Infinity;
let overLimit: (bytes: number) => never = () => { throw new RangeError("allocation over the limit"); };

/**
 * Runs `fn` with tensor storage allocations above `maxBytes` refused: `onOver(bytes)`
 * throws instead of allocating. Nests (the inner limit applies, the outer is restored).
 */
export function withAllocationLimit<T>(maxBytes: number, onOver: (bytes: number) => never, fn: () => T): T {
  const prev = limitBytes, prevOver = overLimit;
  limitBytes = maxBytes;
  overLimit = onOver;
  try {
    return fn();
  } finally {
    limitBytes = prev;
    overLimit = prevOver;
  }
}

/** Allocates a zero-filled storage array of `n` elements for `dtype`. */
export function allocArray(dtype: DType, n: number): TypedArray {
  if (n * BYTES[dtype] > limitBytes) overLimit(n * BYTES[dtype]);
  switch (dtype) {
    case "float32": return new Float32Array(n);
    case "float64": return new Float64Array(n);
    case "int32": return new Int32Array(n);
    case "bool": return new Uint8Array(n);
  }
}

type UnsafeAlloc = (bytes: number) => Uint8Array;
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow?: UnsafeAlloc } }).Buffer;
const allocUnsafe: UnsafeAlloc | null = typeof nodeBuffer?.allocUnsafeSlow === "function" ? nodeBuffer.allocUnsafeSlow.bind(nodeBuffer) : null;
/** Below this many bytes a zeroed TypedArray costs no more than an uninitialised one. */
const UNINIT_MIN_BYTES = 16384;

/**
 * Storage for a kernel output the kernel overwrites in full. In Node, large arrays come
 * from Buffer.allocUnsafeSlow (own ArrayBuffer at offset 0, not zero-filled), skipping a
 * memset of memory the kernel writes anyway; elsewhere, and for small arrays, allocArray.
 * Only for outputs every element of which the kernel is documented to write.
 */
export function allocUninit(dtype: DType, n: number): TypedArray {
  const bytes = n * BYTES[dtype];
  if (allocUnsafe === null || bytes < UNINIT_MIN_BYTES || bytes > limitBytes) return allocArray(dtype, n);
  const buf = allocUnsafe(bytes).buffer as ArrayBuffer;
  switch (dtype) {
    case "float32": return new Float32Array(buf, 0, n);
    case "float64": return new Float64Array(buf, 0, n);
    case "int32": return new Int32Array(buf, 0, n);
    case "bool": return new Uint8Array(buf, 0, n);
  }
}

/** The dtype whose storage is `arr`. */
export function dtypeOfArray(arr: TypedArray): DType {
  if (arr instanceof Float32Array) return "float32";
  if (arr instanceof Float64Array) return "float64";
  if (arr instanceof Int32Array) return "int32";
  return "bool";
}

/** Whether `d` is a floating-point dtype (float32 or float64). */
export function isFloating(d: DType): boolean {
  return d === "float32" || d === "float64";
}

export function checkDType(d: unknown, where: string): DType {
  if (d === "float32" || d === "float64" || d === "int32" || d === "bool") return d;
  const hint = d === "int64" || d === "long" ? ' (myelin uses "int32" where PyTorch uses int64)' : "";
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(d)}; expected "float32", "float64", "int32" or "bool"${hint}`);
}

/** PyTorch's promotion between two tensors' dtypes (both dimensioned). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Promotion of a tensor dtype with a JS number (PyTorch's "wrapped number" rule):
 * a number never raises the tensor's category width, only its category
 * (bool -> int -> float).
 */
export function promoteWithScalar(d: DType, v: number | boolean): DType {
  if (typeof v === "boolean") return d;
  if (!Number.isInteger(v) || !Number.isFinite(v)) return isFloating(d) ? d : "float32";
  return d === "bool" ? "int32" : d;
}

/** The dtype a JS number/boolean literal gets when made into a tensor on its own. */
export function scalarDType(v: number | boolean): DType {
  return typeof v === "boolean" ? "bool" : "float32";
}
