/**
 * Image transforms (`data.transforms`, torchvision's names): conversion from uint8
 * pixels, normalization, seeded random crops, flips, noise and affine warps. Each
 * works on one image [C, H, W] or on a batch [N, C, H, W] (random parameters are
 * drawn per image), so augmenting whole DataLoader batches costs one call.
 * A transform is a function `(x) => Tensor` or an object with `apply(x)`; Compose
 * chains either kind.
 * @module
 */
import { Tensor, make } from "../core/tensor.js";
import { allocArray } from "../core/dtype.js";
import { fmtShape } from "../core/shape.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { imageDims } from "./affine.js";
import { readData } from "../ops/data.js";

export { affine, RandomAffine, RandomRotation, type AffineParams, type Interpolation, type RandomAffineOptions, type RandomGeometricOptions } from "./affine.js";

/** Something that transforms a tensor: a function or an object with `apply`. */
export type Transform = ((x: Tensor) => Tensor) | {
  /** Transforms one image or a batch. */
  apply(x: Tensor): Tensor;
};

function run(t: Transform, x: Tensor): Tensor {
  return typeof t === "function" ? t(x) : t.apply(x);
}

/**
 * Applies transforms in order.
 * @example const aug = new Compose([new RandomCrop(28, { padding: 2 }), new Normalize([0.1307], [0.3081])]);
 */
export class Compose {
  constructor(readonly transforms: Transform[]) {
    transforms.forEach((t, k) => {
      if (typeof t !== "function" && (t === null || typeof t !== "object" || typeof t.apply !== "function")) {
        throw new TypeError(`Compose: transforms[${k}] is neither a function nor an object with apply(x)`);
      }
    });
  }

  /** Applies the transforms in order. */
  apply(x: Tensor): Tensor {
    for (const t of this.transforms) x = run(t, x);
    return x;
  }
}

/**
 * Converts uint8 pixels laid out [H, W, C] (or [H, W] for gray, or an ImageData-like
 * {data, width, height} with RGBA) into a float32 tensor [C, H, W] in [0, 1], as
 * torchvision's ToTensor. A uint8 or int32 tensor [H, W, C] is accepted too.
 * @example toTensor(new Uint8Array([0, 255]), [1, 2]) // [[[0, 1]]]
 */
export function toTensor(pixels: ArrayLike<number> | Tensor | { data: ArrayLike<number>; width: number; height: number }, shape?: number[]): Tensor {
  let data: ArrayLike<number>;
  let s: number[];
  if (pixels instanceof Tensor) {
    data = readData(pixels);
    s = pixels.shape.slice();
  } else if (!("length" in pixels) && typeof pixels === "object" && "data" in pixels) {
    data = pixels.data;
    s = [pixels.height, pixels.width, data.length / (pixels.width * pixels.height)];
  } else {
    data = pixels as ArrayLike<number>;
    if (!shape) throw new Error("toTensor: pass the pixel layout [H, W, C] (or [H, W]) for a flat array");
    s = shape.slice();
  }
  if (s.length === 2) s.push(1);
  const [H, W, C] = s;
  if (s.length !== 3 || !Number.isInteger(C) || H * W * C !== data.length) {
    throw new Error(`toTensor: expected ${fmtShape(s)} = ${s.reduce((a, b) => a * b, 1)} pixel values laid out [H, W, C], got ${data.length}`);
  }
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < C; c++) {
        const v = data[(y * W + x) * C + c];
        if (!(v >= 0 && v <= 255)) throw new RangeError(`toTensor: pixel value ${v} at [${y}, ${x}, ${c}] is outside [0, 255]`);
        out[(c * H + y) * W + x] = v / 255;
      }
    }
  }
  return make(out, [C, H, W], "float32");
}

/** toTensor as a transform class (for Compose lists); the input layout is [H, W, C] or [H, W]. */
export class ToTensor {
  /** Converts uint8 pixels to float32 in [0, 1], laid out [C, H, W]. */
  apply(x: Tensor): Tensor {
    return toTensor(x);
  }
}

/**
 * (x - mean[c]) / std[c] per channel of [C, H, W] or [N, C, H, W] images.
 * @example new Normalize([0.1307], [0.3081]).apply(img)
 */
export class Normalize {
  readonly mean: number[];
  readonly std: number[];
  constructor(mean: number | number[], std: number | number[]) {
    this.mean = typeof mean === "number" ? [mean] : mean.slice();
    this.std = typeof std === "number" ? [std] : std.slice();
    if (this.mean.length !== this.std.length) throw new Error(`Normalize: mean has ${this.mean.length} values but std has ${this.std.length}`);
    this.std.forEach((v, c) => {
      if (v === 0) throw new RangeError(`Normalize: std[${c}] is 0, which would divide by zero`);
    });
  }

  /** Normalizes each channel: (x - mean) / std. */
  apply(x: Tensor): Tensor {
    const [N, C, H, W] = imageDims(x, "Normalize");
    const k = this.mean.length;
    if (k !== 1 && k !== C) throw new Error(`Normalize: ${k} mean/std values for an image with ${C} channels ${fmtShape(x.shape)}`);
    const src = readData(x);
    const dst = allocArray(x.dtype, src.length);
    const out = make(dst, x.shape.slice(), x.dtype);
    const plane = H * W;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const m = this.mean[k === 1 ? 0 : c], s = this.std[k === 1 ? 0 : c];
        const o = (n * C + c) * plane;
        for (let i = o; i < o + plane; i++) dst[i] = (src[i] - m) / s;
      }
    }
    return out;
  }
}

/**
 * Flips each image left-right with probability p (default 0.5).
 * @example new RandomHorizontalFlip(0.5, { generator: new my.Generator(0) })
 */
export class RandomHorizontalFlip {
  constructor(readonly p = 0.5, readonly opts: { generator?: Generator } = {}) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`RandomHorizontalFlip: p must be in [0, 1], got ${p}`);
  }

  /** Flips each image left-right with probability `p`. */
  apply(x: Tensor): Tensor {
    const [N, C, H, W] = imageDims(x, "RandomHorizontalFlip", false);
    const g = this.opts.generator ?? defaultGenerator;
    const src = readData(x);
    const dst = src.slice();
    const out = make(dst, x.shape.slice(), x.dtype);
    for (let n = 0; n < N; n++) {
      if (!(g.random() < this.p)) continue;
      for (let r = 0; r < C * H; r++) {
        const o = (n * C * H + r) * W;
        for (let j = 0; j < W; j++) dst[o + j] = src[o + W - 1 - j];
      }
    }
    return out;
  }
}

/**
 * Pads each image by `padding` pixels of `fill` (default 0) on every side, then cuts
 * a random size[0] x size[1] window (one per image), as torchvision's RandomCrop.
 * @example new RandomCrop(28, { padding: 4 })
 */
export class RandomCrop {
  readonly size: [number, number];
  constructor(size: number | [number, number], readonly opts: { padding?: number; fill?: number; generator?: Generator } = {}) {
    this.size = typeof size === "number" ? [size, size] : [size[0], size[1]];
    if (!this.size.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`RandomCrop: size must be positive integers, got ${JSON.stringify(size)}`);
    const p = opts.padding ?? 0;
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`RandomCrop: padding must be a non-negative integer, got ${p}`);
  }

  /** Cuts a random window of the configured size out of each image (after padding). */
  apply(x: Tensor): Tensor {
    const [N, C, H, W] = imageDims(x, "RandomCrop", false);
    const p = this.opts.padding ?? 0, fill = this.opts.fill ?? 0;
    const [h, w] = this.size;
    if (h > H + 2 * p || w > W + 2 * p) {
      throw new Error(`RandomCrop: crop size [${h}, ${w}] is larger than the padded image [${H + 2 * p}, ${W + 2 * p}] (input ${fmtShape(x.shape)}, padding ${p})`);
    }
    const g = this.opts.generator ?? defaultGenerator;
    const shape = x.ndim === 3 ? [C, h, w] : [N, C, h, w];
    const dst = allocArray(x.dtype, N * C * h * w);
    const out = make(dst, shape, x.dtype);
    const src = readData(x);
    for (let n = 0; n < N; n++) {
      // Window origin in padded coordinates, then shifted back into the source.
      const top = g.randint(0, H + 2 * p - h + 1) - p;
      const left = g.randint(0, W + 2 * p - w + 1) - p;
      for (let c = 0; c < C; c++) {
        const sb = (n * C + c) * H * W, db = (n * C + c) * h * w;
        for (let i = 0; i < h; i++) {
          const sy = top + i;
          for (let j = 0; j < w; j++) {
            const sx = left + j;
            dst[db + i * w + j] = sy >= 0 && sy < H && sx >= 0 && sx < W ? src[sb + sy * W + sx] : fill;
          }
        }
      }
    }
    return out;
  }
}

/**
 * Adds Gaussian noise: x + mean + std * N(0, 1), independently per element.
 * @example new GaussianNoise(0.1, { generator: new my.Generator(0) })
 */
export class GaussianNoise {
  constructor(readonly std: number, readonly opts: { mean?: number; generator?: Generator } = {}) {
    if (!(std >= 0)) throw new RangeError(`GaussianNoise: std must be non-negative, got ${std}`);
  }

  /** Adds Gaussian noise to each image. */
  apply(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || (x.dtype !== "float32" && x.dtype !== "float64")) throw new TypeError(`GaussianNoise: expected a float32/float64 tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`);
    const g = this.opts.generator ?? defaultGenerator;
    const m = this.opts.mean ?? 0;
    const src = readData(x);
    const dst = allocArray(x.dtype, src.length);
    const out = make(dst, x.shape.slice(), x.dtype);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] + m + this.std * g.normal();
    return out;
  }
}
