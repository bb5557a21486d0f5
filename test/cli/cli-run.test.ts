// `myelin train` / `eval` / `info` behaviour around runs: no silent overwrite of a run
// directory (--force), --resume with more epochs extends the cosine schedule (the
// learning rate checked against the closed form), batched eval gives the same
// numbers at any --batch-size, damaged checkpoint metadata is named, a closed stdout
// (EPIPE) exits quietly, and data errors name --data and --download.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { my } from "../helpers.js";
import { historyToSvg } from "../../src/train/plot.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "myelin-cli-run-"));
const quick = ["--train-size", "500", "--batch-size", "100", "--quiet"];

test("train refuses an existing run directory without --force; --resume extends the cosine schedule", async () => {
  const out = join(tmp, "run");
  const first = await run("train", "mnist-mlp", "--epochs", "1", "--out", out, ...quick);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, / · 1 epoch, batch 100,/, "singular 'epoch'");
  const m1 = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(m1.history.lr[0], 1e-3);

  const again = await run("train", "mnist-mlp", "--epochs", "1", "--out", out, ...quick);
  assert.equal(again.code, 2);
  assert.match(again.err, /already holds a run \(checkpoint\.safetensors, model\.safetensors, history\.svg, metrics\.json\); pass --resume to continue it, --force to replace it/);

  // Resuming past the saved horizon: TMax becomes 2 and epoch 1 runs at the cosine's
  // value there, lr0 * (1 + cos(pi * 1 / 2)) / 2, not at the old schedule's end (0).
  const r = await run("train", "mnist-mlp", "--epochs", "2", "--out", out, "--resume", ...quick);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /cosine schedule extended from 1 epoch to 2: lr 0\.000500 at epoch 1/);
  const m2 = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(m2.history.lr.length, 2);
  assert.ok(Math.abs(m2.history.lr[1] - (1e-3 * (1 + Math.cos(Math.PI / 2))) / 2) < 1e-12, `lr ${m2.history.lr[1]}`);

  const done = await run("train", "mnist-mlp", "--out", out, "--resume", ...quick);
  assert.equal(done.code, 2);
  assert.match(done.err, /has already trained 2 epochs; pass --epochs <n> with n > 2 to train longer/);

  const before = statSync(join(out, "checkpoint.safetensors")).mtimeMs;
  const forced = await run("train", "mnist-mlp", "--epochs", "1", "--out", out, "--force", ...quick);
  assert.equal(forced.code, 0, forced.err);
  const m3 = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(m3.history.loss.length, 1, "--force starts a new run, not a continuation");
  assert.ok(statSync(join(out, "checkpoint.safetensors")).mtimeMs >= before);

  // eval in batches: the same accuracy, loss and confusion matrix at any batch size
  // (7 leaves a ragged last batch), and the matrix sums to the 10,000 test images.
  const ckpt = join(out, "checkpoint.safetensors");
  const a = await run("eval", ckpt);
  const b = await run("eval", ckpt, "--batch-size", "7");
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const rows = (s: string) => s.split("\n").filter((l) => /^ {2}\d: /.test(l));
  assert.deepEqual(rows(b.out), rows(a.out));
  const total = rows(a.out).flatMap((l) => l.slice(5).trim().split(/\s+/).map(Number)).reduce((x, y) => x + y, 0);
  assert.equal(total, 10000);
  const acc = (s: string) => /test accuracy ([\d.]+)%/.exec(s)![1];
  assert.equal(acc(b.out), acc(a.out));
  assert.equal(acc(a.out), (m3.testAccuracy * 100).toFixed(2));
});

test("damaged checkpoint metadata: eval and info name the file and what is wrong", async () => {
  const w = { "model.0.weight": my.zeros([2, 2]) };
  const cases: [string, RegExp][] = [
    ['{"epoch": 1, "hist', /checkpoint metadata is not valid JSON/],
    ["null", /checkpoint metadata "state" must be a JSON object, got null/],
    ['{"epoch": "three", "history": {}}', /checkpoint metadata "state\.epoch" must be an integer >= 0, got "three"/],
    ['{"epoch": 1, "history": {}, "extra": {}}', /the checkpoint's metadata names no recipe/],
  ];
  for (const [state, re] of cases) {
    const path = join(tmp, `bad-${cases.findIndex((c) => c[0] === state)}.safetensors`);
    my.io.save(w, path, { format: "myelin-checkpoint/1", state });
    const e = await run("eval", path);
    assert.equal(e.code, 1, e.err);
    assert.ok(e.err.includes(path), e.err);
    assert.match(e.err, re);
    assert.doesNotMatch(e.err, /Unexpected end of JSON input$/m);
  }
  const path = join(tmp, "bad-0.safetensors");
  const i = await run("info", path);
  assert.equal(i.code, 1);
  assert.match(i.err, /bad-0\.safetensors: the checkpoint's "state" metadata is not valid JSON/);
});

test("missing data: the message names the file, the URL, --download and --data", async () => {
  const r = await run("eval", join(tmp, "run", "checkpoint.safetensors"), "--data", join(tmp, "empty"));
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot find t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte .*; pass --download to fetch the \.gz files from https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/ or http:\/\/yann\.lecun\.com\/exdb\/mnist\/ \(checksums verified\)/);
});

test("a closed stdout (myelin ... | head -1) ends the command quietly with code 0", async () => {
  const path = join(tmp, "weights.safetensors");
  const w: Record<string, my.Tensor> = {};
  for (let k = 0; k < 2000; k++) w[`layer${k}.weight`] = my.zeros([1]);
  my.io.save(w, path);
  const child = spawn(process.execPath, ["--import", "tsx", "-e", `import("./src/cli/main.ts").then(async (m) => { process.exitCode = await m.main(["info", ${JSON.stringify(path)}]); })`], { stdio: ["ignore", "pipe", "pipe"] });
  let first = "";
  child.stdout.once("data", (b: Buffer) => {
    first = b.toString().split("\n")[0];
    child.stdout.destroy();
  });
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b));
  const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  assert.match(first, /weights\.safetensors: safetensors weights/);
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /EPIPE|Error/);
});

test("history.svg layout: tick labels fit in the margin, the legend sits above the plot, points inside it", () => {
  const h = { loss: [123456.7, 0.5, 0.000012345], val_loss: [2.5, 1.25, 0.75], accuracy: [0.12, 0.9, 0.9882], val_accuracy: [0.5, 0.97, 0.99], lr: [0.001, 0.00085355, 0.00014645] };
  const svg = historyToSvg(h, "layout");
  const attrs = (tag: string): Record<string, string>[] => [...svg.matchAll(new RegExp(`<${tag} ([^>]*?)/?>([^<]*)`, "g"))].map((m) => ({ ...Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])), text: m[2] }));
  const frames = attrs("rect").filter((r) => r.stroke === "#999").map((r) => ({ x: +r.x, y: +r.y, w: +r.width, h: +r.height }));
  assert.equal(frames.length, 3);
  const panelW = +/width="(\d+)"/.exec(svg)![1] / 2;
  const frameOf = (x: number, y: number) => frames.find((f) => x >= f.x - 60 && x <= f.x + f.w + 20 && y >= f.y - 40 && y <= f.y + f.h + 40)!;
  // A sans-serif digit at 11 px is at most ~6.2 px wide (DejaVu Sans 7.0 as an upper bound).
  for (const t of attrs("text").filter((t) => t["text-anchor"] === "end")) {
    const panelLeft = Math.floor(+t.x / panelW) * panelW;
    assert.ok(+t.x - 7 * t.text.length >= panelLeft, `tick label "${t.text}" at x=${t.x} runs past the panel's left edge ${panelLeft}`);
  }
  const legend = attrs("rect").filter((r) => r.width === "10");
  assert.equal(legend.length, 4, "train/validation legends of the loss and accuracy panels (none for lr alone)");
  for (const r of legend) {
    const f = frameOf(+r.x, +r.y);
    assert.ok(+r.y + 10 <= f.y, `legend box at y=${r.y} overlaps the plot starting at ${f.y}`);
  }
  for (const c of attrs("circle")) {
    const f = frameOf(+c.cx, +c.cy);
    assert.ok(+c.cx - 2.5 > f.x && +c.cx + 2.5 < f.x + f.w && +c.cy - 2.5 >= f.y && +c.cy + 2.5 <= f.y + f.h, `point (${c.cx}, ${c.cy}) touches the frame`);
  }
});
