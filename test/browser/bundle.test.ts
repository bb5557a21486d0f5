/**
 * Browser-safety of the built package without a browser: every module reachable from
 * dist/index.js through static imports must import only relative paths (no node:*
 * builtins, no bare packages) and touch `process`/`Buffer`/`require` only behind
 * `globalThis`/`typeof` guards; and esbuild must bundle dist/index.js for
 * platform=browser with no errors (a static `import "node:fs"` fails that). Skips
 * when dist/ is not built (or esbuild, a dependency of tsx, cannot be loaded).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");
const ENTRY = join(ROOT, "dist", "index.js");
const skip = existsSync(ENTRY) ? false : "dist/ is not built (run npm run build)";

/** Static import/export-from specifiers of an ES module's source (tsc output: one per statement). */
function staticSpecifiers(src: string): string[] {
  const re = /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
  return [...src.matchAll(re)].map((m) => m[1] ?? m[2]);
}

/** Lines using Node globals outside a guard (`globalThis.…`, `typeof x`), comments and strings aside. */
function unguardedNodeGlobals(src: string): string[] {
  const out: string[] = [];
  for (const line of src.split("\n")) {
    if (/^\s*(\*|\/\*)/.test(line)) continue;
    // Strings and comments go; a template literal keeps only its ${…} code.
    const code = line.replace(/\/\*.*?\*\//g, "").replace(/"[^"]*"|'[^']*'/g, '""')
      .replace(/`[^`]*`/g, (t) => (t.match(/\$\{[^}]*\}/g) ?? []).join(" ")).replace(/\/\/.*$/, "");
    for (const m of code.matchAll(/\b(process|Buffer|require|__dirname|__filename)\b/g)) {
      const before = code.slice(0, m.index);
      if (/globalThis\s*\)?\s*(?:as\s[^)]*\))?\s*\.\s*$/.test(before) || /typeof\s+$/.test(before)) continue;
      // `typeof process !== "undefined" && process.x` (the guard is earlier on the line).
      if (new RegExp(`typeof\\s+${m[1]}\\s*[!=]==`).test(before)) continue;
      out.push(line.trim());
    }
  }
  return out;
}

test("dist/index.js reaches no node:* or bare imports and no unguarded Node globals", { skip }, () => {
  const seen = new Set<string>();
  const stack = [ENTRY];
  const bad: string[] = [];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, "utf8");
    for (const spec of staticSpecifiers(src)) {
      if (spec.startsWith("./") || spec.startsWith("../")) stack.push(resolve(dirname(file), spec));
      else bad.push(`${relative(ROOT, file)}: static import "${spec}"`);
    }
    // The wasm pool's worker source is a string run inside the worker; it feature-tests process itself.
    if (!file.endsWith("worker-source.js")) for (const l of unguardedNodeGlobals(src)) bad.push(`${relative(ROOT, file)}: ${l}`);
  }
  assert.ok(seen.size > 50, `walked only ${seen.size} modules from dist/index.js`);
  assert.deepEqual(bad, []);
});

test("esbuild bundles dist/index.js for the browser without errors", { skip }, async (t) => {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    t.skip("esbuild (installed with tsx) cannot be loaded");
    return;
  }
  const r = await esbuild.build({ entryPoints: [ENTRY], bundle: true, format: "esm", platform: "browser", write: false, logLevel: "silent" });
  assert.deepEqual(r.errors, []);
  const code = r.outputFiles[0].text;
  assert.ok(code.length > 100_000, `bundle of ${code.length} bytes`);
  assert.doesNotMatch(code, /\bfrom\s*["']node:/);
});
