/**
 * Global (readout) pooling of node features into one row per graph, PyG's
 * `global_add_pool` / `global_mean_pool` / `global_max_pool`: `batch` [N] (int32)
 * assigns each node to a graph 0..B-1, as a mini-batch of graphs stacks them.
 */
import type { Tensor } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { scatter, type GraphReduce } from "../../ops/nn/graph-utils.js";
import { readData } from "../../ops/data.js";

function pool(x: Tensor, batch: Tensor | null | undefined, size: number | undefined, reduce: GraphReduce, op: string): Tensor {
  if (x.ndim < 1) throw new Error(`${op}: expected node features x of shape [N, F], got ${fmtShape(x.shape)}`);
  if (batch === null || batch === undefined) {
    // One graph: reduce over the node dim, keeping it when x has <= 2 dims, as PyG does.
    const dim = x.ndim === 1 ? -1 : -2, keep = x.ndim <= 2;
    return reduce === "sum" ? x.sum(dim, keep) : reduce === "mean" ? x.mean(dim, keep) : x.amax(dim, keep);
  }
  if (batch.dtype !== "int32" || batch.ndim !== 1 || batch.shape[0] !== x.shape[0]) {
    throw new Error(`${op}: batch must be an int32 tensor [N] = [${x.shape[0]}] (one graph id per node of x ${fmtShape(x.shape)}), got ${batch.dtype} ${fmtShape(batch.shape)}`);
  }
  const b = readData(batch) as Int32Array;
  let max = -1;
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0) throw new RangeError(`${op}: batch[${i}] = ${b[i]} is negative; graph ids must be >= 0`);
    if (b[i] > max) max = b[i];
  }
  const n = size ?? max + 1;
  if (max >= n) throw new RangeError(`${op}: batch holds graph id ${max}, out of range for size ${n}`);
  return scatter(x, batch, { dimSize: n, reduce });
}

/**
 * Sum of each graph's node features: x [N, F], batch [N] → [B, F] (B = size or
 * max(batch) + 1); without batch, all nodes form one graph → [1, F].
 * @example nn.globalAddPool(h, batch) // [numGraphs, F]
 */
export function globalAddPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  return pool(x, batch, size, "sum", "globalAddPool");
}

/** Mean of each graph's node features (0 for a graph with no nodes); see `globalAddPool`. */
export function globalMeanPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  return pool(x, batch, size, "mean", "globalMeanPool");
}

/** Feature-wise max over each graph's nodes (0 for a graph with no nodes); see `globalAddPool`. */
export function globalMaxPool(x: Tensor, batch?: Tensor | null, size?: number): Tensor {
  return pool(x, batch, size, "max", "globalMaxPool");
}
