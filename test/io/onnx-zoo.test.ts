/**
 * importOnnx on torchvision architectures (small configurations) exported by
 * torch.onnx.export at opsets 13 and 17 (generator test/fixtures/gen_onnx_zoo.py, weights
 * from the zoo's deterministic formula): the imported graph gives PyTorch's output.
 * Covers residual blocks, depthwise convs, squeeze-and-excitation, hardswish/SiLU,
 * LayerNorm2d and layer scale, a ViT encoder, and an FCN head upsampled by Resize.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as my from "../../src/index.js";
import { loadFixture } from "../helpers.js";
import { image } from "../models/zoo-weights.js";

const dir = fileURLToPath(new URL("../fixtures/onnx-zoo/", import.meta.url));
const fx = loadFixture<Record<string, { size: number; outputShape: number[]; output: number[] }>>("onnx_zoo");

for (const [name, f] of Object.entries(fx)) {
  for (const opset of [13, 17]) {
    test(`importOnnx: torchvision ${name} exported at opset ${opset} gives PyTorch's output`, () => {
      const m = my.io.importOnnx(readFileSync(`${dir}${name}_op${opset}.onnx`));
      const y = my.noGrad(() => m.forward(image(1, f.size))) as my.Tensor;
      assert.deepEqual(y.shape, f.outputShape);
      const a = y.data() as Float32Array;
      let maxE = 0, maxD = 0;
      f.output.forEach((e, i) => { maxE = Math.max(maxE, Math.abs(e)); maxD = Math.max(maxD, Math.abs(a[i] - e)); });
      assert.ok(maxD <= 1e-4 * maxE, `max |diff| ${maxD} > 1e-4 x ${maxE}`);
    });
  }
}
