/**
 * `F.interpolate`: resizing of [N, C, *spatial] tensors (1 to 3 spatial dims) with
 * nearest, nearest-exact, (bi/tri)linear and bicubic modes. Every mode is separable,
 * so each spatial dim is resampled in turn as a weighted sum of indexSelect gathers;
 * indexSelect's backward (indexAdd) gives the gradient with no extra code.
 */
import { Tensor, make } from "../../core/tensor.js";
import { isFloating } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { assertTensor } from "../../ops/util.js";
import { FS } from "../../ops/nn/specs.js";
import type { PyArgs } from "../../ops/args.js";

/** Resampling modes of {@link interpolate} (PyTorch's names). */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear";

/** Options of {@link interpolate}: give `size` or `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size (one number for every dim, or one per dim). */
  size?: number | number[] | null;
  /** Multiplier of the spatial size (one number or one per dim). */
  scaleFactor?: number | number[] | null;
  /** Resampling mode (default "nearest"). */
  mode?: InterpolateMode;
  /** Align the corner pixels' centres (linear/bicubic modes only; default false). */
  alignCorners?: boolean;
  /** Compute the source positions from the output size instead of scaleFactor (default false). */
  recomputeScaleFactor?: boolean;
}

const MODE_DIMS: Partial<Record<InterpolateMode, number>> = { linear: 1, bilinear: 2, bicubic: 2, trilinear: 3 };

/** Taps of one output position: source indices and their weights. */
interface Taps { idx: Int32Array[]; w: Float64Array[] }

const A = -0.75; // PyTorch's bicubic convolution coefficient

function cubicWeights(t: number): [number, number, number, number] {
  const c1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const c2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/** Builds the taps for one spatial dim of size `inSize` resampled to `outSize`. */
function taps(mode: InterpolateMode, inSize: number, outSize: number, scale: number | undefined, alignCorners: boolean): Taps {
  const nTaps = mode === "nearest" || mode === "nearest-exact" ? 1 : mode === "bicubic" ? 4 : 2;
  const idx = Array.from({ length: nTaps }, () => new Int32Array(outSize));
  const w = Array.from({ length: nTaps }, () => new Float64Array(outSize));
  // PyTorch's area_pixel_compute_scale: a given scaleFactor is used as 1/scale.
  const ratio = alignCorners
    ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0)
    : scale !== undefined && scale > 0 ? 1 / scale : inSize / outSize;
  const clampI = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    if (nTaps === 1) {
      const src = mode === "nearest" ? Math.floor(o * ratio) : Math.floor((o + 0.5) * ratio);
      idx[0][o] = Math.min(src, inSize - 1);
      w[0][o] = 1;
      continue;
    }
    let src = alignCorners ? ratio * o : ratio * (o + 0.5) - 0.5;
    if (nTaps === 2) {
      if (!alignCorners && src < 0) src = 0;
      const i0 = Math.floor(src);
      const l = src - i0;
      idx[0][o] = clampI(i0);
      idx[1][o] = clampI(i0 + 1);
      w[0][o] = 1 - l;
      w[1][o] = l;
    } else {
      const i0 = Math.floor(src);
      const cw = cubicWeights(src - i0);
      for (let k = 0; k < 4; k++) {
        idx[k][o] = clampI(i0 - 1 + k);
        w[k][o] = cw[k];
      }
    }
  }
  return { idx, w };
}

function perDim(v: number | number[] | undefined, n: number, what: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const arr = typeof v === "number" ? new Array<number>(n).fill(v) : v.slice();
  if (arr.length !== n) throw new Error(`interpolate: ${what} must have ${n} values (one per spatial dim), got [${arr.join(", ")}]`);
  return arr;
}

/**
 * Resizes the spatial dims of x [N, C, *spatial] to `size` or by `scaleFactor`.
 * @example F.interpolate(img, {scaleFactor: 2, mode: "bilinear", alignCorners: false})
 */
export function interpolate(x: Tensor, ...args: PyArgs<InterpolateOptions, typeof FS.interpolate.names>): Tensor {
  const opts = FS.interpolate.parse<InterpolateOptions>(args);
  assertTensor(x, "interpolate");
  const mode = opts.mode ?? "nearest";
  const nsp = x.ndim - 2;
  if (nsp < 1 || nsp > 3) throw new Error(`interpolate: expected a 3-D, 4-D or 5-D input [N, C, *spatial], got ${fmtShape(x.shape)}`);
  if (!(mode in MODE_DIMS) && mode !== "nearest" && mode !== "nearest-exact") {
    throw new Error(`interpolate: unsupported mode "${mode}"; use nearest, nearest-exact, linear, bilinear, bicubic or trilinear`);
  }
  const need = MODE_DIMS[mode];
  if (need !== undefined && need !== nsp) {
    throw new Error(`interpolate: mode "${mode}" needs a ${need + 2}-D input, got ${fmtShape(x.shape)}`);
  }
  const nearest = mode === "nearest" || mode === "nearest-exact";
  if (opts.alignCorners !== undefined && opts.alignCorners !== null && nearest) {
    throw new Error(`interpolate: alignCorners only has an effect for linear, bilinear, bicubic or trilinear modes, not "${mode}"`);
  }
  const alignCorners = opts.alignCorners ?? false;
  const sizes = perDim(opts.size ?? undefined, nsp, "size");
  const scales = perDim(opts.scaleFactor ?? undefined, nsp, "scaleFactor");
  if ((sizes === undefined) === (scales === undefined)) {
    throw new Error("interpolate: give exactly one of size or scaleFactor");
  }
  const inSp = x.shape.slice(2);
  const outSp = sizes ?? inSp.map((s, i) => Math.floor(s * scales![i]));
  if (outSp.some((s) => !(s > 0) || !Number.isInteger(s))) {
    throw new Error(`interpolate: output size [${outSp.join(", ")}] must be positive integers (input ${fmtShape(x.shape)})`);
  }
  let y = isFloating(x.dtype) ? x : x.to("float32");
  for (let i = 0; i < nsp; i++) {
    const d = i + 2;
    // Same size at ratio 1 is the identity in every mode (all weights collapse to one tap).
    if (outSp[i] === inSp[i] && (scales === undefined || scales[i] === 1)) continue;
    const scale = opts.recomputeScaleFactor || !scales ? undefined : scales[i];
    const t = taps(mode, inSp[i], outSp[i], scale, alignCorners);
    const wShape = new Array<number>(y.ndim).fill(1);
    wShape[d] = outSp[i];
    let acc: Tensor | null = null;
    for (let k = 0; k < t.idx.length; k++) {
      const g = y.indexSelect(d, make(t.idx[k], [outSp[i]], "int32"));
      const wk = make(y.dtype === "float64" ? t.w[k] : Float32Array.from(t.w[k]), wShape, y.dtype);
      const term = t.idx.length === 1 ? g : g.mul(wk);
      acc = acc ? acc.add(term) : term;
    }
    y = acc!;
  }
  return y;
}
