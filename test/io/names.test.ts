/**
 * Names read from files never reach Object.prototype: ONNX op types such as
 * "constructor", initialisers named like module members ("inputNames", "forward",
 * "training", "toString"), a safetensors tensor called "__proto__", state-dict keys.
 * Expected values are analytic (Relu / Add of known inputs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";
import { floatTensor, init, model, node, vinfo } from "./onnx-wire.js";

const { importOnnx } = my.io;

test("ONNX: op types named after Object.prototype members are unsupported operators", () => {
  for (const op of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__", "__defineGetter__"]) {
    const g = [...node(op, ["x"], ["y"], "n"), ...vinfo(11, "x"), ...vinfo(12, "y")];
    assert.throws(() => importOnnx(model(g)), new RegExp(`unsupported operator ${op} \\(node "n"\\)`), op);
  }
  assert.ok(!my.io.supportedImportOps().includes("constructor"));
});

test("ONNX: initialisers named like module members import, run and round-trip through stateDict", () => {
  const names = ["inputNames", "outputNames", "forward", "training", "toString", "__proto__", "constructor", "_slots"];
  // y = x + n0 + n1 + ... with n_i = [i, 10 i]
  const graph: number[] = [];
  let prev = "x";
  names.forEach((n, i) => {
    graph.push(...init(floatTensor(n, [2], [i, 10 * i])));
    graph.push(...node("Add", [prev, n], [`s${i}`], `add${i}`));
    prev = `s${i}`;
  });
  graph.push(...vinfo(11, "x"), ...vinfo(12, prev));
  const m = importOnnx(model(graph));
  assert.deepEqual(m.inputNames, ["x"]);
  assert.deepEqual(m.outputNames, [prev]);
  assert.equal(m.training, true);
  assert.equal(typeof m.forward, "function");
  const total = names.reduce((s, _, i) => s + i, 0);
  const y = m.forward(my.tensor([1, 2])) as my.Tensor;
  assert.deepEqual(y.toArray(), [1 + total, 2 + 10 * total]);
  const sd = m.stateDict();
  assert.deepEqual(Object.keys(sd), names);
  assert.equal(Object.getPrototypeOf(sd), Object.prototype);
  assert.deepEqual(sd.__proto__.toArray(), [5, 50]);
  // loadStateDict finds every key as an own property (none through Object.prototype) and the graph sees the new values.
  const next: Record<string, my.Tensor> = {};
  for (const n of names) Object.defineProperty(next, n, { value: my.zeros([2]), enumerable: true });
  m.loadStateDict(next);
  assert.deepEqual((m.forward(my.tensor([1, 2])) as my.Tensor).toArray(), [1, 2]);
  assert.throws(() => m.loadStateDict({}), /Missing key\(s\) in state_dict: "inputNames", "outputNames", "forward", "training", "toString", "__proto__", "constructor", "_slots"/);
  assert.equal(`${m}`.split("\n").at(-1), "16 parameters");
});

test("ONNX: dotted initialiser names still nest and read as fields", () => {
  const g = [...init(floatTensor("fc.weight", [2], [3, 4])), ...node("Mul", ["x", "fc.weight"], ["y"]), ...vinfo(11, "x"), ...vinfo(12, "y")];
  const m = importOnnx(model(g)) as unknown as { fc: { weight: my.Tensor }; stateDict(): Record<string, my.Tensor> };
  assert.deepEqual(m.fc.weight.toArray(), [3, 4]);
  assert.deepEqual(Object.keys(m.stateDict()), ["fc.weight"]);
});

test("safetensors: a tensor named __proto__ round-trips as an own key", () => {
  const rec: Record<string, my.Tensor> = {};
  Object.defineProperty(rec, "__proto__", { value: my.tensor([1, 2, 3]), enumerable: true });
  Object.defineProperty(rec, "constructor", { value: my.tensor([4]), enumerable: true });
  rec.w = my.tensor([5, 6]);
  const back = my.io.fromSafetensors(my.io.toSafetensors(rec));
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.keys(back).sort(), ["__proto__", "constructor", "w"]);
  assert.ok(Object.hasOwn(back, "__proto__"));
  assert.deepEqual(back.__proto__.toArray(), [1, 2, 3]);
  assert.deepEqual((back.constructor as unknown as my.Tensor).toArray(), [4]);
  // The header reader's entries are own keys too.
  const header = my.io.readSafetensorsHeader(my.io.toSafetensors(rec));
  assert.ok(Object.hasOwn(header.tensors, "__proto__"));
});

test("safetensors: a dtype named after an Object.prototype member is an unknown dtype", () => {
  const head = JSON.stringify({ w: { dtype: "constructor", shape: [1], data_offsets: [0, 4] } });
  const bytes = new Uint8Array(8 + head.length + 4);
  new DataView(bytes.buffer).setUint32(0, head.length, true);
  bytes.set(Buffer.from(head), 8);
  assert.throws(() => my.io.fromSafetensors(bytes), /tensor "w" has unknown dtype "constructor"/);
});

test("loadStateDict: keys are own properties only", () => {
  const lin = new my.nn.Linear(2, 1);
  // A plain {} "has" constructor and toString through its prototype; a module whose key is "constructor" must still see it missing.
  const m = new my.nn.Module();
  m.registerParameter("constructor", my.zeros([1]));
  assert.throws(() => m.loadStateDict({}), /Missing key\(s\) in state_dict: "constructor"/);
  assert.throws(() => lin.loadStateDict({ weight: my.zeros([1, 2]), bias: my.zeros([1]), toString: my.zeros([1]) } as never), /Unexpected key\(s\) in state_dict: "toString"/);
});

test("ONNX: 20,000 initialisers import (registration is linear: no reflection scan per entry)", () => {
  const g: number[] = [];
  for (let i = 0; i < 20000; i++) g.push(...init(floatTensor(`layer${i}.w`, [1], [i])));
  g.push(...node("Identity", ["x"], ["y"]), ...vinfo(11, "x"), ...vinfo(12, "y"));
  const sd = importOnnx(model(g)).stateDict();
  const keys = Object.keys(sd);
  assert.equal(keys.length, 20000);
  assert.equal(keys[12345], "layer12345.w");
  assert.equal(sd["layer12345.w"].item(), 12345);
});
