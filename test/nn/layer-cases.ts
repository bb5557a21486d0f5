/**
 * Every layer against PyTorch (test/fixtures/gen_nn_layers.py): the PyTorch module's
 * state dict is loaded with loadStateDict, then outputs, input gradients, parameter
 * gradients (by state-dict key), buffers after the forward (BatchNorm running stats)
 * and repr() must match; state-dict keys and order must equal PyTorch's. Registered by
 * the one fixture loop (test/backends/fixtures.test.ts), once per backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { CTCOnLogits, Custom, LeNet, MLP } from "./layers-models.js";
import { checkInputGrads, checkParamGrads } from "./attention-cases.js";

interface Enc { shape: number[]; dtype: "float32" | "float64" | "int32" | "bool"; data: (number | boolean | string)[]; requiresGrad?: boolean }
interface Case {
  name: string; js: string; mode: "train" | "eval";
  stateDict: Record<string, Enc>; keys: string[];
  inputs: Record<string, Enc>; out: Enc[]; cot?: Enc[];
  inputGrads?: Record<string, Enc | null>; paramGrads?: Record<string, Enc | null>;
  buffersAfter: Record<string, Enc>; repr: string | null; rtol?: number; atol?: number;
}

export function decode(e: Enc): Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : typeof v === "boolean" ? (v ? 1 : 0) : v));
  return my.tensor(Float64Array.from(vals), { shape: e.shape, dtype: e.dtype });
}

const fx = loadFixture<{ cases: Case[] }>("nn_layers");
const scope = { my, nn: my.nn, LeNet, MLP, Custom, CTCOnLogits };

function build(js: string): InstanceType<typeof my.nn.Module> {
  const f = new Function(...Object.keys(scope), `"use strict"; return (${js});`);
  return f(...Object.values(scope));
}

/** Registers one test per layer case of nn_layers.json. */
export function runLayerCases(): void {
  for (const c of fx.cases) layerCase(c);
}

function layerCase(c: Case): void {
  test(`layer ${c.name} (${c.mode}) matches PyTorch`, () => {
    const m = build(c.js);
    assert.deepEqual(Object.keys(m.stateDict()), c.keys, "state-dict keys and order");
    const sd: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.stateDict)) sd[k] = decode(e);
    const r = m.loadStateDict(sd);
    assert.deepEqual(r, { missingKeys: [], unexpectedKeys: [] });
    m.train(c.mode === "train");
    if (c.repr !== null) assert.equal(m.repr(), c.repr, "repr");
    const names = Object.keys(c.inputs);
    const inputs = names.map((k) => {
      const t = decode(c.inputs[k]);
      return c.inputs[k].requiresGrad ? t.requiresGrad_(true) : t;
    });
    const tol = { rtol: c.rtol ?? 1e-4, atol: c.atol ?? 1e-5 };
    const res = m.forward(...inputs) as Tensor | Tensor[];
    const outs = Array.isArray(res) ? res : [res];
    assert.equal(outs.length, c.out.length, "number of outputs");
    outs.forEach((o, i) => {
      assert.deepEqual(o.shape, c.out[i].shape, `output ${i} shape`);
      assert.equal(o.dtype, c.out[i].dtype, `output ${i} dtype`);
      assertClose(o, c.out[i].data, { ...tol, msg: `output ${i}` });
    });
    if (c.cot) {
      const cots = c.cot.map(decode);
      const loss = outs.reduce((acc: Tensor, o, i) => (o.requiresGrad ? acc.add(o.mul(cots[i]).sum()) : acc), my.zeros([]));
      loss.backward();
      checkInputGrads(c.inputGrads ?? {}, (k) => inputs[names.indexOf(k)].grad, tol);
      checkParamGrads(m, c.paramGrads ?? {}, tol);
    }
    const after = m.stateDict();
    for (const [k, e] of Object.entries(c.buffersAfter)) {
      assert.equal(after[k].dtype, e.dtype, `buffer ${k} dtype`);
      assertClose(after[k], e.data, { ...tol, msg: `buffer ${k} after forward` });
    }
  });
}
