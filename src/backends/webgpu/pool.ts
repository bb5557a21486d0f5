/**
 * GPU buffer memory without dispose(): buffers are recycled through size classes
 * (1/8-octave steps, so at most 12.5% is wasted) and come back when the tensor
 * that owned them is garbage-collected (FinalizationRegistry).
 *
 * A released buffer is quarantined until the next submit: the commands still being
 * encoded may read it, and a `queue.writeBuffer` into a reused buffer would land
 * before those commands run (writeBuffer is ordered before the next submit, not
 * after the commands encoded so far). After a submit every later queue operation
 * is ordered after it, so the buffer is free to reuse.
 */
import { BufferUsage, type GPUBufferLike, type GPUDeviceLike } from "./gpu-types.js";

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Bytes a request of `bytes` is rounded up to (its size class). */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const step = 2 ** Math.max(8, Math.ceil(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

interface Kind { usage: number; free: Map<number, GPUBufferLike[]> }

const kinds = {
  storage: { usage: STORAGE_USAGE, free: new Map() } as Kind,
  uniform: { usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, free: new Map() } as Kind,
  staging: { usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, free: new Map() } as Kind,
};
export type BufferKind = keyof typeof kinds;

let liveBytes = 0;
let pooledBytes = 0;
/** Pooled bytes above which released buffers are destroyed instead of kept. */
let poolLimit = 2 ** 30;
let quarantine: [BufferKind, GPUBufferLike][] = [];

/** A buffer of at least `bytes` (its size class) of `kind`, from the pool when one is free. */
export function allocBuffer(device: GPUDeviceLike, bytes: number, kind: BufferKind = "storage"): GPUBufferLike {
  const size = sizeClass(bytes);
  const k = kinds[kind];
  const list = k.free.get(size);
  let buf = list?.pop();
  if (buf) pooledBytes -= size;
  else buf = device.createBuffer({ size, usage: k.usage });
  if (kind === "storage") liveBytes += size;
  return buf;
}

/** Whether commands are being encoded that are not submitted yet (set by commands.ts). */
let encoding: () => boolean = () => true;

/** @internal Tells the pool how to ask whether an unsubmitted batch is open. */
export function setEncodingProbe(probe: () => boolean): void {
  encoding = probe;
}

/**
 * Gives a buffer back: reusable at once when no batch is open (everything that could
 * read it is submitted, so later queue writes are ordered after it), otherwise after
 * the next submit (see the header).
 */
export function releaseBuffer(buf: GPUBufferLike, kind: BufferKind = "storage"): void {
  if (kind === "storage") liveBytes -= buf.size;
  pooledBytes += buf.size;
  quarantine.push([kind, buf]);
  if (!encoding()) afterSubmit();
}

/** Called right after each queue submit: quarantined buffers become reusable. */
export function afterSubmit(): void {
  const q = quarantine;
  quarantine = [];
  for (const [kind, buf] of q) {
    if (pooledBytes > poolLimit) {
      pooledBytes -= buf.size;
      buf.destroy();
      continue;
    }
    const free = kinds[kind].free;
    let list = free.get(buf.size);
    if (!list) free.set(buf.size, (list = []));
    list.push(buf);
  }
}

/** Destroys every pooled (not quarantined) buffer, as `torch.cuda.empty_cache()`. */
export function emptyCache(): void {
  for (const k of Object.values(kinds)) {
    for (const list of k.free.values()) for (const b of list) { pooledBytes -= b.size; b.destroy(); }
    k.free.clear();
  }
}

/** Sets the most bytes the pool keeps (default 1 GiB); returns the previous limit. */
export function setPoolLimit(bytes: number): number {
  if (!(Number.isFinite(bytes) && bytes >= 0)) throw new Error(`webgpu.setPoolLimit: bytes must be a finite number >= 0, got ${bytes}`);
  const old = poolLimit;
  poolLimit = bytes;
  return old;
}

/** Bytes held by live GPU tensors and bytes kept in the pool for reuse. */
export function memory(): { liveBytes: number; pooledBytes: number } {
  return { liveBytes, pooledBytes };
}

const collected = new FinalizationRegistry<GPUBufferLike>((buf) => releaseBuffer(buf));

/** Releases `buf` when `owner` (the storage object of a tensor) is garbage-collected. */
export function releaseWhenCollected(owner: object, buf: GPUBufferLike, token: object): void {
  collected.register(owner, buf, token);
}

/** Cancels `releaseWhenCollected` (the owner released the buffer itself). */
export function forgetOwner(token: object): void {
  collected.unregister(token);
}
