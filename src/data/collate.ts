/**
 * Default batch collation (PyTorch's default_collate): stacks tensors along a new
 * first dim, turns numbers/booleans into tensors, and recurses into arrays (tuples)
 * and plain objects so a batch keeps the structure of one item.
 */
import { Tensor, make } from "../core/tensor.js";
import { fmtShape } from "../core/shape.js";
import { stack } from "../ops/shape.js";
import { tensor } from "../ops/creation.js";

/**
 * Collates a list of samples into a batch.
 * - Tensors of equal shape → one tensor [B, ...shape] (error names the shapes otherwise).
 * - numbers → int32 [B] when all are integers, else float64 [B] (PyTorch gives float64
 *   for Python floats); booleans → bool [B].
 * - strings → the array of strings, unchanged.
 * - arrays (tuples) of equal length → an array whose k-th entry collates the k-th fields.
 * - plain objects → an object collating each key.
 * @example defaultCollate([[x0, 3], [x1, 7]]) // [Tensor [2, ...], Tensor int32 [2]]
 */
export function defaultCollate(batch: unknown[]): unknown {
  if (!Array.isArray(batch) || batch.length === 0) throw new Error("defaultCollate: expected a non-empty array of samples");
  const first = batch[0];
  if (first instanceof Tensor) {
    for (let k = 0; k < batch.length; k++) {
      const t = batch[k];
      if (!(t instanceof Tensor)) throw new TypeError(`defaultCollate: sample ${k} is not a Tensor while sample 0 is`);
      if (t.shape.length !== first.shape.length || t.shape.some((s, d) => s !== first.shape[d])) {
        throw new Error(`defaultCollate: each tensor in a batch must have the same shape, but sample 0 has ${fmtShape(first.shape)} and sample ${k} has ${fmtShape(t.shape)}`);
      }
    }
    return stack(batch as Tensor[], 0);
  }
  if (typeof first === "number") {
    const vals = batch as number[];
    let allInt = true;
    for (let k = 0; k < vals.length; k++) {
      if (typeof vals[k] !== "number") throw new TypeError(`defaultCollate: sample ${k} is a ${typeof vals[k]} while sample 0 is a number`);
      if (!Number.isInteger(vals[k]) || Math.abs(vals[k]) > 2147483647) allInt = false;
    }
    return allInt ? make(Int32Array.from(vals), [vals.length], "int32") : make(Float64Array.from(vals), [vals.length], "float64");
  }
  if (typeof first === "boolean") return tensor(batch as boolean[], { dtype: "bool" });
  if (typeof first === "string") return batch.slice();
  if (ArrayBuffer.isView(first)) return stack(batch.map((a) => tensor(a as Float32Array)), 0);
  if (Array.isArray(first)) {
    const m = first.length;
    for (let k = 0; k < batch.length; k++) {
      const s = batch[k];
      if (!Array.isArray(s) || s.length !== m) {
        throw new Error(`defaultCollate: each element in a batch should be an array of equal size, but sample 0 has ${m} fields and sample ${k} has ${Array.isArray(s) ? s.length : "none (not an array)"}`);
      }
    }
    const out = new Array<unknown>(m);
    for (let f = 0; f < m; f++) out[f] = defaultCollate(batch.map((s) => (s as unknown[])[f]));
    return out;
  }
  if (first !== null && typeof first === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = defaultCollate(batch.map((s, k) => {
        if (s === null || typeof s !== "object" || !(key in (s as object))) throw new Error(`defaultCollate: sample ${k} lacks key "${key}" that sample 0 has`);
        return (s as Record<string, unknown>)[key];
      }));
    }
    return out;
  }
  throw new TypeError(`defaultCollate: cannot collate samples of type ${first === null ? "null" : typeof first}; pass a collateFn`);
}
