/**
 * CSV loading (a real time-series file with known totals, and edge cases written out
 * by hand) and text corpora (tinyshakespeare's known size and alphabet; windows
 * checked against slices of the raw text).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as my from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { parseCsv, loadCsv, charVocab, wordVocab, TextCorpus, DataLoader, loadText } = my.data;
const air = "/work/shared/data/timeseries/AirPassengers.csv";
const shakespeare = "/work/shared/data/tinyshakespeare.txt";

test("loadCsv on AirPassengers: 144 months, quoted header, integer target; known total 40363", { skip: !existsSync(air) && "shared data missing" }, () => {
  const d = loadCsv(air, { target: "value" });
  assert.deepEqual(d.columns, ["time"]);
  assert.equal(d.targetColumn, "value");
  assert.deepEqual(d.features.shape, [144, 1]);
  assert.equal(d.target!.dtype, "int32");
  assert.equal(d.target!.sum().item(), 40363);
  assert.deepEqual([d.target!._data[0], d.target!._data[143]], [112, 432]);
  assertClose(d.features.select(0, 1), [1949.0833]);
  assert.equal(d.dataset.len(), 144);
});

test("parseCsv: delimiter, no header, column selection by name/index, float target, quoting, CRLF, BOM", () => {
  const d = parseCsv("\ufeffa;b;c\r\n1;2;0.5\r\n\r\n3;\"4\";1.5\r\n", { delimiter: ";", target: "c" });
  assert.deepEqual(d.features.toArray(), [[1, 2], [3, 4]]);
  assert.equal(d.target!.dtype, "float32");
  assert.deepEqual(d.target!.toArray(), [0.5, 1.5]);
  const e = parseCsv("1,2,3\n4,5,6", { header: false, columns: [2, 0] });
  assert.deepEqual(e.columns, ["2", "0"]);
  assert.deepEqual(e.features.toArray(), [[3, 1], [6, 4]]);
  assert.equal(e.target, undefined);
  assert.equal(e.dataset.tensors.length, 1);
  const f = parseCsv('x,"y, the label"\n-1e-3,nan\n+inf,2\n', { target: "y, the label", dtype: "float64", targetDtype: "float64" });
  assert.equal(f.features.dtype, "float64");
  assert.deepEqual(Array.from(f.features._data), [-0.001, Infinity]);
  assert.ok(Number.isNaN(f.target!._data[0]));
});

test("parseCsv: errors name the line and the fault", () => {
  assert.throws(() => parseCsv("a,b\n1,2\n3\n4,5\n", {}, "f.csv"), /loadCsv: f\.csv: line 3 has 1 fields but the header has 2 \(ragged rows\)/);
  assert.throws(() => parseCsv("a,b\n1,2\n3,x7\n", {}, "f.csv"), /line 3, column 2 \("b"\): non-numeric value "x7"/);
  assert.throws(() => parseCsv("a,b\n1,\n", {}, "f.csv"), /line 2, column 2 \("b"\): empty cell/);
  assert.throws(() => parseCsv('a\n"1\n', {}, "f.csv"), /line 2: unterminated quoted field/);
  assert.throws(() => parseCsv("a,b\n", {}, "f.csv"), /no data rows/);
  assert.throws(() => parseCsv("a,b\n1,2\n", { target: "z" }, "f.csv"), /target column "z" is not a column \(columns: a, b\)/);
  assert.throws(() => parseCsv("a,b\n1,2\n", { columns: [5] }, "f.csv"), /column index 5 is out of range for 2 columns/);
  // A quoted newline inside a field keeps the reported line numbers true to the file.
  assert.throws(() => parseCsv('a,b\n"1\n",2\n3,?\n', {}, "f.csv"), /line 4, column 2/);
});

test("loadCsv reads gzipped files and names the file in errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "myelin-csv-"));
  try {
    const p = join(dir, "t.csv.gz");
    writeFileSync(p, gzipSync("u,v\n1,2\n"));
    assert.deepEqual(loadCsv(p, { target: "v" }).target!.toArray(), [2]);
    writeFileSync(join(dir, "bad.csv"), "u,v\n1\n");
    assert.throws(() => loadCsv(join(dir, "bad.csv")), /bad\.csv: line 2 has 1 fields/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tinyshakespeare: 1,115,394 characters, 65-symbol alphabet, lossless encode/decode", { skip: !existsSync(shakespeare) && "shared data missing" }, () => {
  const text = readFileSync(shakespeare, "utf8");
  const c = loadText(shakespeare);
  assert.equal(c.len(), 1115394);
  assert.equal(c.vocab.size, 65);
  assert.equal(c.vocab.itos.slice(0, 4).join(""), "\n !$");
  assert.equal(c.vocab.decode(c.ids), text);
  // Windows: x is a slice of the text, y the same slice one character later.
  const w = c.windows(32, { stride: 16 });
  assert.equal(w.len(), Math.floor((1115394 - 33) / 16) + 1);
  const [x, y] = w.get(3);
  assert.equal(c.vocab.decode(x), text.slice(48, 80));
  assert.equal(c.vocab.decode(y), text.slice(49, 81));
  const [xb, yb] = [...new DataLoader(w, { batchSize: 8 })][2];
  assert.deepEqual(xb.shape, [8, 32]);
  assert.equal(c.vocab.decode(yb.select(0, 5)), text.slice(16 * 21 + 1, 16 * 21 + 33));
  const [train, val] = c.split(0.9);
  assert.equal(train.ids.length + val.ids.length, 1115394);
  assert.equal(c.vocab.decode(val.windows(10).get(0)[0]), text.slice(1003854, 1003864));
});

test("charVocab / wordVocab on hand-checked text", () => {
  const cv = charVocab("hello");
  assert.deepEqual(cv.itos, ["e", "h", "l", "o"]);
  assert.deepEqual(cv.encode("olleh").toArray(), [3, 2, 2, 0, 1]);
  assert.throws(() => cv.encode("hex"), /token "x" \(position 2\) is not in the 4-token vocabulary/);
  const wv = wordVocab("the cat and the dog. The cat!", { minFreq: 1 });
  // counts: the 2, cat 2, The 1, and 1, dog 1, . 1, ! 1 → frequency, then code-unit order.
  assert.deepEqual(wv.itos, ["<unk>", "cat", "the", "!", ".", "The", "and", "dog"]);
  assert.deepEqual(wv.encode("the bird.").toArray(), [2, 0, 4]);
  assert.equal(wv.decode([2, 1, 3]), "the cat !");
  assert.deepEqual(wordVocab("a a b c", { minFreq: 2 }).itos, ["<unk>", "a"]);
  assert.deepEqual(wordVocab("A a b", { lower: true }).itos, ["<unk>", "a", "b"]);
  const wc = new TextCorpus("to be or not to be", { level: "word" });
  assert.deepEqual(wc.vocab.itos, ["<unk>", "be", "to", "not", "or"]);
  assert.deepEqual(wc.ids.toArray(), [2, 1, 4, 3, 2, 1]);
  const [x, y] = wc.windows(2).getBatch(Int32Array.of(0, 1));
  assert.deepEqual(x.toArray(), [[2, 1], [4, 3]]);
  assert.deepEqual(y.toArray(), [[1, 4], [3, 2]]);
  assert.equal(wc.windows(5).len(), 1);
  assert.equal(wc.windows(6).len(), 0);
});
