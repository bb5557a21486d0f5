/**
 * The JS reference backend: every kernel, on plain TypedArrays, float64-capable.
 * It is the executable spec other backends are tested against.
 */
import type { Backend } from "../backend.js";
import { binary, cast, clamp, unary, where } from "./elementwise.js";
import { hardtanhBackward, reluBackward } from "./activation.js";
import { gather, scatter, strided, stridedAssign } from "./layout.js";
import { matmul } from "./matmul.js";
import { argReduce, cumulative, reduce } from "./reduce.js";
import { col2im, im2col } from "./conv.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "./pool.js";
import { adamStep } from "./optim.js";
import { softmax, softmaxBackward } from "./softmax.js";
import { bernoulliMask } from "./random.js";
import { layerNorm, layerNormBackward } from "./norm.js";
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from "./rnn.js";

export const jsBackend: Backend = {
  name: "js",
  unary, binary, where, clamp, cast,
  reluBackward, hardtanhBackward,
  reduce, argReduce, cumulative,
  matmul,
  strided, stridedAssign, gather, scatter,
  im2col, col2im,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  lstmCell, lstmCellBackward, gruCell, gruCellBackward,
  adamStep, softmax, softmaxBackward, bernoulliMask, layerNorm, layerNormBackward,
};
