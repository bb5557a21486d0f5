/**
 * Replays a PyTorch fixture file (made by test/fixtures/gen_*.py): for each case
 * it evaluates the myelin expression, compares outputs, first- and second-order
 * gradients with PyTorch's, then runs a float64 finite-difference gradcheck of the
 * same expression. A row declared with OpInfo-style metadata (fixturelib.opinfo: `op`,
 * `args`, `variants`) also replays its variants against the same PyTorch results, as
 * PyTorch's OpInfo tests do: the method form `a.op(args)`, the in-place form
 * `a.clone().op_(args)` and the inputs as non-contiguous views with the same values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, gradcheck, loadFixture, my } from "./helpers.js";
import type { Tensor } from "../src/index.js";

interface Enc { shape: number[]; dtype: my.DType; data: (number | boolean | string)[]; requiresGrad?: boolean }
interface Case {
  name: string;
  js: string;
  inputs: Record<string, Enc>;
  out: Enc[];
  cot?: Enc[];
  grads?: Record<string, Enc | null>;
  double?: Record<string, Enc | null>;
  gradcheck?: boolean;
  rtol?: number;
  atol?: number;
  /** PyTorch rejects this expression; myelin must throw a message containing this text. */
  error?: string;
  /** OpInfo metadata: the op's name (functional `my.op`, method `a.op`, in-place `a.op_`)... */
  op?: string;
  /** ...the myelin arguments after the first input (a JS argument list, may be empty)... */
  args?: string;
  /** ...and the variants to replay against this row's PyTorch results. */
  variants?: Variant[];
}

type Variant = "method" | "inplace" | "noncontig";

function decode(e: Enc, dtype?: my.DType): Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : typeof v === "boolean" ? (v ? 1 : 0) : v));
  return my.tensor(Float64Array.from(vals), { shape: e.shape, dtype: dtype ?? e.dtype });
}

function compile(c: Case): (...xs: Tensor[]) => Tensor | Tensor[] {
  const names = Object.keys(c.inputs);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const f = new Function("my", ...names, `"use strict"; return (${c.js});`) as (m: typeof my, ...xs: Tensor[]) => Tensor | Tensor[];
  return (...xs) => f(my, ...xs);
}

const asList = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);

function checkGrads(actual: (Tensor | null)[], expected: (Enc | null)[], tol: { rtol: number; atol: number }, what: string): void {
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === null) {
      if (a) assertClose(a, new Array(a.numel()).fill(0), { ...tol, msg: `${what} ${i} (expected none/zero)` });
      return;
    }
    // "No gradient" and an all-zero gradient are the same thing (PyTorch often materialises zeros).
    if (!a && e.data.every((v) => v === 0)) return;
    assert.ok(a, `${what} ${i}: expected a gradient, got none`);
    assert.deepEqual(a.shape, e.shape, `${what} ${i} shape`);
    assertClose(a, e.data, { ...tol, msg: `${what} ${i}` });
  });
}

/**
 * `t`'s values in a non-contiguous view: every other element of a tensor twice as long
 * in the last dim (so every stride doubles). A 0-dim or one-element tensor is returned
 * as is (PyTorch counts those contiguous whatever their strides).
 */
function nonContiguous(t: Tensor): Tensor {
  if (t.numel() <= 1) return t;
  const v = my.stack([t, my.zerosLike(t)], -1).select(-1, 0);
  assert.ok(!v.isContiguous(), "the non-contiguous variant's input is non-contiguous");
  return v;
}

/** The myelin expression of a variant of an OpInfo row. */
function variantJs(c: Case, v: Variant): string {
  const first = Object.keys(c.inputs)[0];
  if (v === "method") return `${first}.${c.op}(${c.args ?? ""})`;
  if (v === "inplace") return `${first}.clone().${c.op}_(${c.args ?? ""})`;
  return c.js;
}

/** Registers one test per case of fixture file `name` (and per variant its metadata names). */
export function runFixture(name: string): void {
  const fx = loadFixture<{ cases: Case[] }>(name);
  for (const c of fx.cases) {
    test(`${name}: ${c.name}`, () => runCase(c, false));
    for (const v of c.variants ?? []) {
      if (!c.op) throw new Error(`${name}: ${c.name}: variants need the op's name`);
      test(`${name}: ${c.name} [${v}]`, () => runCase({ ...c, js: variantJs(c, v), gradcheck: false }, v === "noncontig"));
    }
  }
}

/** Replays one case (with non-contiguous input views when `strided`). */
function runCase(c: Case, strided: boolean): void {
  const fn = compile(c);
  const names = Object.keys(c.inputs);
  const inputs = names.map((k) => {
    const d = decode(c.inputs[k]);
    const t = strided ? nonContiguous(d) : d;
    return c.inputs[k].requiresGrad ? t.requiresGrad_(true) : t;
  });
  if (c.error !== undefined) {
    assert.throws(() => fn(...inputs), (e: Error) => {
      assert.ok(e.message.includes(c.error!), `error message "${e.message}" should mention "${c.error}"`);
      return true;
    });
    return;
  }
  const tol = { rtol: c.rtol ?? 1e-4, atol: c.atol ?? 1e-5 };
  const outs = asList(fn(...inputs));
  assert.equal(outs.length, c.out.length, "number of outputs");
  outs.forEach((o, i) => {
    assert.deepEqual(o.shape, c.out[i].shape, `output ${i} shape`);
    assert.equal(o.dtype, c.out[i].dtype, `output ${i} dtype`);
    assertClose(o, c.out[i].data, { ...tol, msg: `output ${i}` });
  });
  if (c.grads && c.cot) {
    const diff = names.filter((k) => c.inputs[k].requiresGrad);
    const dInputs = diff.map((k) => inputs[names.indexOf(k)]);
    const cots = c.cot.map((e) => decode(e));
    const loss = outs.reduce((acc: Tensor, o, i) => (o.requiresGrad ? acc.add(o.mul(cots[i]).sum()) : acc), my.zeros([]));
    const createGraph = !!c.double;
    const grads = my.grad(loss, dInputs, { allowUnused: true, createGraph });
    checkGrads(grads, diff.map((k) => c.grads![k]), tol, "grad");
    if (c.double) {
      const s = grads.reduce((acc: Tensor, g) => (g ? acc.add(g.mul(g).sum()) : acc), my.zeros([]));
      const g2 = s.requiresGrad ? my.grad(s, dInputs, { allowUnused: true }) : dInputs.map(() => null);
      checkGrads(g2, diff.map((k) => c.double![k]), { rtol: tol.rtol * 10, atol: tol.atol * 10 }, "double-backward grad");
    }
    if (c.gradcheck !== false) {
      const x64 = inputs.map((t, i) => {
        const e = c.inputs[names[i]];
        const d = decode(e, e.dtype === "float32" ? "float64" : e.dtype);
        return e.requiresGrad ? d.requiresGrad_(true) : d;
      });
      gradcheck(fn, x64);
    }
  }
}
