/**
 * `nn.init`: in-place weight initialisers with PyTorch's formulas and fan
 * computation (fan_in = size(1) · receptive field, fan_out = size(0) · receptive
 * field). All run without recording gradients and return the tensor.
 * @module
 */
import type { Tensor } from "../core/tensor.js";
import { noGrad } from "../core/autograd.js";
import { defaultGenerator, type Generator } from "../core/random.js";
import { fmtShape } from "../core/shape.js";
import "../ops/inplace.js";
import { argSpec, type PyArgs } from "../ops/args.js";
import { mutableData } from "../ops/data.js";

const S = {
  uniform_: argSpec("nn.init.uniform_", 1, ["a", "b", "*", "generator"]),
  normal_: argSpec("nn.init.normal_", 1, ["mean", "std", "*", "generator"]),
  xavierUniform_: argSpec("nn.init.xavierUniform_", 1, ["gain", "*", "generator"]),
  xavierNormal_: argSpec("nn.init.xavierNormal_", 1, ["gain", "*", "generator"]),
  kaimingUniform_: argSpec("nn.init.kaimingUniform_", 1, ["a", "mode", "nonlinearity", "*", "generator"]),
  kaimingNormal_: argSpec("nn.init.kaimingNormal_", 1, ["a", "mode", "nonlinearity", "*", "generator"]),
  orthogonal_: argSpec("nn.init.orthogonal_", 1, ["gain", "*", "generator"]),
  truncNormal_: argSpec("nn.init.truncNormal_", 1, ["mean", "std", "a", "b", "*", "generator"]),
  constant_: argSpec("nn.init.constant_", 1, ["val"], [], { val: [(v) => typeof v === "number", "a number"] }),
  zeros_: argSpec("nn.init.zeros_", 1, []), ones_: argSpec("nn.init.ones_", 1, []), eye_: argSpec("nn.init.eye_", 1, []),
  dirac_: argSpec("nn.init.dirac_", 1, ["groups"]),
  calculateGain: argSpec("nn.init.calculateGain", 1, ["param"], [], { param: [(v) => v === null || typeof v === "number", "a number or null"] }),
};

/** Options every random initialiser accepts. */
export interface GenOptions {
  generator?: Generator;
}

/** Activation names {@link calculateGain} knows (PyTorch's spelling). */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "convTranspose1d" | "convTranspose2d" | "convTranspose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "leakyRelu" | "selu";

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for
 * linear/conv/sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky_relu
 * (slope defaults to 0.01), 3/4 for selu.
 * @example nn.init.calculateGain("leaky_relu", 0.2)
 */
export function calculateGain(nonlinearity: Nonlinearity | string, ...args: PyArgs<{ param?: number | null }, typeof S.calculateGain.names>): number {
  const param = S.calculateGain.parse<{ param?: number | null }>(args).param;
  if (typeof nonlinearity !== "string") S.calculateGain.fail("nonlinearity", "a string", nonlinearity);
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d":
    case "convTranspose1d": case "convTranspose2d": case "convTranspose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": case "leakyRelu": {
      const slope = param ?? 0.01;
      if (typeof slope !== "number" || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative_slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity "${nonlinearity}"`);
  }
}

/** [fanIn, fanOut] of a weight as PyTorch computes them (needs at least 2 dims). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape ${fmtShape(t.shape)}`);
  }
  let rf = 1;
  for (let i = 2; i < t.ndim; i++) rf *= t.shape[i];
  return [t.shape[1] * rf, t.shape[0] * rf];
}

function fanOf(t: Tensor, mode: "fan_in" | "fan_out" | "fanIn" | "fanOut"): number {
  const [fi, fo] = calculateFanInAndFanOut(t);
  if (mode === "fan_in" || mode === "fanIn") return fi;
  if (mode === "fan_out" || mode === "fanOut") return fo;
  throw new Error(`init: mode must be "fan_in" or "fan_out", got "${mode}"`);
}

/** Fills with U(a, b) (defaults 0, 1). */
export function uniform_(t: Tensor, ...args: PyArgs<{ a?: number; b?: number } & GenOptions, typeof S.uniform_.names>): Tensor {
  const opts = S.uniform_.parse<{ a?: number; b?: number } & GenOptions>(args);
  return noGrad(() => t.uniform_(opts.a ?? 0, opts.b ?? 1, { generator: opts.generator }));
}

/** Fills with N(mean, std²) (defaults 0, 1). */
export function normal_(t: Tensor, ...args: PyArgs<{ mean?: number; std?: number } & GenOptions, typeof S.normal_.names>): Tensor {
  const opts = S.normal_.parse<{ mean?: number; std?: number } & GenOptions>(args);
  return noGrad(() => t.normal_(opts.mean ?? 0, opts.std ?? 1, { generator: opts.generator }));
}

/** Fills with `value`. */
export function constant_(t: Tensor, ...args: PyArgs<{ val?: number }, typeof S.constant_.names>): Tensor {
  const value = S.constant_.parse<{ val?: number }>(args).val;
  if (value === undefined) throw new Error("nn.init.constant_: argument 'val' is required");
  return noGrad(() => t.fill_(value));
}

/** Fills with 0. */
export function zeros_(t: Tensor, ...args: []): Tensor {
  S.zeros_.parse(args);
  return constant_(t, 0);
}

/** Fills with 1. */
export function ones_(t: Tensor, ...args: []): Tensor {
  S.ones_.parse(args);
  return constant_(t, 1);
}

/** Sets a 2-D tensor to the identity (ones on the main diagonal). */
export function eye_(t: Tensor, ...args: []): Tensor {
  S.eye_.parse(args);
  if (t.ndim !== 2) throw new Error(`eye_: only 2-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  return noGrad(() => {
    t.zero_();
    const [r, c] = t.shape;
    const d = mutableData(t, "eye_");
    for (let i = 0; i < Math.min(r, c); i++) d[i * c + i] = 1;
    t._bump();
    return t;
  });
}

/**
 * Sets a 3-, 4- or 5-D conv weight to the Dirac delta, so the conv passes its input
 * through (per group: channel i of the output copies input channel i).
 */
export function dirac_(t: Tensor, ...args: PyArgs<{ groups?: number }, typeof S.dirac_.names>): Tensor {
  const groups = S.dirac_.parse<{ groups?: number }>(args).groups ?? 1;
  if (t.ndim < 3 || t.ndim > 5) throw new Error(`dirac_: only 3, 4 or 5-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  if (t.shape[0] % groups !== 0) throw new Error(`dirac_: dim 0 (${t.shape[0]}) must be divisible by groups (${groups})`);
  return noGrad(() => {
    t.zero_();
    const outPerGroup = t.shape[0] / groups;
    const minDim = Math.min(outPerGroup, t.shape[1]);
    const spatial = t.shape.slice(2);
    let sp = 1;
    for (const s of spatial) sp *= s;
    // Offset of the kernel centre inside one [k...] block.
    let centre = 0;
    for (const s of spatial) centre = centre * s + Math.floor(s / 2);
    const td = mutableData(t, "dirac_");
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) {
        const o = g * outPerGroup + d;
        td[(o * t.shape[1] + d) * sp + centre] = 1;
      }
    }
    t._bump();
    return t;
  });
}

/** Xavier/Glorot uniform: U(-a, a), a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, ...args: PyArgs<{ gain?: number } & GenOptions, typeof S.xavierUniform_.names>): Tensor {
  const opts = S.xavierUniform_.parse<{ gain?: number } & GenOptions>(args);
  const [fi, fo] = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fi + fo));
  const a = Math.sqrt(3) * std;
  return uniform_(t, { a: -a, b: a, generator: opts.generator });
}

/** Xavier/Glorot normal: N(0, std²), std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, ...args: PyArgs<{ gain?: number } & GenOptions, typeof S.xavierNormal_.names>): Tensor {
  const opts = S.xavierNormal_.parse<{ gain?: number } & GenOptions>(args);
  const [fi, fo] = calculateFanInAndFanOut(t);
  const std = (opts.gain ?? 1) * Math.sqrt(2 / (fi + fo));
  return normal_(t, { mean: 0, std, generator: opts.generator });
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends GenOptions {
  /** Negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  mode?: "fan_in" | "fan_out" | "fanIn" | "fanOut";
  nonlinearity?: Nonlinearity | string;
}

/** Kaiming/He uniform: U(-b, b), b = gain·√(3 / fan). Defaults: a=0, fan_in, leaky_relu. */
export function kaimingUniform_(t: Tensor, ...args: PyArgs<KaimingOptions, typeof S.kaimingUniform_.names>): Tensor {
  const opts = S.kaimingUniform_.parse<KaimingOptions>(args);
  if (t.numel() === 0) return t;
  const fan = fanOf(t, opts.mode ?? "fan_in");
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan));
  return uniform_(t, { a: -bound, b: bound, generator: opts.generator });
}

/** Kaiming/He normal: N(0, std²), std = gain / √fan. Defaults: a=0, fan_in, leaky_relu. */
export function kaimingNormal_(t: Tensor, ...args: PyArgs<KaimingOptions, typeof S.kaimingNormal_.names>): Tensor {
  const opts = S.kaimingNormal_.parse<KaimingOptions>(args);
  if (t.numel() === 0) return t;
  const fan = fanOf(t, opts.mode ?? "fan_in");
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  return normal_(t, { mean: 0, std: gain / Math.sqrt(fan), generator: opts.generator });
}

/**
 * A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix, signs
 * fixed by diag(R) as PyTorch does; dims past the first are flattened. Scaled by `gain`.
 */
export function orthogonal_(t: Tensor, ...args: PyArgs<{ gain?: number } & GenOptions, typeof S.orthogonal_.names>): Tensor {
  const opts = S.orthogonal_.parse<{ gain?: number } & GenOptions>(args);
  if (t.ndim < 2) throw new Error(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  if (t.numel() === 0) return t;
  const g = opts.generator ?? defaultGenerator;
  const rows = t.shape[0];
  const cols = t.numel() / rows;
  const transposed = rows < cols;
  const m = transposed ? cols : rows; // tall matrix m x n, m >= n
  const n = transposed ? rows : cols;
  // Column-major columns of a Gaussian m x n matrix, orthonormalised by modified Gram-Schmidt
  // (= the Q of a QR with a positive-diagonal R, i.e. Q·sign(diag R) in PyTorch's terms).
  const q = new Float64Array(m * n);
  for (let i = 0; i < q.length; i++) q[i] = g.normal();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let k = 0; k < j; k++) {
      const ck = k * m;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[ck + i] * q[cj + i];
      for (let i = 0; i < m; i++) q[cj + i] -= dot * q[ck + i];
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += q[cj + i] * q[cj + i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < m; i++) q[cj + i] /= nrm;
  }
  const gain = opts.gain ?? 1;
  return noGrad(() => {
    const d = mutableData(t, "orthogonal_");
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // t[r, c] = Q[r, c] (tall) or Q[c, r] (wide, transposed back).
        d[r * cols + c] = gain * (transposed ? q[r * m + c] : q[c * m + r]);
      }
    }
    t._bump();
    return t;
  });
}

/** erf(x) from Numerical Recipes' Chebyshev fit of erfc (|error| < 1.2e-7, enough to place the interval). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  const y = 1 - t * Math.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return s * y;
}

/** Inverse error function: Giles' approximation polished by two Newton steps. */
function erfinv(y: number): number {
  if (y <= -1) return -Infinity;
  if (y >= 1) return Infinity;
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w; p = -3.5233877e-6 + p * w; p = -4.39150654e-6 + p * w; p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w; p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w; p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w; p = 2.83297682 + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

/**
 * N(mean, std²) truncated to [a, b] (defaults 0, 1, -2, 2), by inverse-CDF sampling
 * as PyTorch does.
 */
export function truncNormal_(t: Tensor, ...args: PyArgs<{ mean?: number; std?: number; a?: number; b?: number } & GenOptions, typeof S.truncNormal_.names>): Tensor {
  const opts = S.truncNormal_.parse<{ mean?: number; std?: number; a?: number; b?: number } & GenOptions>(args);
  const mean = opts.mean ?? 0, std = opts.std ?? 1, a = opts.a ?? -2, b = opts.b ?? 2;
  if (!(a < b)) throw new Error(`truncNormal_: need a < b, got a=${a}, b=${b}`);
  const g = opts.generator ?? defaultGenerator;
  const cdf = (x: number): number => (1 + erf(x / Math.SQRT2)) / 2;
  const l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  return noGrad(() => {
    const d = mutableData(t, "truncNormal_");
    for (let i = 0; i < d.length; i++) {
      const p = 2 * l - 1 + (2 * u - 2 * l) * g.random();
      const v = mean + std * Math.SQRT2 * erfinv(p);
      d[i] = Math.min(b, Math.max(a, v));
    }
    t._bump();
    return t;
  });
}
