/**
 * Runs each port over the seeds its PyTorch script used and writes
 * results/<name>.myelin.json beside results/<name>.pytorch.json, then prints the table
 * of both (the one in README.md).
 *
 * Run: npx tsx examples/pytorch-ports/compare.ts [mnist vae ...]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HERE, band, pytorchResult } from "./common.js";
import { PORTS } from "./ports.js";

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PORTS);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const fmt = (x: number) => (Math.abs(x) < 0.01 ? x.toExponential(2) : x.toPrecision(4));
for (const name of names) {
  const py = pytorchResult(name);
  const values = py.seeds.map((seed) => PORTS[name].run({ seed }).metric);
  writeFileSync(join(HERE, "results", `${name}.myelin.json`), JSON.stringify({ example: name, metric: py.metric, seeds: py.seeds, values }, null, 1) + "\n");
  const [lo, hi] = band(py.values);
  console.log(`| ${name} | ${py.metric} | ${fmt(mean(values))} (${values.map(fmt).join(", ")}) | ${fmt(mean(py.values))} (${py.values.map(fmt).join(", ")}) | ${fmt(lo)} – ${fmt(hi)} |`);
}
