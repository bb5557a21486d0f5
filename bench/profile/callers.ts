/**
 * Attributes a function's self time in a .cpuprofile to its callers (up to `depth`
 * frames up), to see which op a hot kernel/allocator is serving.
 * Run: node --import tsx bench/profile/callers.ts FILE.cpuprofile functionName [depth]
 */
import { readFileSync } from "node:fs";

const prof = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = process.argv[3];
const depth = Number(process.argv[4] ?? 3);
const parent = new Map<number, number>();
const byId = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>();
for (const n of prof.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const name = (id: number) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || "(anon)"}@${String(f.url).replace(/^.*\/(src|bench)\//, "")}:${f.lineNumber + 1}`;
};
const agg = new Map<string, number>();
let total = 0;
prof.samples.forEach((id: number, i: number) => {
  if (byId.get(id)!.callFrame.functionName !== target) return;
  const chain: string[] = [];
  let p = parent.get(id);
  for (let d = 0; d < depth && p !== undefined; d++, p = parent.get(p)) chain.push(name(p));
  const k = chain.join(" < ");
  const dt = prof.timeDeltas[i] ?? 0;
  agg.set(k, (agg.get(k) ?? 0) + dt);
  total += dt;
});
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(100 * v / total).toFixed(1).padStart(5)}% ${(v / 1000).toFixed(0).padStart(5)} ms  ${k}`);
