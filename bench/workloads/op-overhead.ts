/**
 * Workload: per-op cost of adding two 4-element float32 tensors (dispatch overhead,
 * which dominates small models) for myelin (wasm and JS backends), TensorFlow.js
 * (cpu, wasm; results disposed in tidy batches) and PyTorch eager.
 */
import * as my from "../../src/index.js";
import { wasmVariant } from "../../src/backends/wasm/index.js";
import { loadTfjs, measure, runPython, wants, type Row, type RunOptions, type Workload } from "../harness.js";

const BATCH = 1000;

async function run(opts: RunOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const add = (impl: string, value: number, note?: string) =>
    rows.push({ workload: "op-overhead", case: "add 4 elems", impl, value, unit: "ns/op", higherIsBetter: false, note });
  const minMs = opts.quick ? 100 : 300;
  const variant = wasmVariant();
  for (const be of ["wasm", "native", "js"] as const) {
    const impl = be === "wasm" ? `myelin-wasm-${variant}` : `myelin-${be}`;
    if ((be === "wasm" && !variant) || !wants(opts, impl)) continue;
    try { my.setBackend(be); } catch { continue; }
    const a = my.tensor([1, 2, 3, 4]), b = my.tensor([5, 6, 7, 8]);
    const t = measure(() => { for (let i = 0; i < BATCH; i++) my.add(a, b); }, minMs);
    add(impl, (t.wall / BATCH) * 1e6);
  }
  for (const be of ["wasm", "cpu"] as const) {
    const impl = `tfjs-${be}`;
    if (!wants(opts, impl)) continue;
    const tf = await loadTfjs(be);
    if (typeof tf === "string") { add(impl, NaN, tf); continue; }
    const a = tf.tensor1d([1, 2, 3, 4]), b = tf.tensor1d([5, 6, 7, 8]);
    const t = measure(() => tf.tidy(() => { for (let i = 0; i < BATCH; i++) tf.add(a, b); }), minMs);
    add(impl, (t.wall / BATCH) * 1e6);
  }
  if (wants(opts, "pytorch")) {
    const r = runPython("torch_bench.py", { sizes: [], threads: 1, min_s: minMs / 1000 }, { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" });
    if (typeof r === "string") add("pytorch-1t", NaN, r);
    else add("pytorch-1t", (r as { add4_ns: number }).add4_ns);
  }
  return rows;
}

export const workload: Workload = {
  name: "op-overhead",
  description: "ns per add of two 4-element float32 tensors (lower is better)",
  simdVariant: false,
  groups: ["myelin", "tfjs-wasm", "tfjs-cpu", "pytorch"],
  run,
};
