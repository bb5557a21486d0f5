/**
 * PyTorch-style argument parsing, one place for the whole library.
 *
 * Every constructor and function with optional arguments takes them as PyTorch
 * does: by position, in PyTorch's order, and/or in one trailing plain options
 * object (`new nn.Conv2d(1, 8, 4, 2, 1, {bias: false})`). An `ArgSpec` names the
 * function and PyTorch's optional parameters after the ones the implementation
 * reads itself; `spec.parse(rest)` returns the merged options and throws, naming
 * the function and the argument, on anything that would otherwise be silently
 * ignored: too many positional values, a name given both ways with different
 * values, an options argument that is not a plain object, an unknown key, a value
 * of the wrong type. Specs register themselves so a test can compare each with
 * PyTorch's signature (test/fixtures/signatures.json).
 */

import { AVAILABLE_DEVICES } from "../core/storage.js";

/** Marks where PyTorch's keyword-only parameters start in a spec's name list. */
export const KW = "*";

type BeforeKw<K extends readonly string[]> = K extends readonly [infer H, ...infer T extends readonly string[]]
  ? H extends typeof KW ? [] : [H, ...BeforeKw<T>] : [];
type Vals<O, K extends readonly unknown[]> = { [I in keyof K]: K[I] extends keyof O ? O[K[I]] | undefined : never };
type Prefixes<T extends readonly unknown[]> = T extends readonly [...infer I, unknown] ? T | Prefixes<I> : [];
type WithOpts<P, O> = P extends readonly unknown[] ? [...P, (O | undefined)?] : never;
/**
 * The trailing arguments of a PyTorch-style signature: any prefix of the
 * positional parameters (typed from the options interface O), then O.
 */
export type PyArgs<O, K extends readonly string[]> = WithOpts<Prefixes<Vals<O, BeforeKw<K>>>, O>;

/** A plain object literal (`{...}`), the only thing accepted as an options argument. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

type Check = [test: (v: unknown) => boolean, expected: string];
const isInt = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown): boolean => typeof v === "number" && !Number.isNaN(v);
const intOrInts = (v: unknown): boolean => isInt(v) || (Array.isArray(v) && v.every(isInt));
const BOOL: Check = [(v) => typeof v === "boolean", "a boolean"];
const NUM: Check = [isNum, "a number"];
const INT: Check = [isInt, "an integer"];
const INTS: Check = [intOrInts, "an integer or an array of integers"];
const NUM_OR_NULL: Check = [(v) => v === null || isNum(v), "a number or null"];
const INT_OR_NULL: Check = [(v) => v === null || isInt(v), "an integer or null"];
const STR: Check = [(v) => typeof v === "string", "a string"];
const DEFAULT_ONLY: Check = [(v) => v === null || v === false, "left at PyTorch's default (null/false): myelin does not implement it"];

/**
 * The expected type of each option name used anywhere in the library. Names are
 * PyTorch's, camelCased, and mean the same thing wherever they occur, so one
 * table serves every function; a name not listed is passed through unchecked.
 */
const CHECKS: Record<string, Check> = {
  ...Object.fromEntries([
    "bias", "inplace", "keepdim", "batchFirst", "bidirectional", "affine", "trackRunningStats",
    "elementwiseAffine", "ceilMode", "countIncludePad", "returnIndices", "amsgrad", "nesterov",
    "maximize", "centered", "training", "logTarget", "full", "logInput", "swap", "zeroInfinity",
    "requiresGrad", "normFirst", "addSelfLoops", "normalize", "improved", "concat", "rootWeight",
    "trainEps", "scaleGradByFreq", "sparse", "threePhase", "cycleMomentum", "isCausal",
    "needWeights", "averageAttnWeights", "addBiasKv", "addZeroAttn", "equalNan", "accumulate",
    "decoupledWeightDecay", "verbose", "foreach", "enableNestedTensor", "maskCheck", "unbiased",
  ].map((n) => [n, n === "foreach" || n === "verbose" ? [(v: unknown) => v === null || typeof v === "boolean", "a boolean or null"] as Check : BOOL])),
  ...Object.fromEntries([
    "momentum", "dampening", "weightDecay", "alpha", "beta", "p", "gamma", "margin", "delta", "TMax", "T0",
    "negativeSlope", "threshold", "mean", "std", "a", "b", "gain", "lambd", "rho", "lrDecay",
    "initialAccumulatorValue", "momentumDecay", "factor", "etaMin", "startFactor", "endFactor",
    "labelSmoothing", "dropout", "dropoutP", "minVal", "maxVal", "rtol", "atol", "power", "TMult",
    "divFactor", "finalDivFactor", "pctStart", "baseMomentum", "maxMomentum", "tolerance",
    "toleranceGrad", "toleranceChange", "lr", "cooldown", "threshold",
    "sparsity", "initialLr", "value", "fillValue", "upper", "lower", "layerNormEps",
  ].map((n) => [n, NUM])),
  ...Object.fromEntries(["eps"].map((n) => [n, NUM_OR_NULL])),
  ...Object.fromEntries([
    "numLayers", "groups", "stepSize", "lastEpoch", "totalIters", "blank", "ignoreIndex",
    "projSize", "heads", "numClasses", "historySize", "maxIter", "patience", "numHeads", "dimFeedforward",
    "nhead", "numEncoderLayers", "numDecoderLayers", "dModel", "diagonal", "steps", "dim", "numClasses",
  ].map((n) => [n, n === "dim" ? [(v: unknown) => v === null || intOrInts(v), "an integer, an array of integers or null"] as Check : INT])),
  ...Object.fromEntries(["stride", "dilation", "kernelSize", "outputPadding"].map((n) => [n, INTS])),
  ...Object.fromEntries(["paddingIdx", "divisorOverride", "kdim", "vdim", "maxEval", "totalSteps", "epochs", "stepsPerEpoch"].map((n) => [n, INT_OR_NULL])),
  ...Object.fromEntries(["maxLr", "minLr", "etaMin"].map((n) => [n, [(v: unknown) => isNum(v) || (Array.isArray(v) && v.every(isNum)), "a number or an array of numbers (one per group)"] as Check])),
  lineSearchFn: [(v) => v === null || v === "strong_wolfe", "\"strong_wolfe\" or null"],
  ...Object.fromEntries(["maxNorm", "scale", "normType"].map((n) => [n, NUM_OR_NULL])),
  ...Object.fromEntries(["reduction", "mode", "nonlinearity", "paddingMode", "approximate", "aggr",
    "thresholdMode", "annealStrategy", "lineSearchFn", "activation"].map((n) => [n, STR])),
  padding: [(v) => intOrInts(v) || v === "same" || v === "valid", "an integer, an array of integers, \"same\" or \"valid\""],
  // dtype is checked by checkDType where it is used (its message knows int64 -> int32).
  device: [(v) => v === null || (AVAILABLE_DEVICES as readonly unknown[]).includes(v), `a device of this build (${AVAILABLE_DEVICES.map((d) => JSON.stringify(d)).join(", ")}) or null`],
  capturable: DEFAULT_ONLY, differentiable: DEFAULT_ONLY, fused: DEFAULT_ONLY, pinMemory: DEFAULT_ONLY,
  sizeAverage: [(v) => v === null, "null (deprecated in PyTorch: use reduction)"],
  reduce: [(v) => v === null, "null (deprecated in PyTorch: use reduction)"],
  minValue: [(v) => v === null, "null (deprecated in PyTorch: use minVal)"],
  maxValue: [(v) => v === null, "null (deprecated in PyTorch: use maxVal)"],
  out: [(v) => v === null, "null (myelin has no out= arguments)"],
};
// `activation` may also be a function (TransformerEncoderLayer), `mode`/`activation` strings otherwise.
CHECKS.activation = [(v) => typeof v === "string" || typeof v === "function" || (typeof v === "object" && v !== null && !isPlainObject(v)), "a string, a function or a Module"];

/** Extra per-spec type rules, for names whose meaning differs from CHECKS'. */
export type ArgTypes = Record<string, [test: (v: unknown) => boolean, expected: string]>;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array [${v.slice(0, 4).map((x) => (typeof x === "object" ? typeof x : String(x))).join(", ")}${v.length > 4 ? ", …" : ""}]`;
  if (typeof v === "object") return `${(v as object).constructor?.name ?? "an object"} object`;
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return Object.is(a, b);
}

/** Every spec created, by function name (read by the misplaced-argument test). */
export const ARG_SPECS = new Map<string, ArgSpec<readonly string[]>>();

/** PyTorch's optional parameters of one function, after the `fixed` ones it reads itself. */
export class ArgSpec<K extends readonly string[]> {
  readonly positional: readonly string[];
  readonly keywords: ReadonlySet<string>;

  constructor(
    readonly fn: string, readonly fixed: number, readonly names: K,
    readonly extra: readonly string[] = [], readonly types: ArgTypes = {},
  ) {
    const kw = names.indexOf(KW);
    this.positional = kw < 0 ? names : names.slice(0, kw);
    this.keywords = new Set([...names.filter((n) => n !== KW), ...extra]);
    ARG_SPECS.set(fn, this as ArgSpec<readonly string[]>);
  }

  /** Throws the library's standard error for argument `name` of this function. */
  fail(name: string, expected: string, got: unknown): never {
    throw new Error(`${this.fn}: argument '${name}' must be ${expected}, got ${describe(got)}`);
  }

  /** Checks one value against the type tables (null/undefined mean "not given"). */
  check(name: string, v: unknown): void {
    if (v === undefined) return;
    const rule = this.types[name] ?? CHECKS[name];
    if (rule && !rule[0](v)) this.fail(name, rule[1], v);
  }

  /** Merges positional values and the trailing options object into one checked object. */
  parse<O extends object>(args: readonly unknown[]): O {
    let pos = args;
    let given: Record<string, unknown> = {};
    if (args.length > 0 && isPlainObject(args[args.length - 1])) {
      given = args[args.length - 1] as Record<string, unknown>;
      pos = args.slice(0, -1);
    } else if (args.length > this.positional.length && args.length > 0) {
      const last = args[args.length - 1];
      this.fail("options", "a plain object ({...}) after the positional arguments", last);
    }
    if (pos.length > this.positional.length) {
      throw new Error(
        `${this.fn}: takes at most ${this.fixed + this.positional.length} positional arguments ` +
        `(${[...Array(this.fixed).fill("…"), ...this.positional].join(", ")}), got ${this.fixed + pos.length}; ` +
        `pass the others in a trailing options object`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(given)) {
      if (!this.keywords.has(key)) {
        throw new Error(`${this.fn}: unknown option '${key}' (known: ${[...this.keywords].join(", ") || "none"})`);
      }
      this.check(key, v);
      if (v !== undefined) out[key] = v;
    }
    pos.forEach((v, i) => {
      const name = this.positional[i];
      if (v === undefined) return;
      if (isPlainObject(v)) this.fail(name, "a positional value (an options object goes last)", v);
      this.check(name, v);
      if (name in out && !same(out[name], v)) {
        throw new Error(`${this.fn}: argument '${name}' given by position (${describe(v)}) and in the options object (${describe(out[name])})`);
      }
      out[name] = v;
    });
    return out as O;
  }
}

/** Creates and registers the spec of `fn` (`fixed` = leading parameters read by the function itself). */
export function argSpec<const K extends readonly string[]>(
  fn: string, fixed: number, names: K, extra: readonly string[] = [], types: ArgTypes = {},
): ArgSpec<K> {
  return new ArgSpec(fn, fixed, names, extra, types);
}
