#!/usr/bin/env node
// Builds the optional native backend (native/*.cc) with node-gyp at install time.
// It never fails the install: without a compiler, Node headers or a supported CPU,
// myelin runs on its WebAssembly/JS backends and this script says so in one line.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = (msg) => console.log(`myelin: ${msg}`);

if (process.env.MYELIN_SKIP_NATIVE) {
  quiet("native backend skipped (MYELIN_SKIP_NATIVE); using the WebAssembly backend");
  process.exit(0);
}
if (process.arch !== "x64" && process.arch !== "arm64") {
  quiet(`native backend not built (unsupported CPU architecture ${process.arch}); using the WebAssembly backend`);
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Op codes (native/ops_generated.h) from the op table, when building from a checkout;
// a published package ships the generated header (its generator script is not packed).
if (existsSync(join(root, "scripts", "gen-ops.mjs")) && existsSync(join(root, "scripts", "op-table.mjs"))) {
  const g = spawnSync(process.execPath, [join(root, "scripts", "gen-ops.mjs")], { stdio: "inherit" });
  if (g.status !== 0) { quiet("native backend not built (scripts/gen-ops.mjs failed)"); process.exit(0); }
}

const gyp = findNodeGyp();
if (!gyp) {
  quiet("native backend not built (node-gyp not found); using the WebAssembly backend");
  process.exit(0);
}
const args = [gyp, "rebuild", "--directory", join(root, "native")];
// Use local Node headers when present so the build never needs the network.
if (!process.env.npm_config_nodedir) {
  const local = join(dirname(process.execPath), "..");
  if (existsSync(join(local, "include", "node", "node_api.h"))) args.push(`--nodedir=${local}`);
}
const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 180_000, encoding: "utf8" });
if (r.status === 0 && existsSync(join(root, "native", "build", "Release", "myelin_native.node"))) {
  quiet("native backend built");
} else {
  const why = /not found|ENOENT|No such file/i.test(`${r.stderr}${r.stdout}`) ? "no C++ toolchain or Node headers" : "build failed";
  quiet(`native backend not built (${why}); using the WebAssembly backend`);
  if (process.env.MYELIN_NATIVE_VERBOSE) console.log(r.stdout, r.stderr);
}
process.exit(0);
