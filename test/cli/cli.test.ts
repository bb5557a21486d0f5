// The `myelin` command: exit codes and messages for usage errors and failures, and
// a short real run (train → info → eval → resume) on an MNIST subset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";

/** Runs the CLI in-process, capturing stdout and stderr. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "myelin-cli-"));

test("help and usage errors exit 0 / 2 with a clear message", async () => {
  const h = await run("--help");
  assert.equal(h.code, 0);
  assert.match(h.out, /myelin train <recipe>/);
  assert.match(h.out, /mnist-cnn/);
  assert.equal((await run()).code, 2);
  const th = await run("train", "--help");
  assert.equal(th.code, 0);
  assert.match(th.out, /--batch-size <n>/);
  const cases: [string[], RegExp][] = [
    [["fly"], /unknown command "fly"/],
    [["train"], /missing recipe name/],
    [["train", "mnist-rnn"], /unknown recipe "mnist-rnn"; one of: mnist-mlp, mnist-cnn, fashion-cnn/],
    [["train", "mnist-mlp", "--bogus"], /unknown option --bogus for 'train'/],
    [["train", "mnist-mlp", "--epochs", "two"], /--epochs expects an integer, got "two"/],
    [["train", "mnist-mlp", "--epochs"], /--epochs needs a value/],
    [["train", "mnist-mlp", "--lr", "-1"], /--lr must be a number > 0, got -1/],
    [["train", "mnist-mlp", "--epochs", "0"], /--epochs must be an integer >= 1, got 0/],
    [["train", "mnist-mlp", "--batch-size", "-3"], /--batch-size must be an integer >= 1, got -3/],
    [["train", "mnist-mlp", "--train-size", "0"], /--train-size must be an integer >= 1, got 0/],
    [["eval", "x.safetensors", "--batch-size", "0"], /--batch-size must be an integer >= 1, got 0/],
    [["train", "mnist-mlp", "--backend", "gpu"], /--backend must be js, wasm or native/],
    [["eval"], /missing checkpoint path/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(" ")} → ${r.code} ${r.err}`);
    assert.match(r.err, re);
    assert.match(r.err, /^myelin: /);
  }
});

test("missing data and unreadable checkpoints exit 1 naming the file", async () => {
  const r = await run("train", "mnist-mlp", "--data", join(tmp, "nowhere"), "--quiet");
  assert.equal(r.code, 1);
  assert.match(r.err, /cannot find train-images-idx3-ubyte and train-labels-idx1-ubyte/);
  const bad = join(tmp, "bad.safetensors");
  writeFileSync(bad, "not a checkpoint at all");
  const e = await run("eval", bad);
  assert.equal(e.code, 1);
  assert.match(e.err, /header length .* exceeds|runs past the end|not a myelin checkpoint/);
  const m = await run("info", join(tmp, "missing.safetensors"));
  assert.equal(m.code, 1);
  assert.match(m.err, /cannot read ".*missing\.safetensors": ENOENT/);
});

test("train → info → eval → resume on an MNIST subset", async () => {
  const out = join(tmp, "mlp");
  const t = await run("train", "mnist-mlp", "--train-size", "1000", "--epochs", "1", "--batch-size", "100", "--out", out, "--quiet");
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /1000 training \/ 5000 validation \/ 10000 test images/);
  for (const f of ["checkpoint.safetensors", "model.safetensors", "history.svg", "metrics.json"]) assert.ok(existsSync(join(out, f)), f);
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  // 1,000 images and one epoch: far from converged, but an MLP is well above chance (10%).
  assert.ok(metrics.testAccuracy > 0.6, `test accuracy ${metrics.testAccuracy}`);
  assert.match(t.out, new RegExp(`test accuracy ${(metrics.testAccuracy * 100).toFixed(2)}%`));

  const i = await run("info", join(out, "checkpoint.safetensors"));
  assert.equal(i.code, 0, i.err);
  // 784*512+512 + 512*256+256 + 256*10+10
  assert.match(i.out, /parameters and buffers: 535,818/);
  assert.match(i.out, /1\.weight +F32 +\[512, 784\]/);
  assert.match(i.out, /recipe mnist-mlp · epoch 1/);

  const e = await run("eval", join(out, "checkpoint.safetensors"));
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, new RegExp(`test accuracy ${(metrics.testAccuracy * 100).toFixed(2)}%`));
  assert.equal(e.out.split("\n").filter((l) => /^ {2}\d: /.test(l)).length, 10, "10 confusion-matrix rows");

  const r = await run("train", "mnist-mlp", "--train-size", "1000", "--epochs", "2", "--batch-size", "100", "--out", out, "--quiet", "--resume");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /resuming mnist-mlp from epoch 1/);
  const m2 = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(m2.history.loss.length, 2);
  assert.equal(m2.history.loss[0], metrics.history.loss[0], "the first epoch's history is carried over");
  const wrong = await run("train", "mnist-cnn", "--out", out, "--quiet", "--resume", "--train-size", "10");
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /written by recipe "mnist-mlp", not "mnist-cnn"/);
});
