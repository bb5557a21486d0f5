/**
 * Recovery after a kill: temp files that an interrupted atomic write left behind
 * (`model.safetensors.tmp-<pid>-*` from io.save, `.checkpoint.safetensors.<pid>.*.tmp`
 * from checkpoints) are removed by the next write or run once their process is gone,
 * and `myelin train --resume` with no checkpoint yet (a kill during the first
 * checkpoint write) starts from epoch 0 with a message instead of a raw ENOENT.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as my from "../../src/index.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { main } from "../../src/cli/main.js";

/** The pid of a process that has exited (so its temp files are stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

test("io.save and checkpoints remove the temp files of dead writers, and only those", async () => {
  const dir = mkdtempSync(join(tmpdir(), "myelin-temps-"));
  const dead = deadPid();
  const stale = [`model.safetensors.tmp-${dead}-k3j9x`, `.checkpoint.safetensors.${dead}.1733600000000.tmp`];
  const keep = [`model.safetensors.tmp-${process.pid}-inflight`, `other.safetensors.tmp-${dead}-abc`, "notes.tmp"];
  for (const f of [...stale, ...keep]) writeFileSync(join(dir, f), new Uint8Array(1000));
  my.io.save({ w: my.ones([2]) }, join(dir, "model.safetensors"));
  assert.deepEqual(readdirSync(dir).sort(), [...keep, stale[1], "model.safetensors"].sort());
  const model = new my.nn.Linear(2, 1);
  await saveCheckpoint(join(dir, "checkpoint.safetensors"), { model, epoch: 1, history: {} });
  assert.deepEqual(readdirSync(dir).sort(), [...keep, "model.safetensors", "checkpoint.safetensors"].sort());
});

test("myelin train --resume after a kill during the first checkpoint write starts fresh and cleans up", async () => {
  const out = mkdtempSync(join(tmpdir(), "myelin-resume-"));
  // What a kill -9 during the first checkpoint write leaves: a partial temp file and no checkpoint.
  const partial = join(out, `.checkpoint.safetensors.${deadPid()}.1733600000000.tmp`);
  writeFileSync(partial, new Uint8Array(4096).fill(7));
  let stdout = "", stderr = "";
  const code = await main(["train", "mnist-mlp", "--train-size", "200", "--epochs", "1", "--batch-size", "100", "--out", out, "--quiet", "--resume"],
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /no checkpoint yet at .*checkpoint\.safetensors \(the previous run stopped before finishing its first epoch\); starting from epoch 0/);
  assert.doesNotMatch(stdout + stderr, /ENOENT/);
  assert.ok(!existsSync(partial), "the orphaned temp file is removed");
  assert.ok(existsSync(join(out, "checkpoint.safetensors")));
});
