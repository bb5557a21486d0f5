/**
 * Graph layers against dense PyTorch formulas (test/fixtures/gen_nn_graph.py; PyG is
 * not installable here, so the generator writes each layer's published formula
 * densely with PyG's keys): the reference state dict is loaded, then outputs, the
 * gradients of x / edge weights and of every parameter must match; state-dict keys
 * and order must equal PyG's. Registered by the one fixture loop
 * (test/backends/fixtures.test.ts), once per backend, which also replays the functional
 * cases (pools, nn.graph helpers) of nn_graph_ops.json.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";
import { checkParamGrads } from "./attention-cases.js";

interface Enc { shape: number[]; dtype: "float32" | "float64" | "int32" | "bool"; data: (number | boolean | string)[]; requiresGrad?: boolean }
interface Case {
  name: string; js: string; call: string; mode: "train" | "eval";
  stateDict: Record<string, Enc>; keys: string[];
  inputs: Record<string, Enc>; out: Enc[]; cot: (Enc | null)[];
  inputGrads: Record<string, Enc>; paramGrads: Record<string, Enc | null>;
  rtol?: number; atol?: number;
}

function decode(e: Enc): Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : typeof v === "boolean" ? (v ? 1 : 0) : v));
  return my.tensor(Float64Array.from(vals), { shape: e.shape, dtype: e.dtype });
}

const MLP = (a: number, b: number, c: number) => new my.nn.Sequential(new my.nn.Linear(a, b), new my.nn.ReLU(), new my.nn.Linear(b, c));

const fx = loadFixture<{ cases: Case[] }>("nn_graph");

/** Registers one test per graph-layer case of nn_graph.json. */
export function runGraphLayerCases(): void {
  test("nn_graph.json has its cases", () => assert.ok(fx.cases.length >= 20));
  for (const c of fx.cases) graphCase(c);
}

function graphCase(c: Case): void {
  test(`graph layer ${c.name} (${c.mode}) matches the dense PyTorch formula`, () => {
    const m = new Function("nn", "MLP", `"use strict"; return (${c.js});`)(my.nn, MLP) as InstanceType<typeof my.nn.Module>;
    assert.deepEqual(Object.keys(m.stateDict()), c.keys, "state-dict keys and order");
    const sd: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.stateDict)) sd[k] = decode(e);
    assert.deepEqual(m.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    m.train(c.mode === "train");
    const inp: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.inputs)) inp[k] = e.requiresGrad ? decode(e).requiresGrad_(true) : decode(e);
    const call = new Function("m", "x", "edgeIndex", "edgeWeight", `"use strict"; return (${c.call});`);
    const res = call(m, inp.x, inp.edgeIndex, inp.edgeWeight ?? null) as Tensor | Tensor[];
    const outs = Array.isArray(res) ? res : [res];
    const tol = { rtol: c.rtol ?? 1e-4, atol: c.atol ?? 1e-5 };
    assert.equal(outs.length, c.out.length, "number of outputs");
    outs.forEach((o, i) => {
      assert.deepEqual(o.shape, c.out[i].shape, `output ${i} shape`);
      assert.equal(o.dtype, c.out[i].dtype, `output ${i} dtype`);
      assertClose(o, c.out[i].data, { ...tol, msg: `output ${i}` });
    });
    let loss = my.zeros([]);
    outs.forEach((o, i) => { if (c.cot[i]) loss = loss.add(o.mul(decode(c.cot[i]!)).sum()); });
    loss.backward();
    for (const [k, e] of Object.entries(c.inputGrads)) {
      assert.ok(inp[k].grad, `input ${k}: expected a gradient`);
      assertClose(inp[k].grad!, e.data, { ...tol, msg: `input ${k} grad` });
    }
    checkParamGrads(m, c.paramGrads, tol);
  });
}
