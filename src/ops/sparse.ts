/**
 * Sparse COO tensors, enough for graph convolutions: `sparseCooTensor(indices,
 * values, size)`, `t.toSparse()`, `s.toDense()`, and `sparse.mm(s, dense)`, which
 * costs O(nnz · columns) (gather the dense rows each entry needs, scale, add them
 * into their output rows) and is differentiable in the dense operand and the values.
 */
import { Tensor } from "../core/tensor.js";
import { fmtShape } from "../core/shape.js";
import { zeros } from "./creation.js";
import { indexAdd, indexSelect, nonzero } from "./indexing.js";
import { argSpec, type PyArgs } from "./args.js";
import { indexPut } from "./index-put.js";
import "./shape.js";
import "./elementwise.js";

type SparseOpts = { size?: readonly number[]; dtype?: "float32" | "float64"; requiresGrad?: boolean };
const S = {
  sparseCooTensor: argSpec("my.sparseCooTensor", 2, ["size", "*", "dtype", "device", "requiresGrad"]),
};

/** A COO sparse tensor: `indices` int32 [ndim, nnz], `values` [nnz], dense `shape`. Duplicates add up. */
export class SparseTensor {
  constructor(readonly indices: Tensor, readonly values: Tensor, readonly shape: readonly number[]) {}

  get ndim(): number {
    return this.shape.length;
  }

  get dtype(): Tensor["dtype"] {
    return this.values.dtype;
  }

  /** Number of stored entries (PyTorch's `_nnz()`). */
  nnz(): number {
    return this.values.shape[0];
  }

  /** The dense tensor (duplicate entries summed, as PyTorch). Differentiable in the values. */
  toDense(): Tensor {
    const cols = Array.from({ length: this.ndim }, (_, d) => this.indices.select(0, d));
    return indexPut(zeros([...this.shape], { dtype: this.values.dtype }), cols, this.values, true);
  }

  toString(): string {
    return `SparseTensor(shape=${fmtShape(this.shape)}, nnz=${this.nnz()}, dtype=${this.dtype})`;
  }
}

/** PyTorch's `torch.sparse_coo_tensor(indices, values, size?)`; size defaults to max index + 1 per dim. */
export function sparseCooTensor(indices: Tensor, values: Tensor | readonly number[], ...args: PyArgs<SparseOpts, typeof S.sparseCooTensor.names>): SparseTensor {
  const o = S.sparseCooTensor.parse<SparseOpts>(args);
  if (!(indices instanceof Tensor) || indices.dtype !== "int32" || indices.ndim !== 2) {
    throw new TypeError(`my.sparseCooTensor: argument 'indices' must be an int32 tensor [ndim, nnz], got ${indices instanceof Tensor ? `${indices.dtype} ${fmtShape(indices.shape)}` : typeof indices}`);
  }
  let v = values instanceof Tensor ? values : new Tensor(Float32Array.from(values), [values.length], "float32");
  if (o.dtype && v.dtype !== o.dtype) v = v.to(o.dtype);
  if (o.requiresGrad) v.requiresGrad_(true);
  if (v.ndim !== 1 || v.shape[0] !== indices.shape[1]) {
    throw new Error(`my.sparseCooTensor: values of shape ${fmtShape(v.shape)} do not match ${indices.shape[1]} indices`);
  }
  const nd = indices.shape[0];
  const size = o.size ? [...o.size] : Array.from({ length: nd }, (_, d) => (indices.shape[1] ? indices.select(0, d).max().item() + 1 : 0));
  if (size.length !== nd) throw new Error(`my.sparseCooTensor: size ${fmtShape(size)} has ${size.length} dims, indices have ${nd}`);
  for (let d = 0; d < nd; d++) {
    const row = indices.select(0, d);
    if (indices.shape[1] && (row.min().item() < 0 || row.max().item() >= size[d])) {
      throw new RangeError(`my.sparseCooTensor: an index in dim ${d} is outside [0, ${size[d]})`);
    }
  }
  return new SparseTensor(indices, v, size);
}

/** sparse [n, m] @ dense [m, k] → dense [n, k]; gradients flow to the dense operand and the values. */
function mm(a: SparseTensor, b: Tensor): Tensor {
  if (!(a instanceof SparseTensor) || a.ndim !== 2) throw new TypeError("sparse.mm: the first operand must be a 2-D SparseTensor");
  if (!(b instanceof Tensor) || b.ndim !== 2 || b.shape[0] !== a.shape[1]) {
    throw new Error(`sparse.mm: cannot multiply ${fmtShape(a.shape)} by ${b instanceof Tensor ? fmtShape(b.shape) : typeof b}`);
  }
  const rows = a.indices.select(0, 0), cols = a.indices.select(0, 1);
  const contrib = indexSelect(b, 0, cols).mul(a.values.to(b.dtype).unsqueeze(1));
  return indexAdd(zeros([a.shape[0], b.shape[1]], { dtype: b.dtype }), 0, rows, contrib);
}

/** `my.sparse`: PyTorch's `torch.sparse` functions. */
export const sparse = { mm };

declare module "../core/tensor.js" {
  interface Tensor {
    /** The COO form of this dense tensor (its nonzero entries). */
    toSparse(): SparseTensor;
  }
}

Tensor.prototype.toSparse = function (this: Tensor): SparseTensor {
  const nz = nonzero(this);
  const idx = nz.t().contiguous();
  const cols = Array.from({ length: this.ndim }, (_, d) => nz.select(1, d));
  const flatIdx = cols.reduce<Tensor | null>((acc, c, d) => (acc === null ? c : acc.mul(this.shape[d]).add(c)), null);
  const values = flatIdx === null ? this.reshape(-1) : indexSelect(this.reshape(-1), 0, flatIdx);
  return new SparseTensor(idx, values, this.shape.slice());
};
