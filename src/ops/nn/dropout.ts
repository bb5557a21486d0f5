/**
 * Dropout functions of `F`: elementwise, channel-wise (1d/2d/3d) and alpha dropout.
 * The mask is drawn from a Generator (the default one unless given) and applied by
 * a multiplication, so the gradient reuses exactly the forward mask.
 */
import { Tensor, allocUninitOn, make } from "../../core/tensor.js";
import { allocUninit, isFloating, type TypedArray } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { defaultGenerator, type Generator } from "../../core/random.js";
import { assertTensor } from "../util.js";
import { FS } from "./specs.js";
import type { PyArgs } from "../args.js";
import { currentBackend } from "../../backends/backend.js";

/** Options of {@link dropout} and its variants. */
export interface DropoutOptions {
  /** Random source for the mask (default: the global generator seeded by manualSeed). */
  generator?: Generator;
}

function checkP(p: number, op: string): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropout probability has to be between 0 and 1, got ${p}`);
}

/** A mask of `shape` holding `keepValue` with probability 1 - p, else 0. */
function bernoulliMask(shape: number[], p: number, keepValue: number, x: Tensor, gen: Generator): Tensor {
  let n = 1;
  for (const s of shape) n *= s;
  const m = make(allocUninitOn(x.device, x.dtype, n), shape, x.dtype);
  // One 32-bit draw per element against an integer threshold: half the generator
  // work of a 53-bit uniform, and resolution 2^-32 is far below any useful p.
  const threshold = Math.min(p * 4294967296, 4294967295);
  fillMask(m._buf, threshold, keepValue, gen);
  return m;
}

/**
 * d[i] = next 32-bit draw >= threshold ? keepValue : 0: the same draws as calling
 * gen.nextUint32() per element (xoshiro128**, see core/random.ts), as one backend kernel
 * (the mask was 15% of a Transformer training step as a JS loop over generator fields).
 */
function fillMask(d: TypedArray, threshold: number, keepValue: number, gen: Generator): void {
  const st = gen.getState();
  const words = Uint32Array.of(st[0], st[1], st[2], st[3]);
  currentBackend().bernoulliMask(words, threshold, keepValue, d);
  st[0] = words[0]; st[1] = words[1]; st[2] = words[2]; st[3] = words[3];
  gen.setState(st);
}

function floatIn(x: Tensor, op: string): Tensor {
  assertTensor(x, op);
  if (!isFloating(x.dtype)) throw new TypeError(`${op}: input must be floating point, got ${x.dtype}`);
  return x;
}

/**
 * Zeroes each element with probability `p` (default 0.5) and scales the rest by
 * 1 / (1 - p); identity when `training` is false or p = 0.
 * @example F.dropout(h, 0.1, model.training)
 */
export function dropout(x: Tensor, p = 0.5, training = true, ...args: PyArgs<DropoutOptions, typeof FS.dropout.names>): Tensor {
  const opts = FS.dropout.parse<DropoutOptions>(args);
  floatIn(x, "dropout");
  checkP(p, "dropout");
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  return x.mul(bernoulliMask(x.shape.slice(), p, 1 / (1 - p), x, opts.generator ?? defaultGenerator));
}

/** Channel dropout: one mask value per (sample, channel), broadcast over the `spatial` trailing dims. */
function featureDropout(x: Tensor, p: number, training: boolean, opts: DropoutOptions, spatial: number, op: string): Tensor {
  floatIn(x, op);
  checkP(p, op);
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new Error(`${op}: expected ${spatial + 1}-D (unbatched) or ${spatial + 2}-D (batched) input, got ${fmtShape(x.shape)}`);
  }
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const lead = x.ndim - spatial;
  const shape = x.shape.map((s, i) => (i < lead ? s : 1));
  return x.mul(bernoulliMask(shape, p, 1 / (1 - p), x, opts.generator ?? defaultGenerator));
}

/** Zeroes whole channels of [N, C, L] (or [C, L]) with probability p. */
export function dropout1d(x: Tensor, p = 0.5, training = true, ...args: PyArgs<DropoutOptions, typeof FS.dropout1d.names>): Tensor {
  const opts = FS.dropout1d.parse<DropoutOptions>(args);
  return featureDropout(x, p, training, opts, 1, "dropout1d");
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p. */
export function dropout2d(x: Tensor, p = 0.5, training = true, ...args: PyArgs<DropoutOptions, typeof FS.dropout2d.names>): Tensor {
  const opts = FS.dropout2d.parse<DropoutOptions>(args);
  return featureDropout(x, p, training, opts, 2, "dropout2d");
}

/** Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) with probability p. */
export function dropout3d(x: Tensor, p = 0.5, training = true, ...args: PyArgs<DropoutOptions, typeof FS.dropout3d.names>): Tensor {
  const opts = FS.dropout3d.parse<DropoutOptions>(args);
  return featureDropout(x, p, training, opts, 3, "dropout3d");
}

/** -SELU scale * alpha: the value SELU saturates to. */
const ALPHA_PRIME = 1.7580993408473766;

/**
 * Alpha dropout (for SELU networks): dropped elements are set to SELU's negative
 * saturation value and an affine map keeps mean 0 and variance 1. Default
 * `training` is false, as PyTorch's functional form.
 */
export function alphaDropout(x: Tensor, p = 0.5, training = false, ...args: PyArgs<DropoutOptions, typeof FS.alphaDropout.names>): Tensor {
  const opts = FS.alphaDropout.parse<DropoutOptions>(args);
  floatIn(x, "alphaDropout");
  checkP(p, "alphaDropout");
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const a = 1 / Math.sqrt((ALPHA_PRIME * ALPHA_PRIME * p + 1) * (1 - p));
  const keep = bernoulliMask(x.shape.slice(), p, 1, x, opts.generator ?? defaultGenerator);
  // kept: a * x + a * alpha' * p; dropped: a * alpha' * (p - 1)
  const b = keep.sub(1).mul(ALPHA_PRIME * a).add(ALPHA_PRIME * a * p);
  return x.mul(keep.mul(a)).add(b);
}
