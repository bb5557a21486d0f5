/**
 * Replays a PyTorch fixture file (made by test/fixtures/gen_*.py): for each case
 * it evaluates the myelin expression, compares outputs, first- and second-order
 * gradients with PyTorch's, then runs a float64 finite-difference gradcheck of the
 * same expression.
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
}

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

/** Registers one test per case of fixture file `name`. */
export function runFixture(name: string): void {
  const fx = loadFixture<{ cases: Case[] }>(name);
  for (const c of fx.cases) {
    test(`${name}: ${c.name}`, () => {
      const fn = compile(c);
      const names = Object.keys(c.inputs);
      const inputs = names.map((k) => {
        const t = decode(c.inputs[k]);
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
    });
  }
}
