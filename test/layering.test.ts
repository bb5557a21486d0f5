// The layering rules of src/, checked by parsing every import (static, re-export,
// side-effect and dynamic) of every source file:
//   1. only src/core/ and src/ops/ import src/backends/ (and the public entry points:
//      src/index.ts and the subpath entries src/entries/*.ts, which run backend selection);
//   2. src/core/ imports nothing above it (only core and backends);
//   3. the backends never import each other (src/backends/<a>/ -> src/backends/<b>/);
//      shared code lives in the neutral top-level files of src/backends/;
//   4. no import cycles (between run-time imports: `import type` is erased);
//   5. nothing outside src/core/ and src/ops/ touches a tensor's memory directly
//      (`_data`, `_arr`, `_storage`): it calls readData / mutableData of src/ops/data.ts,
//      which keep the device check (a GPU tensor has no synchronous memory).
// Rule 1 has no exceptions (every kernel-backed primitive lives in src/ops/, those of nn
// in src/ops/nn/). Rules 2 and 4 have none today either; an exception would be listed
// below with its reason, and a rule broken anywhere else, or a listed exception that no
// longer occurs, fails the test (so the lists only shrink).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

/** Rule 2 exceptions. */
const CORE_EXCEPTIONS: Record<string, string> = {};

/** Rule 4 exceptions (cycles, as their sorted file list). */
const CYCLE_EXCEPTIONS: Record<string, string> = {};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const rel = (p: string) => relative(root, p).split("\\").join("/");
const files = walk(src);
const known = new Set(files.map(rel));

/** Imports of a file as repo-relative .ts paths (relative specifiers only); `runtime` leaves out `import type` / `export type`. */
function importsOf(file: string, runtime: boolean): string[] {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specs = new Set<string>();
  const re = /(?:^|[\s;])(?:import|export)\s([^;'"]*?)from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of text.matchAll(re)) {
    if (runtime && m[1] !== undefined && /^type\s/.test(m[1])) continue;
    specs.add(m[2] ?? m[3] ?? m[4]);
  }
  const out: string[] = [];
  for (const s of specs) {
    if (!s.startsWith(".")) continue;
    const target = rel(join(dirname(file), s)).replace(/\.js$/, ".ts");
    if (known.has(target)) out.push(target);
    else if (known.has(`${target}/index.ts`)) out.push(`${target}/index.ts`);
  }
  return out;
}

const graph = new Map(files.map((f) => [rel(f), importsOf(f, false)]));
/** Imports that exist at run time (type-only ones cannot form a load-order cycle). */
const runtimeGraph = new Map(files.map((f) => [rel(f), importsOf(f, true)]));
const top = (f: string) => f.split("/")[1];
const backendPart = (f: string) => (f.startsWith("src/backends/") && f.split("/").length > 3 ? f.split("/")[2] : null);

function checkExceptions(found: Set<string>, exceptions: Record<string, string>, what: string): void {
  const unexpected = [...found].filter((k) => !(k in exceptions));
  assert.deepEqual(unexpected, [], `${what}:\n  ${unexpected.join("\n  ")}`);
  const gone = Object.keys(exceptions).filter((k) => !found.has(k));
  assert.deepEqual(gone, [], `listed exceptions that no longer occur (delete them from test/layering.test.ts): ${gone.join(", ")}`);
}

test("the import parser sees the imports (sanity: core/tensor.ts imports the backend contract)", () => {
  assert.ok(graph.get("src/core/tensor.ts")!.includes("src/backends/backend.ts"));
  assert.ok(files.length > 100);
});

test("only src/core/ and src/ops/ import src/backends/", () => {
  const found = new Set<string>();
  for (const [f, deps] of graph) {
    if (["core", "ops", "backends", "entries"].includes(top(f)) || f === "src/index.ts") continue;
    for (const d of deps) if (top(d) === "backends") found.add(`${f} -> ${d}`);
  }
  assert.deepEqual([...found], [], "files outside src/core and src/ops importing src/backends (go through an op in src/ops/)");
});

test("src/core/ imports nothing above it", () => {
  const found = new Set<string>();
  for (const [f, deps] of graph) {
    if (top(f) !== "core") continue;
    for (const d of deps) if (top(d) !== "core" && top(d) !== "backends") found.add(`${f} -> ${d}`);
  }
  checkExceptions(found, CORE_EXCEPTIONS, "src/core importing above itself");
});

test("backends never import each other", () => {
  const bad: string[] = [];
  for (const [f, deps] of graph) {
    const a = backendPart(f);
    if (!a) continue;
    for (const d of deps) { const b = backendPart(d); if (b && b !== a) bad.push(`${f} -> ${d}`); }
  }
  assert.deepEqual(bad, [], "a backend imports another (move the shared code to a neutral file in src/backends/)");
});

test("no import cycles (run-time imports; type-only ones cannot cycle at load)", () => {
  // Tarjan's strongly connected components; a component of more than one file is a cycle.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [];
  const comps: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of runtimeGraph.get(v)!) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) comps.push(c.sort());
    }
  };
  for (const f of runtimeGraph.keys()) if (!idx.has(f)) visit(f);
  const found = new Set(comps.map((c) => c.join(" ")));
  checkExceptions(found, CYCLE_EXCEPTIONS, "import cycles");
});

test("nothing outside src/core and src/ops touches Tensor._data / _arr / _storage (src/ops/data.ts is the accessor)", () => {
  const bad: string[] = [];
  for (const f of files) {
    const r = rel(f);
    if (["core", "ops"].includes(top(r))) continue;
    const lines = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).split("\n");
    lines.forEach((line, i) => {
      if (/\._(data|arr|storage)\b/.test(line.replace(/\/\/.*$/, ""))) bad.push(`${r}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(bad, [], "direct access to a tensor's memory outside src/core and src/ops (use readData / mutableData from src/ops/data.ts)");
});
