/**
 * ONNX backend conformance (Debian's libonnx-testdata node tests, reference outputs
 * computed by ONNX's reference implementation): every node test whose operators are
 * all claimed by importOnnx must pass, except the entries of
 * onnx-expected-failures.json (each with its reason), and every listed entry must
 * still fail (so the list cannot go stale). Skips when the suite is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { DEFAULT_NODE_DIR, runNodeTest } from "../../scripts/onnx-conformance.js";
import { supportedImportOps } from "../../src/io/onnx/import.js";
import { decodeModel } from "../../src/io/onnx/proto.js";

const expected = JSON.parse(readFileSync(fileURLToPath(new URL("./onnx-expected-failures.json", import.meta.url)), "utf8")) as Record<string, string>;
const present = existsSync(DEFAULT_NODE_DIR);

/** Node tests whose every operator importOnnx claims (undecodable models count as claimed when listed). */
function claimedTests(): string[] {
  const ops = new Set(supportedImportOps());
  return readdirSync(DEFAULT_NODE_DIR).filter((n) => {
    if (!n.startsWith("test_")) return false;
    try {
      const g = decodeModel(readFileSync(join(DEFAULT_NODE_DIR, n, "model.onnx"))).graph;
      return g.node.length > 0 && g.node.every((nd) => ops.has(nd.opType) && (nd.domain === "" || nd.domain === "ai.onnx"));
    } catch {
      return n in expected;
    }
  }).sort();
}

test("ONNX conformance: every node test of a claimed operator passes (or is an expected failure)", { skip: present ? false : `libonnx-testdata not installed (${DEFAULT_NODE_DIR} missing; apt-get install libonnx-testdata)` }, () => {
  const names = claimedTests();
  assert.ok(names.length > 500, `only ${names.length} claimed tests found`);
  const unexpected: string[] = [], stale: string[] = [];
  let pass = 0;
  for (const n of names) {
    const r = runNodeTest(join(DEFAULT_NODE_DIR, n));
    if (r.pass) pass++;
    if (!r.pass && !(n in expected)) unexpected.push(`${n}: ${r.error}`);
    if (r.pass && n in expected) stale.push(n);
  }
  for (const [k, reason] of Object.entries(expected)) assert.ok(reason.length > 10, `expected failure ${k} needs a reason`);
  assert.deepEqual(unexpected, [], `unexpected failures (${pass}/${names.length} pass)`);
  assert.deepEqual(stale, [], "these now pass: remove them from onnx-expected-failures.json");
});
