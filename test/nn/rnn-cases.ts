/**
 * Recurrent layers against PyTorch (test/fixtures/gen_nn_rnn.py): RNN/LSTM/GRU and the
 * cells with PyTorch's weights loaded through loadStateDict; outputs, final states,
 * gradients of the inputs, initial states and every parameter, state-dict keys and
 * repr must match, including packed (unsorted) batches, projections, bidirectional
 * stacks, batchFirst, unbatched input, and double backward through the fused cells and
 * the fused recurrences (LSTM packed/proj/bidirectional, 2-layer GRU, relu RNN).
 * Registered by the one fixture loop (test/backends/fixtures.test.ts), once per backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, loadFixture, my } from "../helpers.js";
import type { Tensor } from "../../src/index.js";

export interface Enc { shape: number[]; dtype: "float32" | "float64" | "int32" | "bool"; data: (number | boolean | string)[] }
interface Case {
  name: string; js: string; mode: "train" | "eval"; kind: "seq" | "cell"; state: "none" | "h" | "hc";
  packed: { lengths: number[]; enforceSorted: boolean; batchFirst: boolean } | null;
  stateDict: Record<string, Enc>; keys: string[]; repr: string;
  inputs: Record<string, Enc>; out: Enc[]; cot: Enc[];
  inputGrads: Record<string, Enc>; paramGrads: Record<string, Enc>; double?: Record<string, Enc | null>;
}

const nn = my.nn;
const R = my.nn.utils.rnn;

export function decode(e: Enc): Tensor {
  return my.tensor(Float64Array.from(e.data as number[]), { shape: e.shape, dtype: e.dtype });
}

export const fx = loadFixture<{ cases: Case[]; utils: Record<string, any> }>("nn_rnn");

function build(js: string): InstanceType<typeof my.nn.Module> {
  return new Function("nn", "my", `"use strict"; return (${js});`)(nn, my);
}

/** Runs a case's module like the generator did; returns the flat output list. */
function forward(c: Case, m: any, ins: Record<string, Tensor>): Tensor[] {
  const st = c.state === "h" ? ins.h0 : c.state === "hc" ? [ins.h0, ins.c0] : undefined;
  if (c.kind === "cell") {
    const r = m.forward(ins.x, st);
    return Array.isArray(r) ? r : [r];
  }
  let x: any = ins.x;
  if (c.packed) x = R.packPaddedSequence(ins.x, c.packed.lengths, { batchFirst: c.packed.batchFirst, enforceSorted: c.packed.enforceSorted });
  const [out, hn] = m.forward(x, st);
  const o = c.packed ? R.padPackedSequence(out, { batchFirst: c.packed.batchFirst })[0] : out;
  return [o, ...(Array.isArray(hn) ? hn : [hn])];
}

/** Registers one test per recurrent-layer case of nn_rnn.json. */
export function runRnnCases(): void {
  for (const c of fx.cases) rnnCase(c);
}

function rnnCase(c: Case): void {
  test(`rnn ${c.name} matches PyTorch`, () => {
    const m = build(c.js);
    assert.deepEqual(Object.keys(m.stateDict()), c.keys, "state-dict keys and order");
    const sd: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.stateDict)) sd[k] = decode(e);
    assert.deepEqual(m.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    assert.equal(m.repr(), c.repr, "repr");
    m.train(c.mode === "train");
    const ins: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.inputs)) ins[k] = decode(e).requiresGrad_(true);
    const outs = forward(c, m, ins);
    const tol = { rtol: 1e-4, atol: 1e-5 };
    assert.equal(outs.length, c.out.length, "number of outputs");
    outs.forEach((o, i) => {
      assert.deepEqual(o.shape, c.out[i].shape, `output ${i} shape`);
      assertClose(o, c.out[i].data, { ...tol, msg: `output ${i}` });
    });
    const cots = c.cot.map(decode);
    const loss = outs.reduce((acc: Tensor, o, i) => acc.add(o.mul(cots[i]).sum()), my.zeros([]));
    const names = Object.keys(ins);
    const params = [...m.namedParameters()];
    assert.deepEqual(params.map(([k]) => k), Object.keys(c.paramGrads), "parameter names");
    const grads = my.grad(loss, [...names.map((k) => ins[k]), ...params.map(([, p]) => p)], { createGraph: !!c.double, allowUnused: true });
    names.forEach((k, i) => assertClose(grads[i]!, c.inputGrads[k].data, { ...tol, msg: `input ${k} grad` }));
    params.forEach(([k], i) => assertClose(grads[names.length + i]!, c.paramGrads[k].data, { ...tol, msg: `param ${k} grad` }));
    if (c.double) {
      const s = grads.slice(0, names.length).reduce((acc: Tensor, g) => acc.add(g!.square().sum()), my.zeros([]));
      const all = [...names.map((k) => ins[k]), ...params.map(([, p]) => p)];
      const g2 = my.grad(s, all, { allowUnused: true });
      [...names, ...params.map(([k]) => k)].forEach((k, i) => {
        const e = c.double![k];
        // null (not connected, e.g. through relu's piecewise-constant derivative) means zero.
        if (e === null) assert.ok(g2[i] === null || g2[i]!.abs().max().item() === 0, `double ${k}: expected zero`);
        else if (g2[i] === null) assert.ok(e.data.every((v) => v === 0), `double ${k}: got no gradient, PyTorch's is nonzero`);
        else assertClose(g2[i]!, e.data, { ...tol, msg: `double-backward grad of ${k}` });
      });
    }
  });
}
