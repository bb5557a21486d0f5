/**
 * `myelin explain <checkpoint> --method integrated-gradients --input digit.png`: loads a
 * recipe checkpoint, reads a 28x28 picture, explains the model's decision (the predicted
 * class unless --target says otherwise) and writes the heat-map overlay as a PNG.
 */
import { readFile, writeFile } from "node:fs/promises";
import { inflateSync, deflateSync } from "node:zlib";
import * as my from "../index.js";
import { UsageError, formatFlags, parseArgs, type FlagSpec } from "./args.js";
import { RECIPES } from "./recipes.js";
import { loadCheckpoint } from "../train/checkpoint.js";
import { decodePng, pngToGray } from "../models/png-decode.js";
import type { Tensor } from "../index.js";

const { explain } = my;
type Model = InstanceType<typeof my.nn.Module>;

/** Method name on the command line → attribution for one image [1, 1, H, W]. */
const METHODS: Record<string, (m: Model, x: Tensor, target: number, steps: number) => Tensor> = {
  "saliency": (m, x, t) => new explain.Saliency(m).attribute(x, { target: t }),
  "input-x-gradient": (m, x, t) => new explain.InputXGradient(m).attribute(x, { target: t }),
  "integrated-gradients": (m, x, t, n) => new explain.IntegratedGradients(m).attribute(x, { target: t, nSteps: n }),
  "guided-backprop": (m, x, t) => new explain.GuidedBackprop(m).attribute(x, { target: t }),
  "deconvolution": (m, x, t) => new explain.Deconvolution(m).attribute(x, { target: t }),
  "deeplift": (m, x, t) => new explain.DeepLift(m).attribute(x, { target: t }),
  "smoothgrad": (m, x, t) => new explain.NoiseTunnel(new explain.Saliency(m)).attribute(x, { target: t, nSamples: 25, stdevs: 0.15 }),
  "occlusion": (m, x, t) => new explain.Occlusion(m).attribute(x, { target: t, slidingWindowShapes: [1, 4, 4], strides: [1, 2, 2] }),
};

const FLAGS: Record<string, FlagSpec> = {
  method: { type: "string", alias: "m", help: `attribution method: ${Object.keys(METHODS).join(" | ")} (default integrated-gradients)` },
  input: { type: "string", alias: "i", help: "the picture to explain (PNG, the model's input size, e.g. 28x28)" },
  target: { type: "int", help: "class to explain (default: the predicted one)" },
  out: { type: "string", alias: "o", help: "overlay PNG to write (default <input>.<method>.png)" },
  scale: { type: "int", help: "pixel enlargement of the overlay (default 8)" },
  steps: { type: "int", help: "integration steps for integrated-gradients (default 50)" },
  sign: { type: "string", help: "absolute_value | positive | negative | all (default absolute_value)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

/** Runs `myelin explain`; `out` prints one line. */
export async function explainCmd(argv: string[], out: (s: string) => void): Promise<void> {
  const { positionals, flags } = parseArgs(argv, FLAGS, "explain");
  if (flags.help) return out(`Usage: myelin explain <checkpoint> --input digit.png [options]\n\nOptions:\n${formatFlags(FLAGS)}`);
  if (!positionals[0]) throw new UsageError("missing checkpoint path");
  if (!flags.input) throw new UsageError("missing --input <picture.png>");
  const method = String(flags.method ?? "integrated-gradients");
  const attribute = METHODS[method];
  if (!attribute) throw new UsageError(`unknown --method "${method}"; one of: ${Object.keys(METHODS).join(", ")}`);
  const sign = String(flags.sign ?? "absolute_value");
  if (!["absolute_value", "positive", "negative", "all"].includes(sign)) throw new UsageError(`--sign must be absolute_value, positive, negative or all, got "${sign}"`);
  const c = await loadCheckpoint(positionals[0]);
  const recipe = RECIPES[String(c.extra.recipe ?? "")];
  if (!recipe) throw new Error(`${positionals[0]} names no known recipe (got "${String(c.extra.recipe)}")`);
  const model = recipe.build();
  model.loadStateDict(c.modelState);
  model.eval();
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(String(flags.input)));
  } catch (e) {
    throw new Error(`cannot read "${flags.input}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const png = decodePng(bytes, (d) => new Uint8Array(inflateSync(d)));
  if (png.width !== 28 || png.height !== 28) throw new Error(`${flags.input} is ${png.width}x${png.height}; the ${recipe.name} model takes 28x28 pictures`);
  const x = my.tensor(pngToGray(png), { shape: [1, 1, 28, 28] });
  const logits = my.noGrad(() => model.forward(x) as Tensor);
  const probs = logits.softmax(1);
  const pred = Number(logits.argmax(1).item());
  const target = flags.target === undefined ? pred : Number(flags.target);
  if (!(target >= 0 && target < logits.shape[1])) throw new UsageError(`--target must be between 0 and ${logits.shape[1] - 1}, got ${target}`);
  const attr = attribute(model, x, target, Number(flags.steps ?? 50));
  const file = String(flags.out ?? `${String(flags.input).replace(/\.png$/i, "")}.${method}.png`);
  const scale = Number(flags.scale ?? 8);
  if (scale < 1) throw new UsageError(`--scale must be at least 1, got ${scale}`);
  await writeFile(file, explain.heatmapPng(attr, { image: x, sign: sign as "all", scale, deflate: (d) => new Uint8Array(deflateSync(d)) }));
  out(`${recipe.name}: predicted ${pred} (p = ${Number(probs.select(1, pred).item()).toFixed(3)}); ${method} for class ${target} written to ${file}`);
}
