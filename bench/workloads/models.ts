/**
 * Workload `models` (opt-in: `npm run bench -- models`), issue #21. Inference, 1 thread,
 * on the ONNX files torch.onnx.export writes for the zoo's architectures (opset 13,
 * random weights; bench/peers/export_zoo_onnx.py generates them once into the cache
 * directory $MYELIN_BENCH_CACHE, default ~/.cache/myelin-bench/onnx): myelin's
 * io.importOnnx on the native and wasm backends against onnxruntime-node (CPU) and
 * onnxruntime-web's wasm backend in Node, each in its own process on the same files and
 * inputs. And the fine-tuning step (train mode, forward + cross-entropy + backward + SGD
 * with momentum, 224x224, batch 1 and 8) of models.vision's resnet18 / mobilenetV2 /
 * efficientnetB0 on the native backend against torchvision's under PyTorch
 * (bench/peers/torch_finetune.py). Values: median wall ms per call, best CPU ms in the note.
 */
import { readFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as my from "../../src/index.js";
import { runPython, wants, type Row, type RunOptions, type Workload } from "../harness.js";

/** [ONNX file name (torchvision builder or a model of the export script), input shape, integer input's vocabulary or 0]. */
const ONNX_MODELS: [string, number[], number][] = [
  ["resnet18", [1, 3, 224, 224], 0],
  ["resnet50", [1, 3, 224, 224], 0],
  ["mobilenet_v2", [1, 3, 224, 224], 0],
  ["mobilenet_v3_small", [1, 3, 224, 224], 0],
  ["efficientnet_b0", [1, 3, 224, 224], 0],
  ["convnext_tiny", [1, 3, 224, 224], 0],
  ["vit_b_16", [1, 3, 224, 224], 0],
  ["bert_tiny", [2, 32], 1000],
  ["gru_lm", [2, 20], 500],
];
/** Fine-tuning: [models.vision builder, torchvision name]. */
const FINETUNE: [string, string][] = [["resnet18", "resnet18"], ["mobilenetV2", "mobilenet_v2"], ["efficientnetB0", "efficientnet_b0"]];
const BATCHES = [1, 8];

const cacheDir = (): string => process.env.MYELIN_BENCH_CACHE ?? join(homedir(), ".cache", "myelin-bench", "onnx");

/** The deterministic input of a model: float32 N(0, 1) image or int token ids (same values in every process). */
function inputData(shape: number[], vocab: number): Float32Array | Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  if (vocab > 0) return Int32Array.from({ length: n }, () => Math.floor(next() * vocab));
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next()));
}

/** Times `fn` (awaited): one warm-up call, then `reps` calls; median wall ms and best CPU ms. */
async function time(fn: () => unknown, reps: number): Promise<{ median: number; cpu: number; n: number }> {
  await fn();
  const walls: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage(), w0 = performance.now();
    await fn();
    walls.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  walls.sort((a, b) => a - b);
  return { median: walls[walls.length >> 1], cpu, n: reps };
}

function row(c: string, impl: string, t: { median: number; cpu: number; n: number } | string): Row {
  if (typeof t === "string") return { workload: "models", case: c, impl, value: NaN, unit: "ms", higherIsBetter: false, note: t };
  return { workload: "models", case: c, impl, value: t.median, unit: "ms", higherIsBetter: false,
    note: `median of ${t.n}, best CPU ${t.cpu.toFixed(1)} ms` };
}

/** Exports the missing ONNX files with PyTorch; returns, per model still without a file, why. */
function ensureOnnx(): Map<string, string> {
  const missing = ONNX_MODELS.map(([m]) => m).filter((m) => !existsSync(join(cacheDir(), m + ".onnx")));
  const why = new Map<string, string>();
  if (missing.length === 0) return why;
  const r = runPython("export_zoo_onnx.py", { dir: cacheDir(), models: missing }, {}, 1800000);
  for (const m of missing) {
    if (existsSync(join(cacheDir(), m + ".onnx"))) continue;
    const failed = typeof r === "string" ? r : (r as { failed?: Record<string, string> }).failed?.[m];
    why.set(m, `skipped: no ONNX file (${failed ?? "export did not write it"})`);
  }
  return why;
}

/** The models with an ONNX file; a skipped row for each of the others. */
function available(impl: string, why: Map<string, string>, rows: Row[]): typeof ONNX_MODELS {
  for (const [m, w] of why) rows.push(row(m, impl, w));
  return ONNX_MODELS.filter(([m]) => !why.has(m));
}

async function myelinInference(backend: "native" | "wasm", reps: number, why: Map<string, string>): Promise<Row[]> {
  const impl = `myelin-${backend}`;
  my.setBackend(backend);
  await my.ready();
  my.setNumThreads(1);
  const rows: Row[] = [];
  for (const [name, shape, vocab] of available(impl, why, rows)) {
    try {
      const m = my.io.importOnnx(readFileSync(join(cacheDir(), name + ".onnx")));
      m.eval();
      const d = inputData(shape, vocab);
      const x = vocab > 0 ? my.tensor(d, { dtype: "int32" }).reshape(shape) : my.tensor(d).reshape(shape);
      rows.push(row(name, impl, await time(() => my.noGrad(() => {
        const y = m.forward(x) as my.Tensor | my.Tensor[];
        (Array.isArray(y) ? y[0] : y).data();
      }), reps)));
    } catch (e) {
      rows.push(row(name, impl, `failed: ${(e as Error).message.slice(0, 200)}`));
    }
  }
  return rows;
}

type Ort = typeof import("onnxruntime-node");

async function ortInference(impl: "onnxruntime-node" | "onnxruntime-web", reps: number, why: Map<string, string>): Promise<Row[]> {
  let ort: Ort;
  try {
    ort = (impl === "onnxruntime-node" ? await import("onnxruntime-node") : await import("onnxruntime-web")) as unknown as Ort;
  } catch (e) {
    return [row("(load)", impl, `skipped: ${impl} unavailable (${(e as Error).message})`)];
  }
  const web = impl === "onnxruntime-web";
  if (web) {
    const env = ort.env as unknown as { wasm: { numThreads: number; proxy: boolean } };
    env.wasm.numThreads = 1;
    env.wasm.proxy = false;
  }
  const rows: Row[] = [];
  for (const [name, shape, vocab] of available(impl, why, rows)) {
    try {
      const sess = await ort.InferenceSession.create(readFileSync(join(cacheDir(), name + ".onnx")), {
        intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
        ...(web ? { executionProviders: ["wasm"] } : {}),
      });
      const d = inputData(shape, vocab);
      const feed = vocab > 0 ? new ort.Tensor("int64", BigInt64Array.from(d as Int32Array, (v) => BigInt(v)), shape) : new ort.Tensor("float32", d as Float32Array, shape);
      rows.push(row(name, impl, await time(() => sess.run({ [sess.inputNames[0]]: feed }), reps)));
      await sess.release();
    } catch (e) {
      rows.push(row(name, impl, `failed: ${(e as Error).message.slice(0, 200)}`));
    }
  }
  return rows;
}

async function myelinFinetune(reps: number): Promise<Row[]> {
  my.setBackend("native");
  my.setNumThreads(1);
  const rows: Row[] = [];
  for (const [builder, tv] of FINETUNE) {
    for (const b of BATCHES) {
      my.manualSeed(0);
      const model = (my.models.vision as unknown as Record<string, () => my.nn.Module>)[builder]();
      model.train();
      const opt = new my.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const x = my.randn([b, 3, 224, 224]), y = my.randint(0, 1000, [b]);
      rows.push(row(`finetune ${tv} b${b}`, "myelin-native", await time(() => {
        const loss = my.F.crossEntropy(model.forward(x) as my.Tensor, y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        loss.item();
      }, reps)));
    }
  }
  return rows;
}

function torchFinetune(reps: number): Row[] {
  const r = runPython("torch_finetune.py", { models: FINETUNE.map(([, tv]) => tv), batches: BATCHES, reps, threads: 1 }, {
    OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1",
  }, 1800000);
  if (typeof r === "string") return [row("finetune", "pytorch", r)];
  return Object.entries(r as Record<string, { walls: number[]; cpu_best: number }>).map(([c, t]) => {
    const w = [...t.walls].sort((a, b) => a - b);
    return row(`finetune ${c}`, "pytorch", { median: w[w.length >> 1], cpu: t.cpu_best, n: w.length });
  });
}

async function run(opts: RunOptions): Promise<Row[]> {
  const reps = opts.quick ? 2 : 10;
  const rows: Row[] = [];
  const inference = ["myelin-native", "myelin-wasm", "onnxruntime-node", "onnxruntime-web"].some((i) => wants(opts, i));
  const why = inference ? ensureOnnx() : new Map<string, string>();
  for (const be of ["native", "wasm"] as const) {
    if (!wants(opts, `myelin-${be}`)) continue;
    rows.push(...await myelinInference(be, reps, why));
  }
  for (const impl of ["onnxruntime-node", "onnxruntime-web"] as const) {
    if (!wants(opts, impl)) continue;
    rows.push(...await ortInference(impl, reps, why));
  }
  if (wants(opts, "myelin-finetune")) rows.push(...await myelinFinetune(opts.quick ? 1 : 5));
  if (wants(opts, "pytorch")) rows.push(...torchFinetune(opts.quick ? 1 : 5));
  return rows;
}

export const workload: Workload = {
  name: "models",
  description: "zoo models: ONNX inference (myelin native/wasm vs onnxruntime-node/web, 1 thread) and the fine-tuning step vs PyTorch (ms, lower is better)",
  optIn: true,
  // Each in its own process: a crash or a leak in one runtime costs only its rows.
  groups: ["myelin-native", "myelin-wasm", "onnxruntime-node", "onnxruntime-web", "myelin-finetune", "pytorch"],
  run,
};
