/**
 * The documented way for code outside src/core and src/ops (optimizers, nn.init, losses,
 * data transforms, io, metrics) to reach a tensor's elements as a TypedArray: nothing
 * there touches `Tensor._data` (test/layering.test.ts enforces it). Both accessors are
 * zero-copy for a contiguous CPU tensor and go through the device check, so a tensor
 * whose memory cannot be read synchronously (a GPU's) throws, naming the async form,
 * instead of handing out stale or empty memory.
 */
import type { TypedArray } from "../core/dtype.js";
import type { Tensor } from "../core/tensor.js";

/**
 * The elements in row-major order, for reading only: a window of the storage when the
 * tensor is contiguous (so a write through it would change the tensor behind autograd's
 * back), a cached gathered copy for a non-contiguous view. Throws for a tensor on a device
 * whose memory cannot be read synchronously.
 */
export function readData(t: Tensor): TypedArray {
  return t._data;
}

/**
 * The storage window of a contiguous CPU tensor, for writing in place (an optimizer step,
 * an init fill, a freshly made output). Throws when writes could not reach the tensor: a
 * non-contiguous view (its elements are gathered into a copy) or a device whose memory the
 * CPU cannot write. The caller bumps the version (`t._bump()`) where autograd must see
 * the write, as an in-place op does.
 */
export function mutableData(t: Tensor, op: string): TypedArray {
  const a = t._arr;
  if (a !== null) return a;
  if (t._storage.array === null) {
    throw new Error(`${op}: the tensor is on device "${t.device}", whose memory the CPU cannot write in place; move it with .to("cpu") first`);
  }
  throw new Error(`${op}: needs a contiguous tensor to write in place, got a non-contiguous view of shape [${t.shape.join(", ")}]; call .contiguous() first`);
}

/**
 * What a backend kernel takes for `t` on any device: its elements on the CPU (as
 * readData), a device window on a GPU (only that device's kernels can use it: optimizer
 * steps pass it to the fused update, never to a CPU loop).
 */
export function kernelData(t: Tensor): TypedArray {
  return t._buf;
}
