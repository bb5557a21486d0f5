/**
 * Runs the ONNX backend conformance node tests (Debian's libonnx-testdata:
 * node/test_X/model.onnx + test_data_set_N/{input,output}_K.pb) through
 * io.importOnnx and reports pass counts per operator and overall.
 *
 *   node --import tsx scripts/onnx-conformance.ts [--dir DIR] [--filter SUBSTR] [--failures]
 *
 * The runner functions are exported for test/io/onnx-conformance.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { importOnnx } from "../src/io/onnx/import.js";
import { decodeModel, decodeTensorProto } from "../src/io/onnx/proto.js";
import { tensorFromProto } from "../src/io/onnx/ops-util.js";
import type { Tensor } from "../src/core/tensor.js";

/** Where Debian installs the node tests. */
export const DEFAULT_NODE_DIR = "/usr/share/libonnx-testdata/data/node";

export interface NodeTestResult {
  name: string;
  /** op_type of the (first) node; "?" when the model does not decode. */
  op: string;
  pass: boolean;
  error?: string;
}

function closeEnough(got: Tensor, want: Tensor): string | null {
  if (got.shape.join(",") !== want.shape.join(",")) return `shape [${got.shape}] != expected [${want.shape}]`;
  const g = got._data, w = want._data;
  const float = want.dtype === "float32" || want.dtype === "float64";
  const rtol = 1e-3, atol = want.dtype === "float64" ? 1e-7 : 1e-5;
  for (let i = 0; i < w.length; i++) {
    const a = Number(g[i]), b = Number(w[i]);
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (float ? !(Math.abs(a - b) <= atol + rtol * Math.abs(b)) && a !== b : a !== b) return `element ${i}: got ${a}, expected ${b}`;
  }
  return null;
}

/** Runs one node test directory (every test_data_set_*). */
export function runNodeTest(dir: string): NodeTestResult {
  const name = dir.split("/").pop()!;
  let op = "?";
  try {
    const bytes = readFileSync(join(dir, "model.onnx"));
    op = decodeModel(bytes).graph.node[0]?.opType ?? "?";
    const m = importOnnx(bytes);
    m.eval();
    const sets = readdirSync(dir).filter((d) => d.startsWith("test_data_set_")).sort();
    if (!sets.length) throw new Error("no test_data_set_*");
    for (const s of sets) {
      const files = readdirSync(join(dir, s));
      const load = (prefix: string) =>
        files.filter((f) => f.startsWith(prefix)).sort((x, y) => parseInt(x.slice(prefix.length)) - parseInt(y.slice(prefix.length)))
          .map((f) => tensorFromProto(decodeTensorProto(readFileSync(join(dir, s, f))), `${name}/${s}/${f}`));
      const inputs = load("input_"), outputs = load("output_");
      const res = m.forward(...inputs);
      const got = Array.isArray(res) ? res : [res];
      if (got.length !== outputs.length) throw new Error(`${got.length} outputs, expected ${outputs.length}`);
      for (let k = 0; k < outputs.length; k++) {
        const err = closeEnough(got[k], outputs[k]);
        if (err) throw new Error(`${s} output ${k}: ${err}`);
      }
    }
    return { name, op, pass: true };
  } catch (e) {
    return { name, op, pass: false, error: (e as Error).message.slice(0, 300) };
  }
}

/** Runs every test under `nodeDir` whose name passes `filter`. */
export function runConformance(nodeDir = DEFAULT_NODE_DIR, filter: (name: string) => boolean = () => true): NodeTestResult[] {
  if (!existsSync(nodeDir)) throw new Error(`onnx-conformance: ${nodeDir} not found (apt-get install libonnx-testdata)`);
  return readdirSync(nodeDir).filter((n) => n.startsWith("test_") && filter(n)).sort().map((n) => runNodeTest(join(nodeDir, n)));
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const dir = opt("--dir") ?? DEFAULT_NODE_DIR;
  const sub = opt("--filter");
  const results = runConformance(dir, sub ? (n) => n.includes(sub) : undefined);
  const byOp = new Map<string, [number, number]>();
  for (const r of results) {
    const e = byOp.get(r.op) ?? [0, 0];
    e[0] += r.pass ? 1 : 0;
    e[1] += 1;
    byOp.set(r.op, e);
  }
  for (const [op, [p, n]] of [...byOp].sort()) console.log(`${op.padEnd(28)} ${p}/${n}`);
  const pass = results.filter((r) => r.pass).length;
  console.log(`\noverall: ${pass}/${results.length} node tests pass (${byOp.size} operators)`);
  if (args.includes("--failures")) for (const r of results) if (!r.pass) console.log(`FAIL ${r.name}: ${r.error}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
