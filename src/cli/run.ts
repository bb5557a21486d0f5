/**
 * Pieces of `myelin train` / `myelin eval` kept out of main.ts: flag checks with
 * messages that name the flag, the run-directory guard (no silent overwrite), the
 * cosine-schedule extension for `--resume --epochs N`, a streaming confusion matrix
 * for batched evaluation, and quiet exit on a closed stdout (EPIPE).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./args.js";
import type { Tensor } from "../core/tensor.js";
import type { Metric } from "../train/metrics.js";

/** "1 epoch", "4 epochs". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Throws a UsageError naming `flag` unless `v` is an integer >= `min`. */
export function checkInt(flag: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Throws a UsageError naming `flag` unless `v` is a finite number > 0. */
export function checkPositive(flag: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`--${flag} must be a number > 0, got ${v}`);
  return v;
}

/** The files `myelin train` writes into its run directory. */
export const RUN_FILES = ["checkpoint.safetensors", "model.safetensors", "history.svg", "metrics.json"];

/**
 * Guards a run directory: when it already holds a run's files, training refuses
 * (exit 2) unless `--resume` continues that run or `--force` starts over, in which
 * case the old files are deleted first so old and new files never mix.
 */
export function prepareRunDir(dir: string, opts: { force?: boolean; resume?: boolean }): void {
  const present = RUN_FILES.filter((f) => existsSync(join(dir, f)));
  if (!present.length || opts.resume) return;
  if (!opts.force) {
    throw new UsageError(`${dir} already holds a run (${present.join(", ")}); pass --resume to continue it, --force to replace it, or --out <dir> for a new one`);
  }
  for (const f of present) rmSync(join(dir, f));
}

/** The part of CosineAnnealingLR that extendCosine reads and sets. */
interface CosineLike {
  TMax: number;
  etaMin: number;
  lastEpoch: number;
  baseLrs: number[];
  optimizer: { paramGroups: { lr: number }[] };
}

/**
 * A resumed cosine schedule keeps the horizon it was saved with, so training past it
 * would run at the minimum learning rate. When the requested epochs differ, the
 * horizon becomes `epochs` and each group's learning rate is set to the cosine's
 * closed form at the current epoch, from which the scheduler's recursive steps
 * continue the new curve. Returns a sentence for the user, or null when unchanged.
 */
export function extendCosine(s: CosineLike, epochs: number): string | null {
  if (s.TMax === epochs) return null;
  const old = s.TMax;
  s.TMax = epochs;
  s.optimizer.paramGroups.forEach((g, i) => {
    g.lr = s.etaMin + ((s.baseLrs[i] - s.etaMin) * (1 + Math.cos((Math.PI * s.lastEpoch) / epochs))) / 2;
  });
  return `cosine schedule ${epochs > old ? "extended" : "shortened"} from ${plural(old, "epoch")} to ${epochs}: lr ${s.optimizer.paramGroups[0].lr.toPrecision(3)} at epoch ${s.lastEpoch}`;
}

/** A confusion matrix accumulated batch by batch (rows: true class, columns: predicted). */
export class ConfusionMetric implements Metric {
  readonly name = "confusion";
  matrix: number[][] = [];
  constructor(readonly numClasses: number) {
    this.reset();
  }
  reset(): void {
    this.matrix = Array.from({ length: this.numClasses }, () => new Array(this.numClasses).fill(0));
  }
  update(pred: Tensor, target: Tensor): void {
    const p = pred.argmax(1).data(), t = target.data();
    for (let i = 0; i < t.length; i++) this.matrix[Number(t[i])][Number(p[i])]++;
  }
  compute(): number {
    return this.matrix.reduce((s, row, i) => s + row[i], 0);
  }
}

/**
 * Makes writes to a closed pipe (`myelin eval ... | head -1`) end the process quietly
 * with code 0 instead of an EPIPE stack trace.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WriteStream): void {
  if (stream.listeners("error").some((f) => (f as { myelinEpipe?: boolean }).myelinEpipe)) return;
  const onError = Object.assign((e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  }, { myelinEpipe: true });
  stream.on("error", onError);
}
