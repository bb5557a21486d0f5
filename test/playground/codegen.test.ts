/**
 * The playground's state and its exported code, without a browser: the URL hash round
 * trips every field and reports bad values; and for two settings that use every option
 * (batch norm, dropout, L1, L2, initialisers, optimizers, schedules; classification and
 * regression) the exported program, run under Node with myelin, builds exactly the
 * weights the playground's worker builds (same names, shapes and values after the same
 * seed) and, after two epochs of training, the same weights as the worker's training
 * step (net.ts) gives: the code a user takes away is the network they saw. A CSV
 * setting checks the program reads the file it is given (same columns and classes),
 * run both as an ES module and as TypeScript under tsx.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as my from "../../src/index.js";
import { decodeState, defaultState, encodeState, PRESETS, type State } from "../../playground/src/state.js";
import { buildSession, prepareData, trainBatch } from "../../playground/src/net.js";
import { parseCsv, rng } from "../../playground/src/datasets.js";
import { exportCode } from "../../playground/src/codegen.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DATASETS_SOURCE = readFileSync(join(ROOT, "playground", "src", "datasets.js"), "utf8");
const noDist = existsSync(join(ROOT, "dist", "index.js")) ? false : "dist/ is not built (the exported program imports the built package)";
const tmp = mkdtempSync(join(tmpdir(), "myelin-codegen-"));
mkdirSync(join(tmp, "node_modules"));
symlinkSync(ROOT, join(tmp, "node_modules", "myelin"), "dir");
after(() => rmSync(tmp, { recursive: true, force: true }));

test("state: the URL hash round-trips every field; defaults encode to the layers alone", () => {
  assert.equal(encodeState(defaultState()), "layers=4tanh");
  const s: State = { dataset: "csv", points: 321, noise: 0.15, trainPct: 70, seed: 9, layers: [{ units: 200, act: "gelu" }, { units: 3, act: "linear" }],
    dropout: 0.25, batchNorm: true, l1: 0.001, l2: 0.0003, init: "kaiming", optimizer: "rmsprop", lr: 0.0042, schedule: "cosine", batchSize: 7,
    features: ["a b", "c,d"], target: "y=1&z" };
  const back = decodeState(`#${encodeState(s)}`);
  assert.deepEqual(back.problems, []);
  assert.deepEqual(back.state, s);
  for (const p of Object.values(PRESETS)) assert.deepEqual(decodeState(encodeState(p.apply(defaultState()))).state, p.apply(defaultState()));
  assert.deepEqual(decodeState("#layers=").state.layers, [], "no hidden layer: a linear model");
});

test("state: unknown names and out-of-range numbers are reported and keep their defaults", () => {
  const { state, problems } = decodeState("#layers=8swish,4tanh&lr=-1&opt=adamax&batch=2.5&bogus=1&train=95");
  assert.deepEqual(state, defaultState());
  assert.equal(problems.length, 6, problems.join("\n"));
  assert.match(problems.join("\n"), /layers=8swish,4tanh is not a list/);
  assert.match(problems.join("\n"), /lr=-1 is not a number in/);
  assert.match(problems.join("\n"), /opt=adamax is not one of sgd, momentum, adam/);
  assert.match(problems.join("\n"), /unknown setting "bogus"/);
  assert.deepEqual(decodeState(`#layers=${Array(13).fill("2relu").join(",")}`).problems.length, 1, "at most 12 layers");
});

const SETTINGS: [string, State][] = [
  ["xor: batch norm, dropout, L1, L2, Xavier, RMSprop, StepLR", { ...defaultState(), dataset: "xor", noise: 0.1, points: 200, seed: 5,
    layers: [{ units: 12, act: "relu" }, { units: 6, act: "elu" }, { units: 5, act: "linear" }], batchNorm: true, dropout: 0.2,
    l1: 1e-4, l2: 1e-3, init: "xavier", optimizer: "rmsprop", lr: 0.01, schedule: "step", batchSize: 32 }],
  ["plane (regression): Kaiming, SGD with momentum, ExponentialLR, L1", { ...defaultState(), dataset: "plane", noise: 0.05, points: 150, seed: 3,
    layers: [{ units: 10, act: "tanh" }, { units: 10, act: "silu" }], l1: 1e-3, init: "kaiming", optimizer: "momentum", lr: 0.02, schedule: "exp", batchSize: 10 }],
];

/** A CSV with a quoted text column, three string classes and one feature that does not matter. */
function csvText(): string {
  const r = rng(11), rows = ["petal length,petal width,noise,colour,kind"];
  for (let i = 0; i < 150; i++) {
    const k = i % 3;
    rows.push(`${1 + 2 * k + r()},${0.3 + k + 0.5 * r()},${r()},"${r() < 0.5 ? "red, dark" : "blue"}",${["setosa", "versicolor", "virginica"][k]}`);
  }
  return rows.join("\n");
}

/**
 * Runs the exported program for `epochs` epochs with --save (as model.ts under tsx when
 * `ts`, else as model.mjs under plain Node); returns the weights it wrote.
 */
function runExport(s: State, epochs: number, name: string, opts: { csv?: string; ts?: boolean } = {}): Record<string, my.Tensor> {
  const d = prepareData(s, opts.csv ? parseCsv(opts.csv) : null, null);
  const code = exportCode(s, { inDim: d.inDim, outDim: d.outDim, kind: d.kind, n: d.points.y.length, epochs, datasetsSource: DATASETS_SOURCE });
  const dir = join(tmp, name);
  mkdirSync(dir);
  const file = join(dir, opts.ts ? "model.ts" : "model.mjs");
  writeFileSync(file, code);
  const args = opts.ts ? ["--import", pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href, file] : [file];
  if (opts.csv) {
    writeFileSync(join(dir, "data.csv"), opts.csv);
    args.push(join(dir, "data.csv"));
  }
  const r = spawnSync(process.execPath, [...args, "--save"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `exported program failed:\n${r.stderr}\n--- code ---\n${code}`);
  assert.match(r.stdout, d.kind === "classification" ? /^test accuracy [\d.]+% · test loss [\d.]+\n$/ : /^test loss [\d.]+\n$/);
  return my.io.load(join(dir, "model.safetensors"));
}

function assertSameWeights(got: Record<string, my.Tensor>, want: Record<string, my.Tensor>, tol: number, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: names`);
  for (const k of Object.keys(want)) {
    assert.deepEqual(got[k].shape, want[k].shape, `${what}: ${k} shape`);
    const a = got[k].data(), b = want[k].data();
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])));
    assert.ok(m <= tol, `${what}: ${k} differs by ${m}`);
  }
}

test("exported code for a CSV file: reads the file given on its command line, same columns, classes and weights (also as TypeScript under tsx)", { skip: noDist, timeout: 120_000 }, () => {
  const s: State = { ...defaultState(), dataset: "csv", features: ["petal length", "petal width", "noise"], target: "kind", seed: 4,
    layers: [{ units: 6, act: "gelu" }], dropout: 0.1, optimizer: "adamw", lr: 0.01, schedule: "cosine" };
  const csv = csvText();
  const d = prepareData(s, parseCsv(csv), null);
  assert.deepEqual([d.inDim, d.outDim, d.classes], [3, 3, ["setosa", "versicolor", "virginica"]]);
  const sess = buildSession(s, d);
  for (let e = 0; e < 3; e++) {
    for (const [xb, yb] of sess.loader) trainBatch(sess, xb, yb);
    sess.scheduler?.step();
  }
  const want = sess.model.stateDict();
  assertSameWeights(runExport(s, 3, "csv", { csv }), want, 1e-5, "CSV, three epochs");
  assertSameWeights(runExport(s, 3, "csv-ts", { csv, ts: true }), want, 1e-5, "CSV, three epochs, as TypeScript");
});

for (const [label, s] of SETTINGS) {
  test(`exported code builds and trains the worker's network: ${label}`, { skip: noDist, timeout: 120_000 }, () => {
    const d = prepareData(s, null, null);
    const initial = buildSession(s, d).model.stateDict();
    assertSameWeights(runExport(s, 0, `${s.dataset}-0`), initial, 0, "initial weights");

    // Two epochs with the worker's training step (a scheduler step after each epoch).
    const sess = buildSession(s, d);
    for (let e = 0; e < 2; e++) {
      for (const [xb, yb] of sess.loader) trainBatch(sess, xb, yb);
      sess.scheduler?.step();
    }
    const trained = sess.model.stateDict();
    assertSameWeights(runExport(s, 2, `${s.dataset}-2`), trained, 1e-5, "after two epochs");
    // The comparison has teeth: training moved every weight tensor.
    for (const k of Object.keys(initial)) if (k.endsWith("weight") && !k.includes("running")) {
      assert.ok(trained[k].sub(initial[k]).abs().max().item() > 1e-4, `${k} did not change in training`);
    }
  });
}
