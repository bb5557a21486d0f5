/**
 * Summarises a V8 .cpuprofile by self time: sums timeDeltas per function+file and prints the top rows.
 * Run: node --import tsx bench/profile/summarize.ts FILE.cpuprofile [rows]
 */
import { readFileSync } from "node:fs";

const prof = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byId = new Map<number, string>();
for (const n of prof.nodes) byId.set(n.id, `${n.callFrame.functionName || "(anon)"} ${String(n.callFrame.url).replace(/^.*\/(src|bench|node_modules)\//, "$1/")}:${n.callFrame.lineNumber + 1}`);
const self = new Map<string, number>();
let total = 0;
prof.samples.forEach((id: number, i: number) => {
  const k = byId.get(id)!;
  const d = prof.timeDeltas[i] ?? 0;
  self.set(k, (self.get(k) ?? 0) + d);
  total += d;
});
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 30));
for (const [k, v] of rows) console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
