/**
 * Geometric image transforms computed directly on the pixel data: a deterministic
 * `affine` (rotation, translation, scale about the image centre, as torchvision's
 * F.affine: positive angles turn the image counter-clockwise) with bilinear or
 * nearest sampling, and the seeded RandomRotation / RandomAffine built on it.
 */
import { Tensor, make } from "../core/tensor.js";
import { allocArray, isFloating } from "../core/dtype.js";
import { fmtShape } from "../core/shape.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { readData } from "../ops/data.js";

/** How warped images are resampled: bilinear (smooth) or nearest (keeps the pixel values). */
export type Interpolation = "bilinear" | "nearest";

/** Parameters of one affine warp (torchvision's F.affine without shear). */
export interface AffineParams {
  /** Rotation in degrees, counter-clockwise as displayed (y axis pointing down). */
  angle?: number;
  /** Translation [dx, dy] in pixels (right, down). */
  translate?: [number, number];
  /** Isotropic scale factor (> 0). */
  scale?: number;
  /** Sampling of the source image (default "bilinear"). */
  interpolation?: Interpolation;
  /** Value for pixels that come from outside the image (default 0). */
  fill?: number;
}

/** Checks an image [C, H, W] or batch [N, C, H, W] (of floats unless floatOnly is false); returns [N, C, H, W] sizes. */
export function imageDims(x: Tensor, op: string, floatOnly = true): [number, number, number, number] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor image`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${op}: expected an image [C, H, W] or a batch [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (floatOnly && !isFloating(x.dtype)) throw new TypeError(`${op}: expected a float32/float64 image, got ${x.dtype} (convert with toTensor or .float())`);
  return x.ndim === 3 ? [1, x.shape[0], x.shape[1], x.shape[2]] : [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/** Round half to even, as PyTorch's nearest sampling (nearbyint) does. */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Warps channels [C, H, W] at `src[off..]` into `dst[off..]` by the inverse map
 * p_in = centre + inv · (p_out - centre - t), sampling bilinearly (out-of-image
 * neighbours count as `fill`) or at the nearest pixel.
 */
function warp(src: ArrayLike<number>, dst: { [i: number]: number }, off: number, C: number, H: number, W: number, inv: number[], tx: number, ty: number, interp: Interpolation, fill: number): void {
  const cx = (W - 1) / 2, cy = (H - 1) / 2;
  const plane = H * W;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const ox = x - cx - tx, oy = y - cy - ty;
      const sx = cx + inv[0] * ox + inv[1] * oy;
      const sy = cy + inv[2] * ox + inv[3] * oy;
      const o = off + y * W + x;
      if (interp === "nearest") {
        const ix = rint(sx), iy = rint(sy);
        const inside = ix >= 0 && ix < W && iy >= 0 && iy < H;
        for (let c = 0; c < C; c++) dst[o + c * plane] = inside ? src[off + c * plane + iy * W + ix] : fill;
        continue;
      }
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const in00 = x0 >= 0 && x0 < W && y0 >= 0 && y0 < H;
      const in01 = x0 + 1 >= 0 && x0 + 1 < W && y0 >= 0 && y0 < H;
      const in10 = x0 >= 0 && x0 < W && y0 + 1 >= 0 && y0 + 1 < H;
      const in11 = x0 + 1 >= 0 && x0 + 1 < W && y0 + 1 >= 0 && y0 + 1 < H;
      for (let c = 0; c < C; c++) {
        const base = off + c * plane;
        const p = base + y0 * W + x0;
        dst[o + c * plane] =
          w00 * (in00 ? src[p] : fill) + w01 * (in01 ? src[p + 1] : fill) + w10 * (in10 ? src[p + W] : fill) + w11 * (in11 ? src[p + W + 1] : fill);
      }
    }
  }
}

/** The inverse of rotation-then-scale as a row-major 2x2 matrix (image coordinates, y down). */
function inverseMatrix(angleDeg: number, scale: number): number[] {
  const a = (angleDeg * Math.PI) / 180;
  const c = Math.cos(a), s = Math.sin(a);
  // Forward map (counter-clockwise on screen) is scale * [[c, s], [-s, c]]; its inverse:
  return [c / scale, -s / scale, s / scale, c / scale];
}

/**
 * Applies one affine warp to an image [C, H, W] or to every image of a batch
 * [N, C, H, W] (a new tensor; not differentiable).
 * @example const r = affine(img, { angle: 90 }); // the image turned a quarter counter-clockwise
 */
export function affine(x: Tensor, params: AffineParams): Tensor {
  const [N, C, H, W] = imageDims(x, "affine");
  const scale = params.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`affine: scale must be positive, got ${scale}`);
  const [tx, ty] = params.translate ?? [0, 0];
  const inv = inverseMatrix(params.angle ?? 0, scale);
  const src = readData(x), dst = allocArray(x.dtype, src.length);
  const out = make(dst, x.shape.slice(), x.dtype);
  for (let n = 0; n < N; n++) warp(src, dst, n * C * H * W, C, H, W, inv, tx, ty, params.interpolation ?? "bilinear", params.fill ?? 0);
  return out;
}

function range2(v: number | [number, number], op: string, what: string): [number, number] {
  if (typeof v === "number") {
    if (v < 0) throw new RangeError(`${op}: ${what} must be non-negative when given as one number, got ${v}`);
    return [-v, v];
  }
  if (!Array.isArray(v) || v.length !== 2 || v[0] > v[1]) throw new RangeError(`${op}: ${what} must be a number or a [min, max] pair, got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

/** Options shared by the random geometric transforms. */
export interface RandomGeometricOptions {
  interpolation?: Interpolation;
  fill?: number;
  generator?: Generator;
}

/**
 * Rotates each image by an angle drawn uniformly from [-degrees, degrees] (or
 * [min, max]), about its centre; a batch gets one angle per image.
 * @example new RandomRotation(15, { generator: new my.Generator(0) }).apply(img)
 */
export class RandomRotation {
  readonly degrees: [number, number];
  constructor(degrees: number | [number, number], readonly opts: RandomGeometricOptions = {}) {
    this.degrees = range2(degrees, "RandomRotation", "degrees");
  }

  /** Rotates each image by its own random angle. */
  apply(x: Tensor): Tensor {
    return new RandomAffine({ ...this.opts, degrees: this.degrees }).apply(x);
  }
}

/** Options of RandomAffine (torchvision's names and ranges). */
export interface RandomAffineOptions extends RandomGeometricOptions {
  /** Rotation range: d for [-d, d], or [min, max] (degrees). */
  degrees: number | [number, number];
  /** Maximum absolute translation as fractions [a, b] of width and height. */
  translate?: [number, number];
  /** Scale range [min, max]. */
  scale?: [number, number];
}

/**
 * Random rotation, translation and scaling per image, drawn as torchvision does:
 * angle ~ U(degrees), dx = round(U(-a W, a W)), dy = round(U(-b H, b H)),
 * scale ~ U(scale).
 * @example new RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] })
 */
export class RandomAffine {
  readonly degrees: [number, number];
  constructor(readonly opts: RandomAffineOptions) {
    this.degrees = range2(opts.degrees, "RandomAffine", "degrees");
    const t = opts.translate;
    if (t !== undefined && (t.length !== 2 || t.some((v) => !(v >= 0 && v <= 1)))) throw new RangeError(`RandomAffine: translate must be [a, b] with values in [0, 1], got ${JSON.stringify(t)}`);
    const s = opts.scale;
    if (s !== undefined && (s.length !== 2 || !(s[0] > 0) || s[0] > s[1])) throw new RangeError(`RandomAffine: scale must be [min, max] with 0 < min <= max, got ${JSON.stringify(s)}`);
  }

  /** Warps each image by its own random affine transform. */
  apply(x: Tensor): Tensor {
    const [N, C, H, W] = imageDims(x, "RandomAffine");
    const g = this.opts.generator ?? defaultGenerator;
    const src = readData(x), dst = allocArray(x.dtype, src.length);
    const out = make(dst, x.shape.slice(), x.dtype);
    const [d0, d1] = this.degrees;
    for (let n = 0; n < N; n++) {
      const angle = d0 + (d1 - d0) * g.random();
      let tx = 0, ty = 0;
      if (this.opts.translate) {
        const mx = this.opts.translate[0] * W, my = this.opts.translate[1] * H;
        tx = Math.round(-mx + 2 * mx * g.random());
        ty = Math.round(-my + 2 * my * g.random());
      }
      const s = this.opts.scale ? this.opts.scale[0] + (this.opts.scale[1] - this.opts.scale[0]) * g.random() : 1;
      warp(src, dst, n * C * H * W, C, H, W, inverseMatrix(angle, s), tx, ty, this.opts.interpolation ?? "bilinear", this.opts.fill ?? 0);
    }
    return out;
  }
}
