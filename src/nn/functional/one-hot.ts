/**
 * F.oneHot: PyTorch's F.one_hot(input, num_classes=-1) → int32 (myelin's int64).
 */
import type { Tensor } from "../../core/tensor.js";
import { oneHot as oneHotOp } from "../../ops/indexing.js";
import type { PyArgs } from "../../ops/args.js";
import { FS } from "../../ops/nn/specs.js";

/** One-hot encodes int indices: [...] → [..., numClasses] (numClasses -1: max + 1). */
export function oneHot(x: Tensor, ...args: PyArgs<{ numClasses?: number }, typeof FS.oneHot.names>): Tensor {
  const { numClasses = -1 } = FS.oneHot.parse<{ numClasses?: number }>(args);
  return oneHotOp(x, numClasses);
}
