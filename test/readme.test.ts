// The README's quick-start code block runs as written (against the sources) and
// learns its task: a circle boundary is separable by a 64-unit tanh MLP, so the
// final cross-entropy must be far below ln 2 (chance for two classes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("README quick start runs and trains", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.match(readme.split("\n").slice(0, 6).join("\n"), /npm install && npx myelin train mnist-cnn[\s\S]*npm test/, "first lines give the two commands");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README has a ts code block");
  const src = block[1].replace(/from "myelin"/, 'from "../src/index.js"');
  const file = join(root, "test", `.readme-quickstart-${process.pid}.ts`);
  writeFileSync(file, src);
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", cwd: root, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const loss = Number(r.stdout.trim().split(/\s+/).pop());
    assert.ok(loss < 0.2 * Math.LN2, `final loss ${loss} vs chance ${Math.LN2}`);
    assert.match(r.stdout, /Linear\(in_features=2, out_features=64, bias=True\)/);
  } finally {
    rmSync(file, { force: true });
  }
});
