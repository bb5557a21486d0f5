// The imported graph's execution plan (src/io/onnx/plan.ts): Sigmoid → Mul(x, sigmoid(x))
// runs as one silu (values checked against x / (1 + e^-x) in float64), but not when the
// sigmoid is also read elsewhere or is a graph output; and each intermediate value is
// released after its last reader, never a graph output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { my } from "../helpers.js";
import { planGraph } from "../../src/io/onnx/plan.js";
import { decodeModel } from "../../src/io/onnx/proto.js";
import { model, node, vinfo } from "./onnx-wire.js";

const X = [-30, -2.5, -0.5, 0, 0.75, 3, 40];
const silu = (v: number) => v / (1 + Math.exp(-v));

function graph(extra: number[], outs: string[]): Uint8Array {
  return model([...node("Sigmoid", ["x"], ["s"], "sig"), ...node("Mul", ["x", "s"], ["y"], "mul"), ...extra,
    ...vinfo(11, "x"), ...outs.flatMap((o) => vinfo(12, o))]);
}

test("importOnnx: Mul(x, Sigmoid(x)) is planned as one silu and gives x / (1 + e^-x)", () => {
  const bytes = graph([...node("Neg", ["y"], ["z"], "neg")], ["z"]);
  const g = decodeModel(bytes).graph;
  const p = planGraph(g.node, ["z"]);
  assert.deepEqual([...p.skip], [0]);
  assert.deepEqual([...p.silu], [[1, "x"]]);
  assert.deepEqual(p.release, [[], ["x", "s"], ["y"]]);
  const z = my.io.importOnnx(bytes).forward(my.tensor(X)) as my.Tensor;
  Array.from(z.data() as Float32Array).forEach((v, i) => assert.ok(Math.abs(v + silu(X[i])) <= 1e-6 * Math.max(1, Math.abs(silu(X[i]))), `z[${i}] = ${v}`));
});

test("importOnnx: a sigmoid read by another node or returned is not fused away", () => {
  for (const [extra, outs] of [[node("Neg", ["s"], ["t"], "neg"), ["y", "t"]], [[], ["y", "s"]]] as [number[], string[]][]) {
    const bytes = graph(extra, outs);
    const p = planGraph(decodeModel(bytes).graph.node, outs);
    assert.equal(p.skip.size, 0);
    assert.equal(p.silu.size, 0);
    const res = my.io.importOnnx(bytes).forward(my.tensor(X)) as my.Tensor[];
    Array.from(res[0].data() as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - silu(X[i])) <= 1e-6 * Math.max(1, Math.abs(silu(X[i]))), `y[${i}] = ${v}`));
  }
});
