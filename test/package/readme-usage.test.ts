// The README's "Use it in your own project" training example runs as written (against
// the sources) and learns XOR: 16 tanh units can represent it exactly, so the model must
// classify all four points (accuracy 1), which no linear model can (at most 3 of 4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("README fit example trains XOR to 100%", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```js\n(import \{[^\n]*\bfit\b[\s\S]*?)```/.exec(readme);
  assert.ok(block, "README has a js block importing fit");
  const file = join(root, "test", `.readme-fit-${process.pid}.ts`);
  writeFileSync(file, block[1].replace(/from "myelin"/, 'from "../src/index.js"'));
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: root, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\{ accuracy: 1 \}$/);
  } finally {
    rmSync(file, { force: true });
  }
});
