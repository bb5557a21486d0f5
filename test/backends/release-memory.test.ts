/**
 * `my.releaseMemory()` gives freed tensor memory back to the OS. With the native
 * addon's malloc tuning (freed buffers are kept for reuse, good for training), a burst
 * of 1-30 MB tensors left ~280 MB resident after they were collected; the trim must
 * bring most of it back. RSS is read from /proc in a child run with --expose-gc, so
 * the collection is certain rather than left to the collector's timing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as my from "../../src/index.js";
import { nativeAddon } from "../../src/backends/native/index.js";

const skip = !nativeAddon() || !existsSync("/proc/self/statm") ? "needs the native addon and /proc" : false;

const child = `
const my = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)});
const { readFileSync } = await import("node:fs");
const rss = () => Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096;
const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); } };
my.setBackend("native");
await settle();
const before = rss();
let keep = [];
for (let round = 0; round < 3; round++) for (const mb of [1, 2, 5, 10, 20, 30]) keep.push(my.ones([mb << 18]).add(1));
keep = null;
await settle();
const held = rss();
my.releaseMemory();
console.log(JSON.stringify({ before, held, after: rss() }));`;

test("releaseMemory returns collected tensor memory to the OS (RSS falls)", { skip }, () => {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", child], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const { before, held, after } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { before: number; held: number; after: number };
  const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
  // 3 x 68 MB of outputs (plus as many inputs) were allocated and collected.
  assert.ok(held - before > 100 * 2 ** 20, `the tuned allocator kept the freed buffers (before ${mb(before)}, after collection ${mb(held)})`);
  assert.ok(after < before + (held - before) / 4, `RSS fell: ${mb(before)} at start, ${mb(held)} after collection, ${mb(after)} after releaseMemory`);
});

test("releaseMemory is safe to call on any backend", () => {
  const b = my.backend();
  my.setBackend("js");
  my.releaseMemory();
  my.setBackend(b as my.BackendName);
  assert.deepEqual(my.ones([2]).add(1).toArray(), [2, 2]);
});
