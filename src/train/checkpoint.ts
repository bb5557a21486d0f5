/**
 * Training checkpoints: model weights, optimizer and scheduler state, epoch,
 * history and random-generator states in one safetensors file. Tensors are stored
 * as tensors (`model.*`, `optimizer.*`, ...); everything else goes into a JSON
 * skeleton in the header's metadata. Files are written atomically (temp + rename),
 * so a crash mid-save leaves the previous checkpoint intact.
 */
import { Tensor } from "../core/tensor.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { fromSafetensors, metadataOf, toSafetensors } from "../io/safetensors.js";
import type { Callback, History, ModelLike, OptimizerLike, SchedulerLike, TrainContext } from "./types.js";
import { getOwn, setOwn } from "../core/records.js";

const FORMAT = "myelin-checkpoint/1";

/** Replaces tensors in a nested object with `{$tensor: key}` references, collecting them. */
export function packState(value: unknown, prefix: string, tensors: Record<string, Tensor>): unknown {
  if (value instanceof Tensor) {
    setOwn(tensors, prefix, value);
    return { $tensor: prefix };
  }
  if (Array.isArray(value)) return value.map((v, i) => packState(v, `${prefix}.${i}`, tensors));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "function") continue;
      setOwn(out, k, packState(v, `${prefix}.${k}`, tensors));
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

/** Inverse of packState. */
export function unpackState(value: unknown, tensors: Record<string, Tensor>): unknown {
  if (Array.isArray(value)) return value.map((v) => unpackState(v, tensors));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.$tensor === "string") {
      const t = getOwn(tensors, o.$tensor);
      if (!t) throw new Error(`checkpoint: tensor "${o.$tensor}" referenced by the metadata is missing from the file`);
      return t;
    }
    if (typeof o.$number === "string") return Number(o.$number);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) setOwn(out, k, unpackState(v, tensors));
    return out;
  }
  return value;
}

/** What {@link saveCheckpoint} and {@link checkpointToBytes} store: the model, and optionally the optimizer, scheduler, history, generators and extra JSON. */
export interface CheckpointState {
  model: ModelLike;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike;
  /** Number of completed epochs. */
  epoch: number;
  history?: History;
  /** Generators to snapshot besides the default one (e.g. a DataLoader's). */
  generators?: Record<string, Generator>;
  /** Anything JSON-serialisable (recipe name, hyperparameters, ...). */
  extra?: Record<string, unknown>;
}

/** Serialises a checkpoint to safetensors bytes (a model on a GPU: use {@link saveCheckpoint}, which reads it back asynchronously). */
export function checkpointToBytes(s: CheckpointState): Uint8Array {
  const { tensors, meta } = checkpointParts(s);
  return toSafetensors(tensors, meta);
}

/** The tensors and metadata of a checkpoint (tensors may still live on a device). */
function checkpointParts(s: CheckpointState): { tensors: Record<string, Tensor>; meta: Record<string, string> } {
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(s.model.stateDict())) tensors[`model.${k}`] = v;
  const gens: Record<string, number[]> = { default: defaultGenerator.getState() };
  for (const [k, g] of Object.entries(s.generators ?? {})) gens[k] = g.getState();
  const skeleton = {
    epoch: s.epoch,
    history: s.history ?? {},
    optimizer: s.optimizer?.stateDict ? packState(s.optimizer.stateDict(), "optimizer", tensors) : null,
    scheduler: s.scheduler?.stateDict ? packState(s.scheduler.stateDict(), "scheduler", tensors) : null,
    generators: packState(gens, "generators", tensors),
    extra: s.extra ?? {},
  };
  return { tensors, meta: { format: FORMAT, state: JSON.stringify(skeleton) } };
}

/** A checkpoint read back by {@link loadCheckpoint} / {@link checkpointFromBytes}; pass it to {@link restoreCheckpoint}. */
export interface LoadedCheckpoint {
  epoch: number;
  history: History;
  extra: Record<string, unknown>;
  /** The model's state dict (keys without the "model." prefix). */
  modelState: Record<string, Tensor>;
  optimizerState: unknown;
  schedulerState: unknown;
  generatorStates: Record<string, number[]>;
}

/** Parses checkpoint bytes (validating the format) without touching any model. */
export function checkpointFromBytes(bytes: Uint8Array, source = "checkpoint"): LoadedCheckpoint {
  const meta = metadataOf(bytes);
  if (!meta || meta.format !== FORMAT || typeof meta.state !== "string") {
    throw new Error(`${source}: not a myelin checkpoint (metadata "format" is ${JSON.stringify(meta?.format)}, expected "${FORMAT}"); plain weight files load with io.load()`);
  }
  const tensors = fromSafetensors(bytes);
  let skeleton: Record<string, unknown>;
  try {
    skeleton = JSON.parse(meta.state) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: checkpoint metadata is not valid JSON (${(e as Error).message})`);
  }
  if (typeof skeleton !== "object" || skeleton === null || Array.isArray(skeleton)) throw new Error(`${source}: checkpoint metadata "state" must be a JSON object, got ${JSON.stringify(skeleton)}`);
  if (skeleton.epoch !== undefined && !(Number.isInteger(skeleton.epoch) && (skeleton.epoch as number) >= 0)) throw new Error(`${source}: checkpoint metadata "state.epoch" must be an integer >= 0, got ${JSON.stringify(skeleton.epoch)}`);
  const modelState: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith("model.")) setOwn(modelState, k.slice(6), v);
  return {
    epoch: Number(skeleton.epoch ?? 0),
    history: (skeleton.history ?? {}) as History,
    extra: (skeleton.extra ?? {}) as Record<string, unknown>,
    modelState,
    optimizerState: unpackState(skeleton.optimizer, tensors),
    schedulerState: unpackState(skeleton.scheduler, tensors),
    generatorStates: unpackState(skeleton.generators, tensors) as Record<string, number[]>,
  };
}

/** Writes a checkpoint atomically (Node). */
export async function saveCheckpoint(path: string, s: CheckpointState): Promise<void> {
  const { writeFileAtomic } = await import("./node-fs.js");
  const { tensors, meta } = checkpointParts(s);
  for (const [k, t] of Object.entries(tensors)) if (t.device !== "cpu") tensors[k] = await t.toAsync("cpu");
  await writeFileAtomic(path, toSafetensors(tensors, meta));
}

/** Reads a checkpoint file (Node). */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const { readFileBytes } = await import("./node-fs.js");
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(path, "loadCheckpoint");
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return checkpointFromBytes(bytes, path);
}

/** Puts a loaded checkpoint's state back into the model, optimizer, scheduler and generators. */
export function restoreCheckpoint(c: LoadedCheckpoint, into: Omit<CheckpointState, "epoch" | "history" | "extra">): void {
  into.model.loadStateDict(c.modelState);
  if (into.optimizer?.loadStateDict && c.optimizerState) into.optimizer.loadStateDict(c.optimizerState as never);
  if (into.scheduler?.loadStateDict && c.schedulerState) into.scheduler.loadStateDict(c.schedulerState as never);
  if (c.generatorStates.default) defaultGenerator.setState(c.generatorStates.default);
  for (const [k, g] of Object.entries(into.generators ?? {})) if (c.generatorStates[k]) g.setState(c.generatorStates[k]);
}

/** Options of {@link ModelCheckpoint}: the file, what to watch, and the scheduler, generators and extra JSON to save with the model and optimizer `fit` trains. */
export interface ModelCheckpointOptions extends Omit<CheckpointState, "model" | "optimizer" | "epoch" | "history"> {
  /** File to write (overwritten atomically each time). */
  path: string;
  /** With saveBestOnly, the history key that decides "best" (default "val_loss"). */
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: "min" | "max";
}

/** Saves a checkpoint after every epoch (or only when `monitor` improves). */
export class ModelCheckpoint implements Callback {
  best = NaN;
  constructor(readonly opts: ModelCheckpointOptions) {}

  async onEpochEnd(ctx: TrainContext, logs: Record<string, number>): Promise<void> {
    const monitor = this.opts.monitor ?? "val_loss";
    if (this.opts.saveBestOnly) {
      const v = logs[monitor];
      if (v === undefined) throw new Error(`ModelCheckpoint: monitored value "${monitor}" is not in the epoch logs`);
      const mode = this.opts.mode ?? (/loss|error/.test(monitor) ? "min" : "max");
      if (!Number.isNaN(this.best) && !(mode === "min" ? v < this.best : v > this.best)) return;
      this.best = v;
    }
    const history: History = {};
    for (const [k, v] of Object.entries(ctx.history)) history[k] = v.slice();
    for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
    (history.epoch ??= []).push(ctx.epoch + 1);
    await saveCheckpoint(this.opts.path, {
      model: ctx.model,
      optimizer: ctx.optimizer,
      scheduler: this.opts.scheduler,
      epoch: ctx.epoch + 1,
      history,
      generators: this.opts.generators,
      extra: this.opts.extra,
    });
  }
}
