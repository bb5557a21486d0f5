// The root-folder datasets read from ../shared/data (passed as root, never copied):
// Planetoid CiteSeer sizes from the published split (Yang et al. 2016: 3,327 nodes,
// 3,703 features, 6 classes, 120/500/1000) and its unlabelled nodes, TimeSeries
// values equal to the CSV text parsed here, parsePlanetoid errors naming the field,
// and a missing root option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { my } from "../helpers.js";
import { SHARED_DATA } from "./shared-data.js";

const skip = SHARED_DATA ? false : "../shared/data not found";

test("Planetoid CiteSeer: published sizes and split; -1 marks unlabelled nodes, none of them in the split", { skip }, () => {
  const g = new my.data.Planetoid({ root: SHARED_DATA!, name: "citeseer" });
  assert.deepEqual(g.x.shape, [3327, 3703]);
  assert.equal(g.numClasses, 6);
  assert.deepEqual([g.trainIndex.numel(), g.valIndex.numel(), g.testIndex.numel()], [120, 500, 1000]);
  const y = g.y.data() as Int32Array;
  const unlabelled = new Set(Array.from(y.keys()).filter((i) => y[i] === -1));
  assert.ok(unlabelled.size > 0 && unlabelled.size < 50, `${unlabelled.size} unlabelled nodes`);
  for (const idx of [g.trainIndex, g.valIndex, g.testIndex]) for (const i of idx.data() as Int32Array) assert.ok(!unlabelled.has(i), `split node ${i} is unlabelled`);
});

test("TimeSeries: every series equals its CSV's time and value columns", { skip }, () => {
  for (const name of my.data.TimeSeries.names) {
    const s = new my.data.TimeSeries({ root: SHARED_DATA!, name });
    const rows = readFileSync(join(SHARED_DATA!, "timeseries", `${name}.csv`), "utf8").trim().split(/\r?\n/).slice(1).map((l) => l.split(",").map(Number));
    assert.deepEqual(Array.from(s.values), rows.map((r) => r[1]), name);
    assert.deepEqual(Array.from(s.time), rows.map((r) => r[0]), name);
  }
  assert.throws(() => new my.data.TimeSeries({ root: SHARED_DATA!, name: "airpassengers" }), /TimeSeries: unknown series "airpassengers"; one of AirPassengers, /);
});

test("parsePlanetoid: errors name the source and the field", () => {
  const ok = { name: "tiny", num_nodes: 3, num_features: 2, num_classes: 2, labels: [0, 1, 0], features_csr: { indptr: [0, 1, 2, 2], indices: [0, 1] }, edges_undirected: [[0, 1], [1, 2]], train: [0], val: [1], test: [2] };
  const g = my.data.parsePlanetoid(JSON.stringify(ok), "tiny.json");
  assert.deepEqual(Array.from(g.x.data()), [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(g.edgeIndex.data()), [0, 1, 1, 2, 1, 2, 0, 1]);
  const bad: [object, RegExp][] = [
    [{ ...ok, labels: [0, 2, 0] }, /tiny\.json: "labels"\[1\] = 2 is not an integer in \[-1, 2\)/],
    [{ ...ok, num_nodes: 0 }, /"num_nodes" must be a positive integer, got 0/],
    [{ ...ok, edges_undirected: [[0, 3]] }, /"edges_undirected"\[1\] = 3 is not an integer in \[0, 3\)/],
    [{ ...ok, features_csr: { indptr: [0, 1, 2], indices: [0, 1] } }, /"features_csr\.indptr" has 3 entries, expected num_nodes \+ 1 = 4/],
    [{ ...ok, test: [5] }, /"test"\[0\] = 5 is not an integer in \[0, 3\)/],
  ];
  for (const [d, re] of bad) assert.throws(() => my.data.parsePlanetoid(JSON.stringify(d), "tiny.json"), re);
  assert.throws(() => my.data.parsePlanetoid("{", "tiny.json"), /parsePlanetoid: tiny\.json: not valid JSON/);
});

test("datasets without options.root say so", () => {
  assert.throws(() => new my.data.MNIST({} as never), /MNIST: options\.root \(the data folder\) is required/);
  assert.throws(() => new my.data.TinyShakespeare(undefined as never), /TinyShakespeare: options\.root \(the data folder\) is required/);
});
