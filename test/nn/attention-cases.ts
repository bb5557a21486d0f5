/**
 * Replays module fixture cases of gen_nn_attention.py / gen_nn_transformer.py: builds
 * the myelin module, loads PyTorch's state dict, calls it like PyTorch did, and compares
 * outputs, input gradients and every parameter's gradient (by state-dict key); the
 * state-dict keys and order (and repr where recorded) must equal PyTorch's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

export interface Enc { shape: number[]; dtype: "float32" | "float64" | "int32" | "bool"; data: (number | boolean | string)[]; requiresGrad?: boolean }
export interface ModuleCase {
  name: string; js: string; call: string;
  stateDict: Record<string, Enc>; keys: string[];
  inputs: Record<string, Enc>; out: (Enc | null)[]; cot: (Enc | null)[];
  inputGrads: Record<string, Enc | null>; paramGrads: Record<string, Enc | null>;
  repr: string | null; rtol?: number; atol?: number;
}

/** A fixture tensor as a myelin tensor (NaN/inf strings and booleans decoded). */
export function decode(e: Enc): Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : typeof v === "boolean" ? (v ? 1 : 0) : v));
  return my.tensor(Float64Array.from(vals), { shape: e.shape, dtype: e.dtype });
}

const scope = { my, nn: my.nn, F: my.nn.functional };

/** Evaluates a JS expression from a fixture with `my`, `nn` and `F` in scope. */
export function evalJs<T>(js: string): T {
  const f = new Function(...Object.keys(scope), `"use strict"; return (${js});`);
  return f(...Object.values(scope)) as T;
}

type Tol = { rtol: number; atol: number };

/** Input gradients against the fixture's (null: PyTorch gave none). */
export function checkInputGrads(grads: Record<string, Enc | null>, gradOf: (k: string) => Tensor | null, tol: Tol): void {
  for (const [k, e] of Object.entries(grads)) {
    const g = gradOf(k);
    if (e === null) { assert.equal(g, null, `input ${k} grad`); continue; }
    assert.ok(g, `input ${k}: expected a gradient`);
    assert.deepEqual(g.shape, e.shape, `input ${k} grad shape`);
    assertClose(g, e.data, { ...tol, msg: `input ${k} grad` });
  }
}

/** Every parameter's gradient, by state-dict key, against the fixture's (null: none or zero). */
export function checkParamGrads(m: InstanceType<typeof my.nn.Module>, grads: Record<string, Enc | null>, tol: Tol): void {
  const params = new Map(m.namedParameters());
  assert.deepEqual([...params.keys()].sort(), Object.keys(grads).sort(), "parameter names");
  for (const [k, e] of Object.entries(grads)) {
    const g = params.get(k)!.grad;
    if (e === null) { assert.ok(g === null || g.abs().max().item() === 0, `param ${k}: expected no gradient`); continue; }
    assert.ok(g, `param ${k}: expected a gradient`);
    assertClose(g, e.data, { ...tol, msg: `param ${k} grad` });
  }
}

/** Registers one test per module case. */
export function runModuleCases(label: string, cases: ModuleCase[]): void {
  for (const c of cases) {
    test(`${label} ${c.name} matches PyTorch (outputs, input and parameter grads, keys)`, () => {
      const m = evalJs<InstanceType<typeof my.nn.Module>>(c.js);
      assert.deepEqual(Object.keys(m.stateDict()), c.keys, "state-dict keys and order");
      const sd: Record<string, Tensor> = {};
      for (const [k, e] of Object.entries(c.stateDict)) sd[k] = decode(e);
      assert.deepEqual(m.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
      if (c.repr !== null) assert.equal(m.repr(), c.repr, "repr");
      m.train();
      const names = Object.keys(c.inputs);
      const inputs = names.map((k) => {
        const t = decode(c.inputs[k]);
        return c.inputs[k].requiresGrad ? t.requiresGrad_(true) : t;
      });
      const call = evalJs<(mod: unknown, ...xs: Tensor[]) => Tensor | (Tensor | null)[]>(c.call);
      const res = call(m, ...inputs);
      const outs = Array.isArray(res) ? res : [res];
      assert.equal(outs.length, c.out.length, "number of outputs");
      const tol = { rtol: c.rtol ?? 1e-4, atol: c.atol ?? 2e-5 };
      let loss = my.zeros([]);
      outs.forEach((o, i) => {
        const e = c.out[i];
        if (e === null) { assert.equal(o, null, `output ${i} should be null`); return; }
        assert.ok(o, `output ${i} missing`);
        assert.deepEqual(o.shape, e.shape, `output ${i} shape`);
        assertClose(o, e.data, { ...tol, msg: `output ${i}` });
        loss = loss.add(o.mul(decode(c.cot[i]!)).sum());
      });
      loss.backward();
      checkInputGrads(c.inputGrads, (k) => inputs[names.indexOf(k)].grad, tol);
      checkParamGrads(m, c.paramGrads, tol);
    });
  }
}
