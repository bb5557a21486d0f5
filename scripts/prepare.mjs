#!/usr/bin/env node
// `npm prepare`: runs `npm run build` unless every output is newer than every input.
// npm runs `prepare` again whenever it links the package, notably on the first
// `npx myelin` in a clone (npx installs the package's own bin into its cache as a
// link), and a full build takes about a minute; an up-to-date tree now costs ~0.1 s.
// MYELIN_REBUILD=1 forces the build.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outputs = ["dist/index.js", "dist/cjs/index.js", "dist/browser/myelin.js", "src/backends/wasm/generated/binaries.ts", "playground/dist/main.js"];
const inputs = ["src", "assembly", "package.json", "tsconfig.json", "tsconfig.build.json",
  "scripts/build-wasm.mjs", "scripts/build-formats.mjs", "scripts/build-playground.mjs", "playground/src"];

/** Newest modification time under `p` (a file or a folder), skipping generated/. */
function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of readdirSync(p)) if (e !== "generated") t = Math.max(t, newest(join(p, e)));
  return t;
}

const abs = (p) => join(root, p);
const fresh = !process.env.MYELIN_REBUILD && outputs.every((o) => existsSync(abs(o))) &&
  Math.min(...outputs.map((o) => statSync(abs(o)).mtimeMs)) >= Math.max(...inputs.filter((i) => existsSync(abs(i))).map((i) => newest(abs(i))));
if (fresh) {
  console.log("myelin: dist/ is up to date (MYELIN_REBUILD=1 rebuilds)");
} else {
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, "run", "build"], { cwd: root, stdio: "inherit" })
    : spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  process.exit(r.status ?? 1);
}
