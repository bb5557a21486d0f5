/**
 * Workload: inference of a models.vision model (eval, noGrad) on one random
 * 1x3xSIZExSIZE image. Env: MODEL (a models.vision builder, default mobilenetV2),
 * SIZE (default 224), plus common.ts's STEPS / THREADS / BACKEND / OPS.
 * Run: MODEL=efficientnetB0 OPS=1 STEPS=5 node --import tsx bench/profile/zoo-inference.ts
 */
import * as my from "../../src/index.js";
import { runSteps } from "./common.js";

const name = process.env.MODEL ?? "mobilenetV2", size = Number(process.env.SIZE ?? 224);
const build = (my.models.vision as unknown as Record<string, () => my.nn.Module>)[name];
if (typeof build !== "function") throw new Error(`zoo-inference: MODEL must name a models.vision builder, got ${name}`);
my.manualSeed(0);
const model = build().eval();
const x = my.randn([1, 3, size, size], { generator: new my.Generator(1) });
runSteps(`${name} ${size}x${size} inference`, () => my.noGrad(() => (model.forward(x) as my.Tensor).sum().item()));
