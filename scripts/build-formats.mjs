#!/usr/bin/env node
// Builds the CommonJS copy of the library (dist/cjs) and the single-file browser bundle
// (dist/browser/myelin.js) from the same sources as tsc's ES-module build (dist/), so
// `require("myelin")` and a CDN `<script type="module">` work. Run by `npm run build`
// after tsc, whose declaration files it copies: dist/cjs/package.json says
// "commonjs", so TypeScript reads the copies as CommonJS types for `require` users.
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const esm = join(root, "dist");
const cjs = join(esm, "cjs");

/** Files under dir (recursively) that `keep` accepts, not descending into `skip`. */
function files(dir, keep, skip = []) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return skip.includes(p) ? [] : files(p, keep, skip);
    return keep(e.name) ? [p] : [];
  });
}

// The Node-only loaders read `import.meta.url` only when `__filename` is absent (ES
// modules); in CommonJS it is never reached, so define it away instead of letting
// esbuild warn. Any other `import.meta` use still warns (it would break `require`).
const common = { target: "es2022", logLevel: "warning", define: { "import.meta.url": "undefined" } };

rmSync(cjs, { recursive: true, force: true });
// File by file, not bundled: `myelin` and `myelin/train` then share one copy of each
// module (one Tensor class, one backend) when both are required.
await build({
  ...common,
  entryPoints: files(src, (n) => n.endsWith(".ts") && !n.endsWith(".d.ts")),
  outdir: cjs,
  outbase: src,
  format: "cjs",
  platform: "node",
  sourcemap: true,
  sourcesContent: false, // the maps point at ../../src, which the package ships
});
writeFileSync(join(cjs, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);

// Types: copies of tsc's declaration files (CommonJS resolution needs them under the
// "commonjs" package.json). Without their declaration maps: the ESM copies keep theirs,
// and the installed size stays within budget (test/package/pack.test.ts).
for (const file of files(esm, (n) => n.endsWith(".d.ts"), [cjs, join(esm, "browser")])) {
  const to = join(cjs, relative(esm, file));
  mkdirSync(dirname(to), { recursive: true });
  cpSync(file, to, { dereference: true });
  // The copy's last line points at a map that is not shipped beside it.
  writeFileSync(to, readFileSync(to, "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n"));
}

// One ES module for browsers and CDNs (no file system, no native addon at run time).
await build({
  entryPoints: [join(src, "index.ts")],
  outfile: join(esm, "browser", "myelin.js"),
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
  // No map for the one-file CDN bundle (it was ~1 MB of the installed size); bundlers and
  // Node use dist/ and dist/cjs/, whose maps point into the shipped src/.
  sourcemap: false,
});
