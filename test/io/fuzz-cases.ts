/**
 * Seeded mutants of ONNX and safetensors files for test/io/fuzz.test.ts: seed files
 * (PyTorch-exported fixtures and hand-encoded graphs of the ops whose sizes come from
 * data), byte-level mutations (bit flips, byte sets, truncation, insertion, slice
 * duplication, a huge varint) and, for safetensors, header-level ones (numbers,
 * names). Running a mutant classifies what happened; as a worker it runs a range of
 * mutants and publishes its progress in shared memory so the parent can spot hangs.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { attrInts, floatTensor, init, int64Tensor, model, node, vinfo } from "./onnx-wire.js";
import { rng } from "../backends/wasm-util.js";

/** The per-tensor import budget the fuzz runs under. */
export const FUZZ_MAX_BYTES = 16 << 20;

interface Seed { kind: "onnx" | "safetensors"; name: string; bytes: Uint8Array; input?: my.Tensor }

function fixture(name: string): Seed {
  const dir = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));
  const rec = JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as { input: { shape: number[]; dtype: string; data: number[] } };
  const input = my.tensor(rec.input.data, { dtype: rec.input.dtype === "int64" ? "int32" : "float32" }).reshape(rec.input.shape);
  return { kind: "onnx", name, bytes: new Uint8Array(readFileSync(`${dir}${name}.onnx`)), input };
}

const graph = (body: number[]) => model([...body, ...vinfo(11, "x"), ...vinfo(12, "y")]);

/** The seed files. */
export function seeds(): Seed[] {
  const x = my.ones([2, 3]);
  const onnx: Seed[] = [
    fixture("mlp"), fixture("cnn"), fixture("embedding"),
    { kind: "onnx", name: "tile", input: x, bytes: graph([...init(int64Tensor("r", [2], [3, 2])), ...node("Tile", ["x", "r"], ["y"])]) },
    { kind: "onnx", name: "constant-of-shape", input: x, bytes: graph([...init(int64Tensor("s", [2], [4, 5])), ...node("ConstantOfShape", ["s"], ["c"]), ...node("Add", ["c", "c"], ["y"])]) },
    { kind: "onnx", name: "pad-expand", input: x, bytes: graph([...init(int64Tensor("p", [4], [1, 0, 0, 2])), ...init(int64Tensor("s", [3], [2, 1, 1])),
      ...node("Pad", ["x", "p"], ["q"]), ...node("Expand", ["q", "s"], ["y"])]) },
    { kind: "onnx", name: "range-reshape", input: x, bytes: graph([...init(floatTensor("a", [], [0])), ...init(floatTensor("b", [], [6])), ...init(floatTensor("d", [], [1])),
      ...init(int64Tensor("sh", [2], [2, 3])), ...node("Range", ["a", "b", "d"], ["r"]), ...node("Reshape", ["r", "sh"], ["t"]), ...node("Mul", ["t", "x"], ["y"])]) },
    { kind: "onnx", name: "conv-pool", input: my.ones([1, 1, 6, 6]), bytes: graph([...init(floatTensor("w", [2, 1, 3, 3], new Array(18).fill(0.5))),
      ...node("Conv", ["x", "w"], ["c"], "conv", [...attrInts("kernel_shape", [3, 3]), ...attrInts("pads", [1, 1, 1, 1])]),
      ...node("MaxPool", ["c"], ["y"], "pool", [...attrInts("kernel_shape", [2, 2]), ...attrInts("strides", [2, 2])])]) },
  ];
  const st = (rec: Record<string, my.Tensor>, meta?: Record<string, string>): Uint8Array => my.io.toSafetensors(rec, meta);
  const safetensors: Seed[] = [
    { kind: "safetensors", name: "mixed", bytes: st({ w: my.randn([4, 3]), b: my.tensor([1, 2, 3], { dtype: "int32" }), m: my.tensor([1, 0]).gt(0), d: my.randn([2], { dtype: "float64" }) }, { format: "pt" }) },
    { kind: "safetensors", name: "state-dict", bytes: st(new my.nn.Linear(5, 3).stateDict()) },
  ];
  return [...onnx, ...safetensors];
}

const HEADER_SWAPS: [RegExp, string][] = [
  [/\d+/, "4294967296"], [/\d+/, "-1"], [/\d+/, "1e30"], [/\d+/, "0.5"], [/"F32"/, '"F16"'], [/"w"/, '"__proto__"'],
  [/"b"/, '"constructor"'], [/\[\d+,\d+\]/, "[]"], [/"shape":\[/, '"shape":[1e9,'], [/"dtype"/, '"dtypes"'],
];

/** Mutant `i` of `seed` (deterministic). */
export function mutate(seed: Seed, i: number): Uint8Array {
  const r = rng(i * 7919 + seed.name.length * 104729 + seed.bytes.length);
  const b = seed.bytes;
  const at = () => Math.floor(r() * b.length);
  const kind = Math.floor(r() * (seed.kind === "safetensors" ? 8 : 7));
  switch (kind) {
    case 0: { const o = b.slice(); for (let k = 1 + Math.floor(r() * 4); k > 0; k--) { const p = at(); o[p] ^= 1 << Math.floor(r() * 8); } return o; }
    case 1: { const o = b.slice(); for (let k = 1 + Math.floor(r() * 4); k > 0; k--) o[at()] = [0, 0xff, 0x7f, 0x80, Math.floor(r() * 256)][Math.floor(r() * 5)]; return o; }
    case 2: return b.slice(0, at());
    case 3: { const p = at(), ins = Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256)); return new Uint8Array([...b.subarray(0, p), ...ins, ...b.subarray(p)]); }
    case 4: { const p = at(), q = Math.min(b.length, p + 1 + Math.floor(r() * 64)); return new Uint8Array([...b.subarray(0, q), ...b.subarray(p, q), ...b.subarray(q)]); }
    case 5: { const o = b.slice(), p = at(); o.set([0xff, 0xff, 0xff, 0xff, 0x0f].slice(0, o.length - p), p); return o; }
    case 6: { const p = at(), q = Math.min(b.length, p + 1 + Math.floor(r() * 32)); return new Uint8Array([...b.subarray(0, p), ...b.subarray(q)]); }
    default: {
      // safetensors header: edit the JSON text, then fix the 8-byte length.
      const n = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
      let head = new TextDecoder().decode(b.subarray(8, 8 + n));
      const [re, rep] = HEADER_SWAPS[Math.floor(r() * HEADER_SWAPS.length)];
      const hits = [...head.matchAll(new RegExp(re.source, "g"))];
      if (hits.length) { const h = hits[Math.floor(r() * hits.length)]; head = head.slice(0, h.index) + rep + head.slice(h.index! + h[0].length); }
      const hb = new TextEncoder().encode(head), o = new Uint8Array(8 + hb.length + b.length - 8 - n);
      new DataView(o.buffer).setUint32(0, hb.length, true);
      o.set(hb, 8);
      o.set(b.subarray(8 + n), 8 + hb.length);
      return o;
    }
  }
}

/** What running one mutant did. */
export type Outcome = "ok" | "error" | "non-error" | "over-budget";

/** Imports (and for ONNX runs) one mutant; an allocation that outlives it past the budget counts as "over-budget". */
export function runMutant(seed: Seed, bytes: Uint8Array): { outcome: Outcome; detail?: string } {
  const before = process.memoryUsage().arrayBuffers;
  let outcome: Outcome = "ok", detail: string | undefined;
  try {
    if (seed.kind === "onnx") {
      const m = my.io.importOnnx(bytes, { maxBytes: FUZZ_MAX_BYTES });
      m.eval();
      const ins = m.inputNames.map(() => seed.input!);
      const out = m.forward(...ins);
      for (const t of Array.isArray(out) ? out : [out]) if (t) t.data();
    } else {
      const rec = my.io.fromSafetensors(bytes, { copy: true });
      for (const t of Object.values(rec)) t.data();
    }
  } catch (e) {
    outcome = e instanceof Error ? "error" : "non-error";
    detail = e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e);
  }
  const grew = process.memoryUsage().arrayBuffers - before;
  if (grew > FUZZ_MAX_BYTES + 4 * bytes.length + (4 << 20)) return { outcome: "over-budget", detail: `${grew} bytes still allocated` };
  return { outcome, detail };
}

/** Worker side: runs mutants [from, to) of every seed in turn, writing the index it is on into progress[0]. */
interface Job { from: number; to: number; progress: Int32Array }

if (!isMainThread && parentPort && (workerData as Job | undefined)?.progress) {
  const { from, to, progress } = workerData as Job;
  const all = seeds();
  const counts: Record<Outcome, number> = { ok: 0, error: 0, "non-error": 0, "over-budget": 0 };
  const bad: string[] = [];
  for (let i = from; i < to; i++) {
    Atomics.store(progress, 0, i);
    const seed = all[i % all.length];
    const { outcome, detail } = runMutant(seed, mutate(seed, i));
    counts[outcome]++;
    if (outcome === "non-error" || outcome === "over-budget") bad.push(`mutant ${i} of ${seed.name}: ${outcome} (${detail})`);
  }
  parentPort.postMessage({ counts, bad });
}
