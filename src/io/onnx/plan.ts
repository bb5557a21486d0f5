/**
 * An execution plan over an imported graph's node order (issue #21), computed once at
 * import: where each value is read for the last time, so forward drops intermediate
 * tensors as soon as nothing reads them (peak memory and garbage-collector work of a
 * deep network stay at a few activations instead of all of them), and the
 * Sigmoid → Mul(x, sigmoid(x)) pairs torch.onnx.export writes for SiLU (opset < 14 has
 * no op for it), which run as one fused silu kernel.
 */
import type { NodeProto } from "./proto.js";

export interface GraphPlan {
  /** Per node index: the values it reads for the last time (not graph outputs). */
  readonly release: string[][];
  /** Sigmoid nodes whose only reader is a Mul fused into silu (skipped). */
  readonly skip: Set<number>;
  /** Mul node index -> the name of x, for Mul(x, Sigmoid(x)) computed as silu(x). */
  readonly silu: Map<number, string>;
}

export function planGraph(order: readonly NodeProto[], outputs: readonly string[]): GraphPlan {
  const keep = new Set(outputs);
  const readers = new Map<string, number[]>();
  order.forEach((n, i) => n.input.forEach((v) => { if (v !== "") readers.set(v, [...(readers.get(v) ?? []), i]); }));
  const skip = new Set<number>(), silu = new Map<number, string>();
  order.forEach((n, i) => {
    if (n.opType !== "Sigmoid" || n.input.length !== 1 || n.output.length !== 1 || keep.has(n.output[0])) return;
    const r = readers.get(n.output[0]) ?? [];
    if (r.length !== 1) return;
    const m = order[r[0]], x = n.input[0], s = n.output[0];
    if (m.opType !== "Mul" || m.input.length !== 2) return;
    if ((m.input[0] === x && m.input[1] === s) || (m.input[0] === s && m.input[1] === x)) {
      skip.add(i);
      silu.set(r[0], x);
    }
  });
  const release: string[][] = order.map(() => []);
  for (const [v, r] of readers) if (!keep.has(v)) release[r[r.length - 1]].push(v);
  return { release, skip, silu };
}
