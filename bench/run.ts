/**
 * `npm run bench`: runs every bench/workloads/*.ts in its own Node process (with
 * relaxed-SIMD enabled where Node needs a flag for it, and again with the plain-SIMD
 * kernels for workloads that ask), collects the rows, prints a table per workload with
 * each value's ratio to myelin's best configuration, and writes
 * bench/results/<date>.md and .json. Options: --quick, --only=<workload name> (or the names
 * as plain arguments, `npm run bench -- models`; opt-in workloads run only when named);
 * --device webgpu runs bench/webgpu.ts (the WGSL kernels on the adapter WebGPU finds) instead.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Row, Workload } from "./harness.js";
import { estimateClockGHz, fmaPeakGflops } from "./clock.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const deviceArg = process.argv.indexOf("--device");
if (deviceArg >= 0 && process.argv[deviceArg + 1] === "webgpu") {
  const rest = process.argv.slice(2).filter((a, i) => i + 2 !== deviceArg && i + 2 !== deviceArg + 1);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "webgpu.ts"), ...rest], { stdio: "inherit" });
  process.exit(r.status ?? 1);
} else if (deviceArg >= 0 && process.argv[deviceArg + 1] !== "cpu") {
  console.error(`bench: --device must be "cpu" or "webgpu", got ${JSON.stringify(process.argv[deviceArg + 1])}`);
  process.exit(2);
}
const quick = process.argv.includes("--quick");
const positional = process.argv.slice(2).filter((a, i) => !a.startsWith("--") && !(deviceArg >= 0 && i + 2 === deviceArg + 1));
const named = [process.argv.find((a) => a.startsWith("--only="))?.slice(7), ...positional].filter((a): a is string => !!a);

const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const flagOk = spawnSync(process.execPath, [RELAXED_FLAG, "-e", "0"]).status === 0;
const nodeFlags = flagOk ? [RELAXED_FLAG] : [];

function runOne(file: string, env: Record<string, string>, only: string, name: string): Row[] {
  const args = [...nodeFlags, "--import", "tsx", join(here, "run-one.ts"), file, ...(quick ? ["--quick"] : []), ...(only ? [`--only=${only}`] : [])];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) {
    const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    console.error(`bench: ${file}${only ? ` (${only})` : ""} failed: ${why}\n${r.stderr.slice(-2000)}`);
    return [{ workload: name, case: "(run)", impl: only || "all", value: NaN, unit: "", higherIsBetter: true, note: `process failed: ${why}` }];
  }
  return JSON.parse(line.slice("BENCH_JSON ".length)) as Row[];
}

const files = readdirSync(join(here, "workloads")).filter((f) => f.endsWith(".ts")).sort();
const unknown = named.filter((n) => !files.includes(n + ".ts"));
if (unknown.length) {
  console.error(`bench: no workload named ${unknown.map((n) => JSON.stringify(n)).join(", ")}; workloads: ${files.map((f) => f.slice(0, -3)).join(", ")}`);
  process.exit(2);
}
const rows: Row[] = [];
const load0 = loadavg()[0];
const clock0 = estimateClockGHz();
for (const f of files) {
  const path = join(here, "workloads", f);
  const { workload } = (await import(path)) as { workload: Workload };
  if (named.length ? !named.includes(workload.name) : workload.optIn) continue;
  process.stderr.write(`bench: ${workload.name} ...\n`);
  // A group is [only-prefix, extra env]; the plain-SIMD rerun is one more group.
  const groups: [string, Record<string, string>][] = (workload.groups ?? [""]).map((g) => [g, {}]);
  if (workload.simdVariant) groups.push(["myelin-wasm", { MYELIN_WASM: "simd" }]);
  const rounds = quick ? 1 : Math.max(1, workload.rounds ?? 1);
  const perRound: Row[][] = [];
  for (let r = 0; r < rounds; r++) {
    const got: Row[] = [];
    for (let i = 0; i < groups.length; i++) {
      const [g, env] = groups[(i + r) % groups.length];
      if (r > 0 && workload.onceGroups?.includes(g)) continue;
      got.push(...runOne(path, env, g, workload.name));
    }
    perRound.push(got);
  }
  rows.push(...bestOfRounds(perRound));
}
const load1 = loadavg()[0];
const clock1 = estimateClockGHz();

/**
 * One row per (case, impl): the best value over the rounds that measured it, with every
 * round's value in its note (a failed or skipped round counts only when all are).
 */
function bestOfRounds(perRound: Row[][]): Row[] {
  if (perRound.length === 1) return perRound[0];
  const byKey = new Map<string, Row[]>();
  for (const round of perRound) {
    for (const row of round) {
      const key = `${row.case}\u0000${row.impl}`;
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
  }
  return [...byKey.values()].map((rs) => {
    const ok = rs.filter((r) => Number.isFinite(r.value));
    if (ok.length === 0) return rs[0];
    const best = ok.reduce((a, b) => ((a.higherIsBetter ? b.value > a.value : b.value < a.value) ? b : a));
    if (rs.length === 1) return best;
    const all = rs.map((r) => (Number.isFinite(r.value) ? fmt(r.value) : "—")).join(" / ");
    return { ...best, note: `best of ${rs.length} rounds (${all})${best.note ? "; " + best.note : ""}` };
  });
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return "—";
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Markdown table per workload: rows = cases, columns = impls, cell = value (ratio to myelin's best). */
function tables(): string {
  const out: string[] = [];
  for (const w of [...new Set(rows.map((r) => r.workload))]) {
    const rs = rows.filter((r) => r.workload === w);
    const impls = [...new Set(rs.map((r) => r.impl))];
    const cases = [...new Set(rs.map((r) => r.case))];
    const units = [...new Set(rs.map((r) => r.unit))];
    const unitNote = units.length === 1 ? `${units[0]}, ${rs[0].higherIsBetter ? "higher" : "lower"} is better; ` : "";
    out.push(`### ${w} (${unitNote}×: relative to myelin's best config in the row, >1 = better than it)`, "");
    out.push(`| case | ${impls.join(" | ")} |`, `|---|${impls.map(() => "---:").join("|")}|`);
    for (const c of cases) {
      const cell = (i: string) => rs.find((r) => r.case === c && r.impl === i);
      const inCase = rs.filter((r) => r.case === c);
      const hib = inCase[0].higherIsBetter;
      const mine = inCase.filter((r) => r.impl.startsWith("myelin") && Number.isFinite(r.value)).map((r) => r.value);
      const best = mine.length ? (hib ? Math.max(...mine) : Math.min(...mine)) : NaN;
      const label = units.length === 1 ? c : `${c} [${inCase[0].unit}, ${hib ? "higher" : "lower"} is better]`;
      out.push(`| ${label} | ${impls.map((i) => {
        const r = cell(i);
        if (!r) return "";
        const ratio = hib ? r.value / best : best / r.value;
        return Number.isFinite(r.value) ? `${fmt(r.value)} (${fmt(ratio)}×)` : "—";
      }).join(" | ")} |`);
    }
    const notes = rs.filter((r) => r.note).map((r) => `- ${r.impl} ${r.case}: ${r.note}`);
    if (notes.length) out.push("", "Notes:", ...notes);
    out.push("");
  }
  return out.join("\n");
}

const date = new Date().toISOString().slice(0, 10);
const header = [
  `# myelin benchmarks ${date}${quick ? " (quick)" : ""}`, "",
  `- Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} logical cores; Node ${process.version}${flagOk ? `, ${RELAXED_FLAG}` : ""}`,
  `- Load average (1 min) at start ${load0.toFixed(2)}, at end ${load1.toFixed(2)} — on a shared machine numbers are noisy; 1-thread rows note CPU-time figures.`,
  `- Core clock (dependent-multiply chain, bench/clock.ts) at start ${clock0.toFixed(2)} GHz, at end ${clock1.toFixed(2)} GHz: ` +
    `one core's float32 FMA peak at the start clock is ${fmaPeakGflops(clock0, 128).toFixed(1)} GFLOP/s with 128-bit SIMD (wasm) ` +
    `and ${fmaPeakGflops(clock0, 256).toFixed(1)} with 256-bit AVX2 (native, PyTorch).`, "",
].join("\n");
const md = header + tables();
console.log(md);
const dir = join(here, "results");
mkdirSync(dir, { recursive: true });
const base = join(dir, date + (quick ? "-quick" : ""));
writeFileSync(base + ".md", md);
writeFileSync(base + ".json", JSON.stringify({ date, node: process.version, cpus: cpus().length, loadavg: [load0, load1], rows }, null, 1));
console.error(`bench: wrote ${base}.md and .json`);
