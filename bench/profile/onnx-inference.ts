/**
 * Workload: inference of an ONNX file through io.importOnnx on one input (float32
 * N(0, 1) of SHAPE, default 1,3,224,224). Env: FILE (the .onnx path, required), SHAPE,
 * plus common.ts's STEPS / THREADS / BACKEND / OPS. The models bench's files live in
 * $MYELIN_BENCH_CACHE (see bench/README.md).
 * Run: FILE=~/.cache/myelin-bench/onnx/mobilenet_v2.onnx OPS=1 STEPS=5 node --import tsx bench/profile/onnx-inference.ts
 */
import { readFileSync } from "node:fs";
import * as my from "../../src/index.js";
import { runSteps } from "./common.js";

const file = process.env.FILE;
if (!file) throw new Error("onnx-inference: set FILE to an .onnx path");
const shape = (process.env.SHAPE ?? "1,3,224,224").split(",").map(Number);
const m = my.io.importOnnx(readFileSync(file));
m.eval();
const x = my.randn(shape, { generator: new my.Generator(1) });
runSteps(`${file.split("/").pop()} inference`, () => my.noGrad(() => {
  const y = m.forward(x) as my.Tensor | my.Tensor[];
  return (Array.isArray(y) ? y[0] : y).sum().item();
}));
