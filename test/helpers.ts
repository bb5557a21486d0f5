/**
 * Test helpers: closeness assertions against reference values, PyTorch fixture
 * loading, and float64 central-difference gradient checks.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as my from "../src/index.js";
import type { Tensor } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  msg?: string;
}

function flat(x: unknown): number[] {
  if (Array.isArray(x)) return x.flatMap(flat);
  if (typeof x === "boolean") return [x ? 1 : 0];
  if (x === null) return [NaN];
  if (typeof x === "string") return [x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : Number(x)];
  return [x as number];
}

/** Asserts |a - e| <= atol + rtol * |e| elementwise (NaN matches NaN, infinities must match). */
export function assertClose(actual: Tensor | number[] | number, expected: unknown, opts: CloseOptions = {}): void {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const a = typeof actual === "number" ? [actual] : Array.isArray(actual) ? actual : Array.from(actual.data() as ArrayLike<number>);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${opts.msg ?? ""} length ${a.length} vs expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = e[i];
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${opts.msg ?? ""} [${i}]: expected NaN, got ${x}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      assert.equal(x, y, `${opts.msg ?? ""} [${i}]: expected ${y}, got ${x}`);
      continue;
    }
    const tol = atol + rtol * Math.abs(y);
    if (!(Math.abs(x - y) <= tol)) {
      assert.fail(`${opts.msg ?? ""} [${i}]: got ${x}, expected ${y} (|diff| ${Math.abs(x - y)} > tol ${tol})`);
    }
  }
}

/** Asserts shape equality with a readable message. */
export function assertShape(t: Tensor, shape: number[], msg = ""): void {
  assert.deepEqual(t.shape, shape, `${msg} shape [${t.shape}] vs expected [${shape}]`);
}

/** Loads test/fixtures/<name>.json. */
export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(here, "fixtures", `${name}.json`), "utf8")) as T;
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd gradients of sum(fn(...inputs) * cotangent) with float64
 * central differences, for every input that requires grad. Inputs must be float64.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  for (const x of inputs) if (x.requiresGrad) assert.equal(x.dtype, "float64", "gradcheck inputs must be float64");
  const outs = (): Tensor[] => {
    const r = fn(...inputs);
    return Array.isArray(r) ? r : [r];
  };
  const gen = new my.Generator(1234);
  const first = outs();
  const cot = first.map((o) => my.randn(o.shape, { dtype: "float64", generator: gen }));
  const scalar = (os: Tensor[]): Tensor =>
    os.reduce((acc: Tensor, o, i) => (my.isFloating(o.dtype) ? acc.add(o.mul(cot[i]).sum()) : acc), my.zeros([], { dtype: "float64" }));
  const targets = inputs.filter((x) => x.requiresGrad);
  const loss = scalar(first);
  const analytic = my.grad(loss, targets, { allowUnused: true });
  targets.forEach((x, ti) => {
    const n = x.numel();
    const numeric = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const orig = x._data[i];
      x._data[i] = orig + eps;
      const fp = my.noGrad(() => scalar(outs()).item());
      x._data[i] = orig - eps;
      const fm = my.noGrad(() => scalar(outs()).item());
      x._data[i] = orig;
      numeric[i] = (fp - fm) / (2 * eps);
    }
    const a = analytic[ti] ? Array.from(analytic[ti]!.data() as Float64Array) : new Array(n).fill(0);
    assertClose(a, Array.from(numeric), { atol, rtol, msg: `gradcheck input ${inputs.indexOf(x)} (shape [${x.shape}])` });
  });
}

export { my };
